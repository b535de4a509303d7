"""Handoff to a person: tickets (server/repositories), the shopper's receipt, and signed delivery to the store's helpdesk.

A ticket holds the session's masked transcript, why it was opened, the shopper's language and how they
want to be reached. The one piece of personal data kept is the contact address the shopper typed for
that purpose: it is never logged and is erased when the ticket is closed. A new ticket is posted to
``handoff_webhook_url`` (if set) with an HMAC-SHA256 signature; failed attempts are retried with a
doubling wait and each is recorded. Deliveries still pending when the server stops resume at its next start;
a lease on each attempt keeps replicas that share the database from posting one ticket twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Literal

import httpx
from pydantic import BaseModel

from rag.privacy import mask_pii
from rag.settings import Settings
from server.repositories import HandoffStore, SessionStore
from server.repositories.records import Contact, Delivery, DeliveryAttempt, Status, Ticket, TicketTurn

log = logging.getLogger("shopassist.handoffs")

SIGNATURE_HEADER = "X-ShopAssist-Signature"
TIMESTAMP_HEADER = "X-ShopAssist-Timestamp"
LEASE_MARGIN = 30.0  # seconds a delivery lease outlasts the attempt it covers
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


class Receipt(BaseModel):
    """What the shopper is told: the reference, the real status and a message in their language."""

    reference: str
    status: Status
    language: Literal["en", "zh"]
    message: str


def reference() -> str:
    return "HO-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-ShopAssist-Signature: HMAC-SHA256 over ``<timestamp>.<body>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    """Posts a ticket to the helpdesk, signed, retrying with a doubling wait; records every attempt."""

    def __init__(self, settings: Settings, store: HandoffStore):
        self.url = settings.handoff_webhook_url
        self.secret = settings.handoff_webhook_secret.get_secret_value() if settings.handoff_webhook_secret else ""
        self.attempts = settings.handoff_webhook_attempts
        self.backoff = settings.handoff_webhook_backoff_seconds
        self.timeout = settings.handoff_webhook_timeout_seconds
        self.store = store
        self.owner = secrets.token_hex(8)  # this server process, as holder of delivery leases

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def payload(self, ticket: Ticket) -> bytes:
        body = {"event": "handoff.created", "ticket": ticket.model_dump(exclude={"delivery", "delivery_attempts"})}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    async def deliver(self, ref: str) -> None:
        """Attempt delivery until it succeeds or the attempts run out. Each attempt is leased first, so when
        several server processes resume the same pending ticket only one posts it; a stopping server gives
        its lease back, and a crashed one's lease runs out."""
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                while await self._attempt(client, ref):
                    pass
        except asyncio.CancelledError:
            await asyncio.to_thread(self.store.release_delivery, ref, self.owner)
            raise

    async def _attempt(self, client: httpx.AsyncClient, ref: str) -> bool:
        """One attempt, after its wait; True when another one is due."""
        ticket = await asyncio.to_thread(self.store.get, ref)
        number = len(ticket.delivery_attempts) + 1
        if ticket.delivery != "pending" or number > self.attempts:
            return False
        wait = self.backoff * 2 ** (number - 2) if number > 1 else 0.0
        if not await asyncio.to_thread(self.store.claim_delivery, ref, self.owner, wait + self.timeout + LEASE_MARGIN):
            log.info("handoff %s: another server is delivering it", ref)
            return False
        await asyncio.sleep(wait)
        body = self.payload(ticket)
        timestamp = str(int(time.time()))
        headers = {"content-type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(self.secret, timestamp, body), "X-ShopAssist-Event": "handoff.created"}
        try:
            response = await client.post(self.url, content=body, headers=headers)
            ok, code, error = response.is_success, response.status_code, None
            if not ok:
                error = f"HTTP {code}"
        except httpx.HTTPError as exc:
            ok, code, error = False, None, f"{type(exc).__name__}: {exc}"[:300]
        last = ok or number == self.attempts
        state: Delivery = "delivered" if ok else ("failed" if last else "pending")
        await asyncio.to_thread(self.store.record_attempt, ref,
                                DeliveryAttempt(attempt=number, at=time.time(), ok=ok, status_code=code, error=error),
                                state)
        if not ok:
            log.warning("handoff %s: webhook attempt %d of %d failed: %s", ref, number, self.attempts, error)
        return not last


class HandoffService:
    """Opens tickets (one active per session), tells the shopper their status, and dispatches deliveries."""

    def __init__(self, settings: Settings, sessions: SessionStore, store: HandoffStore):
        self.settings = settings
        self.sessions = sessions
        self.store = store
        self.webhook = WebhookSender(settings, self.store)
        self._tasks: set[asyncio.Task] = set()

    def receipt(self, ticket: Ticket) -> Receipt:
        texts = self.settings.handoff_messages.get(ticket.language) or self.settings.handoff_messages["en"]
        return Receipt(reference=ticket.reference, status=ticket.status, language=ticket.language,
                       message=texts[ticket.status].format(reference=ticket.reference))

    def _open(self, session_id: str, reason: str, origin: str, language: str, contact: Contact) -> tuple[Ticket, bool]:
        active = self.store.active_for(session_id)  # no transcript to read and mask when there is one
        if active is not None:
            return active, False
        now = time.time()
        transcript = [TicketTurn(at=t["at"], question=mask_pii(t["question"]), answer=mask_pii(t["answer"]))
                      for t in self.sessions.transcript(session_id)]
        ticket = Ticket(reference=reference(), session_id=session_id, status="open", reason=reason, origin=origin,
                        language=language, contact=contact, transcript=transcript, created_at=now, updated_at=now,
                        delivery="pending" if self.webhook.enabled else "none")
        ticket, created = self.store.open(ticket)
        if created:
            log.info("handoff %s opened (%s, %s)", ticket.reference, origin, reason)
        return ticket, created

    async def open(self, session_id: str, reason: str, origin: Literal["shopper", "intent"],
                   language: str, contact: Contact | None = None) -> tuple[Ticket, bool]:
        """The session's active ticket (and False), or a new one whose delivery starts now (and True)."""
        ticket, created = await asyncio.to_thread(self._open, session_id, reason, origin, language, contact or Contact())
        if created and self.webhook.enabled:
            self._dispatch(ticket.reference)
        return ticket, created

    def _dispatch(self, ref: str) -> None:
        task = asyncio.create_task(self.webhook.deliver(ref), name=f"handoff-webhook-{ref}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> int:
        """Restart the deliveries a previous run left pending; returns how many."""
        if not self.webhook.enabled:
            return 0
        pending = await asyncio.to_thread(self.store.pending_deliveries)
        for ref in pending:
            self._dispatch(ref)
        return len(pending)

    async def shutdown(self) -> None:
        """Stop deliveries in flight: they stay pending and resume at the next start (of any replica)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
