"""Handoff tickets as stored and served: the shopper's contact, the masked transcript, delivery attempts."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["open", "claimed", "closed"]
Delivery = Literal["none", "pending", "delivered", "failed"]


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


# The stored columns of a ticket, in the order both backends select them.
TICKET_COLUMNS = ("reference, session_id, status, reason, origin, language, contact_method, contact_address, "
                  "transcript, created_at, updated_at, claimed_by, delivery")


def ticket_row(ticket: Ticket) -> tuple:
    return (ticket.reference, ticket.session_id, ticket.status, ticket.reason, ticket.origin, ticket.language,
            ticket.contact.method, ticket.contact.address,
            json.dumps([t.model_dump() for t in ticket.transcript], ensure_ascii=False),
            ticket.created_at, ticket.updated_at, ticket.claimed_by, ticket.delivery)


def ticket_from_row(row: tuple, attempts: list[DeliveryAttempt]) -> Ticket:
    (ref, session_id, status, reason, origin, language, method, address, transcript,
     created, updated, claimed_by, delivery) = row
    return Ticket(reference=ref, session_id=session_id, status=status, reason=reason, origin=origin,
                  language=language, contact=Contact(method=method, address=address),
                  transcript=[TicketTurn(**t) for t in json.loads(transcript)], created_at=created,
                  updated_at=updated, claimed_by=claimed_by, delivery=delivery, delivery_attempts=attempts)


def attempt_from_row(row: tuple) -> DeliveryAttempt:
    number, at, ok, code, error = row
    return DeliveryAttempt(attempt=number, at=at, ok=bool(ok), status_code=code, error=error)
