"""Handoff to a person: tickets in SQLite, the shopper's receipt, and signed delivery to the store's helpdesk.

A ticket holds the session's masked transcript, why it was opened, the shopper's language and how they
want to be reached. The one piece of personal data kept is the contact address the shopper typed for
that purpose: it is never logged and is erased when the ticket is closed. A new ticket is posted to
``handoff_webhook_url`` (if set) with an HMAC-SHA256 signature; failed attempts are retried with a
doubling wait and each is recorded. Deliveries still pending when the server stops resume at its next start.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel, Field

from rag.privacy import mask_pii
from rag.settings import Settings
from server.sessions import SessionStore

log = logging.getLogger("shopassist.handoffs")

Status = Literal["open", "claimed", "closed"]
Delivery = Literal["none", "pending", "delivered", "failed"]
SCHEMA_VERSION = 1
SIGNATURE_HEADER = "X-ShopAssist-Signature"
TIMESTAMP_HEADER = "X-ShopAssist-Timestamp"
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


class Contact(BaseModel):
    method: Literal["chat", "email", "phone"] = "chat"
    address: str | None = Field(default=None, max_length=200, description="Where to reach the shopper, for email or phone.")


class TicketTurn(BaseModel):
    at: float
    question: str
    answer: str


class DeliveryAttempt(BaseModel):
    attempt: int
    at: float
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Ticket(BaseModel):
    reference: str
    session_id: str
    status: Status
    reason: str = Field(description="own_order, person, complaint, refused, shopper_request, ...")
    origin: Literal["shopper", "intent"] = Field(description="shopper: asked through the API or the widget; "
                                                             "intent: the assistant handed the conversation off")
    language: Literal["en", "zh"]
    contact: Contact
    transcript: list[TicketTurn]
    created_at: float
    updated_at: float
    claimed_by: str | None = None
    delivery: Delivery = "none"
    delivery_attempts: list[DeliveryAttempt] = Field(default_factory=list)


class Receipt(BaseModel):
    """What the shopper is told: the reference, the real status and a message in their language."""

    reference: str
    status: Status
    language: Literal["en", "zh"]
    message: str


class TicketNotFound(LookupError):
    pass


class TicketClosed(ValueError):
    pass


def reference() -> str:
    return "HO-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-ShopAssist-Signature: HMAC-SHA256 over ``<timestamp>.<body>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class HandoffStore:
    """Tickets and delivery attempts in ``handoffs.sqlite`` beside the sessions database."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{path} has handoff schema {version}; this ShopAssist reads up to {SCHEMA_VERSION}")
            self._db.executescript(
                f"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS tickets (
                    reference TEXT PRIMARY KEY, session_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
                    origin TEXT NOT NULL, language TEXT NOT NULL, contact_method TEXT NOT NULL, contact_address TEXT,
                    transcript TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, claimed_by TEXT,
                    delivery TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS tickets_session ON tickets(session_id, status);
                CREATE TABLE IF NOT EXISTS delivery_attempts (
                    reference TEXT NOT NULL, attempt INTEGER NOT NULL, at REAL NOT NULL, ok INTEGER NOT NULL,
                    status_code INTEGER, error TEXT
                );
                PRAGMA user_version = {SCHEMA_VERSION};
                """
            )

    _COLUMNS = ("reference, session_id, status, reason, origin, language, contact_method, contact_address, "
                "transcript, created_at, updated_at, claimed_by, delivery")

    def insert(self, ticket: Ticket) -> None:
        with self._lock, self._db:
            self._db.execute(
                f"INSERT INTO tickets ({self._COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ticket.reference, ticket.session_id, ticket.status, ticket.reason, ticket.origin, ticket.language,
                 ticket.contact.method, ticket.contact.address,
                 json.dumps([t.model_dump() for t in ticket.transcript], ensure_ascii=False),
                 ticket.created_at, ticket.updated_at, ticket.claimed_by, ticket.delivery),
            )

    def _ticket(self, row: tuple, attempts: list[DeliveryAttempt]) -> Ticket:
        (ref, session_id, status, reason, origin, language, method, address, transcript,
         created, updated, claimed_by, delivery) = row
        return Ticket(reference=ref, session_id=session_id, status=status, reason=reason, origin=origin,
                      language=language, contact=Contact(method=method, address=address),
                      transcript=[TicketTurn(**t) for t in json.loads(transcript)], created_at=created,
                      updated_at=updated, claimed_by=claimed_by, delivery=delivery, delivery_attempts=attempts)

    def _attempts(self, ref: str) -> list[DeliveryAttempt]:
        rows = self._db.execute(
            "SELECT attempt, at, ok, status_code, error FROM delivery_attempts WHERE reference = ? ORDER BY attempt",
            (ref,)).fetchall()
        return [DeliveryAttempt(attempt=a, at=at, ok=bool(ok), status_code=code, error=error)
                for a, at, ok, code, error in rows]

    def get(self, ref: str) -> Ticket:
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM tickets WHERE reference = ?", (ref,)).fetchone()
            if row is None:
                raise TicketNotFound(ref)
            return self._ticket(row, self._attempts(ref))

    def active_for(self, session_id: str) -> Ticket | None:
        """The session's open or claimed ticket, if it has one."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {self._COLUMNS} FROM tickets WHERE session_id = ? AND status != 'closed' "
                "ORDER BY created_at DESC LIMIT 1", (session_id,)).fetchone()
            return None if row is None else self._ticket(row, self._attempts(row[0]))

    def tickets(self, status: Status | None = None, limit: int = 100) -> list[Ticket]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {self._COLUMNS} FROM tickets WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC LIMIT ?",
                (status, status, limit)).fetchall()
            return [self._ticket(row, self._attempts(row[0])) for row in rows]

    def pending_deliveries(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT reference FROM tickets WHERE delivery = 'pending'")]

    def set_status(self, ref: str, status: Status, claimed_by: str | None = None) -> Ticket:
        """Claim (open or claimed → claimed) or close; closing erases the contact address."""
        with self._lock, self._db:
            row = self._db.execute("SELECT status FROM tickets WHERE reference = ?", (ref,)).fetchone()
            if row is None:
                raise TicketNotFound(ref)
            if row[0] == "closed":
                raise TicketClosed(ref)
            if status == "closed":
                self._db.execute("UPDATE tickets SET status = 'closed', contact_address = NULL, updated_at = ? "
                                 "WHERE reference = ?", (time.time(), ref))
            else:
                self._db.execute("UPDATE tickets SET status = ?, claimed_by = ?, updated_at = ? WHERE reference = ?",
                                 (status, claimed_by, time.time(), ref))
        return self.get(ref)

    def record_attempt(self, ref: str, attempt: DeliveryAttempt, delivery: Delivery) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT INTO delivery_attempts VALUES (?, ?, ?, ?, ?, ?)",
                             (ref, attempt.attempt, attempt.at, int(attempt.ok), attempt.status_code, attempt.error))
            self._db.execute("UPDATE tickets SET delivery = ? WHERE reference = ?", (delivery, ref))

    def close(self) -> None:
        self._db.close()


class WebhookSender:
    """Posts a ticket to the helpdesk, signed, retrying with a doubling wait; records every attempt."""

    def __init__(self, settings: Settings, store: HandoffStore):
        self.url = settings.handoff_webhook_url
        self.secret = settings.handoff_webhook_secret.get_secret_value() if settings.handoff_webhook_secret else ""
        self.attempts = settings.handoff_webhook_attempts
        self.backoff = settings.handoff_webhook_backoff_seconds
        self.timeout = settings.handoff_webhook_timeout_seconds
        self.store = store

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def payload(self, ticket: Ticket) -> bytes:
        body = {"event": "handoff.created", "ticket": ticket.model_dump(exclude={"delivery", "delivery_attempts"})}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    async def deliver(self, ref: str) -> None:
        ticket = await asyncio.to_thread(self.store.get, ref)
        done = len(ticket.delivery_attempts)
        body = self.payload(ticket)
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for number in range(done + 1, self.attempts + 1):
                if number > 1:
                    await asyncio.sleep(self.backoff * 2 ** (number - 2))
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
                                        DeliveryAttempt(attempt=number, at=time.time(), ok=ok, status_code=code,
                                                        error=error), state)
                if ok:
                    return
                log.warning("handoff %s: webhook attempt %d of %d failed: %s", ref, number, self.attempts, error)


class HandoffService:
    """Opens tickets (one active per session), tells the shopper their status, and dispatches deliveries."""

    def __init__(self, settings: Settings, sessions: SessionStore):
        self.settings = settings
        self.sessions = sessions
        self.store = HandoffStore(settings.data_dir / "handoffs.sqlite")
        self.webhook = WebhookSender(settings, self.store)
        self._tasks: set[asyncio.Task] = set()

    def receipt(self, ticket: Ticket) -> Receipt:
        texts = self.settings.handoff_messages.get(ticket.language) or self.settings.handoff_messages["en"]
        return Receipt(reference=ticket.reference, status=ticket.status, language=ticket.language,
                       message=texts[ticket.status].format(reference=ticket.reference))

    def _open(self, session_id: str, reason: str, origin: str, language: str, contact: Contact) -> tuple[Ticket, bool]:
        active = self.store.active_for(session_id)
        if active is not None:
            return active, False
        now = time.time()
        transcript = [TicketTurn(at=t["at"], question=mask_pii(t["question"]), answer=mask_pii(t["answer"]))
                      for t in self.sessions.transcript(session_id)]
        ticket = Ticket(reference=reference(), session_id=session_id, status="open", reason=reason, origin=origin,
                        language=language, contact=contact, transcript=transcript, created_at=now, updated_at=now,
                        delivery="pending" if self.webhook.enabled else "none")
        self.store.insert(ticket)
        log.info("handoff %s opened (%s, %s)", ticket.reference, origin, reason)
        return ticket, True

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
        """Stop deliveries in flight (they stay pending and resume at the next start) and close the database."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.store.close()
