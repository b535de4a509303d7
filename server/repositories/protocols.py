"""The interface every state backend implements: sessions with their turns and feedback, and handoff tickets.

Callers mask personal data before they hand text over; a backend stores only a hash of each session token.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Protocol

from rag.conversation import Turn
from rag.models import Answer
from server.repositories.records import Delivery, DeliveryAttempt, Status, Ticket


class SessionNotFound(LookupError):
    """Unknown session, or a token that does not own it: the two look the same from outside."""


class TicketNotFound(LookupError):
    pass


class TicketClosed(ValueError):
    pass


PRUNE_EVERY_SECONDS = 3600.0  # expired sessions are deleted at start and at most this often afterwards
FEEDBACK_KEYS = ("answer_id", "at", "rating", "comment", "question", "answer")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_credentials() -> tuple[str, str]:
    """A new session id and its token, 192 random bits each."""
    return secrets.token_urlsafe(24), secrets.token_urlsafe(24)


def new_answer_id() -> str:
    return secrets.token_urlsafe(16)


def token_matches(stored_hash: str | None, token: str | None) -> bool:
    return stored_hash is not None and bool(token) and secrets.compare_digest(stored_hash, hash_token(token))


class SessionStore(Protocol):
    """Shopper sessions: they belong to their token, keep at most ``max_turns`` turns and expire after a TTL."""

    max_turns: int
    ttl_seconds: float

    def prune_expired(self, now: float | None = None) -> int:
        """Delete sessions idle longer than the TTL, with their turns; returns how many went."""

    def create(self) -> tuple[str, str]:
        """A new session's id and token."""

    def authorize(self, session_id: str, token: str | None) -> None:
        """Raise SessionNotFound unless ``token`` owns the (unexpired) session."""

    def history(self, session_id: str) -> list[Turn]:
        """The last ``max_turns`` turns, oldest first, as the conversation resolver reads them."""

    def append(self, session_id: str, question: str, answer: Answer) -> str:
        """Store one (already masked) turn, drop the oldest beyond ``max_turns``, return the answer's id."""

    def add_feedback(self, answer_id: str, rating: str, comment: str) -> None:
        """Record (or replace) a rating of one answer; unknown ids raise SessionNotFound."""

    def feedback(self) -> list[dict]:
        """Every rating, oldest first, with the question and answer it rates (keys: FEEDBACK_KEYS)."""

    def transcript(self, session_id: str) -> list[dict]:
        """The session's turns, oldest first: at, question, answer, refused, answer_id."""

    def close(self) -> None: ...


class HandoffStore(Protocol):
    """Handoff tickets and their webhook delivery attempts.

    A delivery is leased by one server process at a time (``claim_delivery``), so replicas that all resume
    pending deliveries at start never post the same ticket twice at once.
    """

    def open(self, ticket: Ticket) -> tuple[Ticket, bool]:
        """Insert ``ticket`` unless its session already has an open or claimed one (checked atomically, so two
        replicas asked at once still open one); returns the session's active ticket and whether it is new."""

    def get(self, ref: str) -> Ticket:
        """The ticket, or TicketNotFound."""

    def active_for(self, session_id: str) -> Ticket | None:
        """The session's open or claimed ticket, if it has one."""

    def tickets(self, status: Status | None = None, limit: int = 100) -> list[Ticket]:
        """Tickets, newest first."""

    def pending_deliveries(self) -> list[str]: ...

    def set_status(self, ref: str, status: Status, claimed_by: str | None = None) -> Ticket:
        """Claim (open or claimed → claimed) or close; closing erases the contact address."""

    def record_attempt(self, ref: str, attempt: DeliveryAttempt, delivery: Delivery) -> None: ...

    def claim_delivery(self, ref: str, owner: str, lease_seconds: float) -> bool:
        """Take (or extend) the lease on a pending delivery; False while another owner's lease runs."""

    def release_delivery(self, ref: str, owner: str) -> None:
        """Give the lease back (a stopping server), so the next start resumes the delivery at once."""

    def close(self) -> None: ...
