"""Handoff to a person: shoppers open a ticket and read its status; admins list, claim and close tickets."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rag.language import detect_language
from server.dependencies import get_handoffs, get_sessions
from server.handoffs import HandoffService, Receipt
from server.repositories import SessionNotFound, SessionStore, TicketClosed, TicketNotFound
from server.repositories.records import Contact, Status, Ticket
from server.schemas import ErrorBody
from server.security import require_admin

router = APIRouter(prefix="/v1", tags=["handoffs"])
admin_router = APIRouter(
    prefix="/v1/admin/handoffs", tags=["admin"], dependencies=[Depends(require_admin)],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
REFERENCE = Path(pattern=r"^HO-[A-Z0-9]{8}$", description="The ticket's reference, e.g. HO-7K3QX2MA")


class HandoffRequest(BaseModel):
    session_id: str | None = Field(
        default=None, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$",
        description="The conversation to hand off (its token in X-Session-Token); omit to start a session.")
    reason: str = Field(default="shopper_request", pattern=r"^[a-z_]{1,40}$",
                        description="Why: shopper_request, refused, own_order, person, complaint, ...")
    language: Literal["en", "zh"] | None = Field(
        default=None, description="The shopper's language; by default that of their last message.")
    contact: Contact = Field(default_factory=Contact, description="How the shopper wants to be reached.")


class HandoffReceipt(Receipt):
    session_id: str
    session_token: str | None = Field(default=None, description="Returned when this request started the session.")


class ClaimRequest(BaseModel):
    agent: str = Field(min_length=1, max_length=100, description="Who takes the ticket.")


def _authorized(sessions: SessionStore, session_id: str, token: str | None) -> None:
    try:
        sessions.authorize(session_id, token)
    except SessionNotFound:
        raise HTTPException(404, "no such session for this token") from None


@router.post("/handoffs", response_model=HandoffReceipt, status_code=201,
             responses={200: {"model": HandoffReceipt, "description": "The session's open ticket, already there"},
                        404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def request_handoff(
    request: HandoffRequest,
    response: Response,
    token: str | None = Header(default=None, alias="X-Session-Token"),
    sessions: SessionStore = Depends(get_sessions),
    handoffs: HandoffService = Depends(get_handoffs),
) -> HandoffReceipt:
    """Hand the conversation to a person: a ticket with the masked transcript, sent to the store's helpdesk
    (201). A session with an open ticket gets that ticket back, unchanged (200)."""
    new_token = None
    if request.session_id is None:
        session_id, new_token = await run_in_threadpool(sessions.create)
    else:
        session_id = request.session_id
        _authorized(sessions, session_id, token)
    language = request.language
    if language is None:
        turns = await run_in_threadpool(sessions.transcript, session_id)
        language = detect_language(turns[-1]["question"]) if turns else "en"
    ticket, created = await handoffs.open(session_id, request.reason, "shopper", language, request.contact)
    response.status_code = 201 if created else 200
    return HandoffReceipt(**handoffs.receipt(ticket).model_dump(), session_id=session_id, session_token=new_token)


@router.get("/handoffs/{reference}", response_model=Receipt, responses={404: {"model": ErrorBody}})
async def handoff_status(
    reference: str = REFERENCE,
    token: str | None = Header(default=None, alias="X-Session-Token"),
    sessions: SessionStore = Depends(get_sessions),
    handoffs: HandoffService = Depends(get_handoffs),
) -> Receipt:
    """The ticket's current status, for the session that opened it (its token in X-Session-Token)."""
    try:
        ticket = await run_in_threadpool(handoffs.store.get, reference)
    except TicketNotFound:
        raise HTTPException(404, "no such handoff for this session") from None
    try:
        sessions.authorize(ticket.session_id, token)
    except SessionNotFound:
        raise HTTPException(404, "no such handoff for this session") from None
    return handoffs.receipt(ticket)


@admin_router.get("", response_model=list[Ticket])
async def list_handoffs(
    status: Status | None = Query(default=None, description="Only tickets in this state."),
    limit: int = Query(default=100, ge=1, le=1000),
    handoffs: HandoffService = Depends(get_handoffs),
) -> list[Ticket]:
    """Tickets, newest first, with their masked transcripts and webhook delivery attempts."""
    return await run_in_threadpool(handoffs.store.tickets, status, limit)


async def _change(handoffs: HandoffService, reference: str, status: Status, agent: str | None = None) -> Ticket:
    try:
        return await run_in_threadpool(handoffs.store.set_status, reference, status, agent)
    except TicketNotFound:
        raise HTTPException(404, f"no handoff {reference}") from None
    except TicketClosed:
        raise HTTPException(409, f"handoff {reference} is already closed") from None


@admin_router.get("/{reference}", response_model=Ticket)
async def get_handoff(reference: str = REFERENCE, handoffs: HandoffService = Depends(get_handoffs)) -> Ticket:
    try:
        return await run_in_threadpool(handoffs.store.get, reference)
    except TicketNotFound:
        raise HTTPException(404, f"no handoff {reference}") from None


@admin_router.post("/{reference}/claim", response_model=Ticket, responses={409: {"model": ErrorBody}})
async def claim_handoff(request: ClaimRequest, reference: str = REFERENCE,
                        handoffs: HandoffService = Depends(get_handoffs)) -> Ticket:
    """An agent takes the ticket; the shopper's status reads 'claimed'."""
    return await _change(handoffs, reference, "claimed", request.agent)


@admin_router.post("/{reference}/close", response_model=Ticket, responses={409: {"model": ErrorBody}})
async def close_handoff(reference: str = REFERENCE, handoffs: HandoffService = Depends(get_handoffs)) -> Ticket:
    """Close the ticket; its contact address is erased."""
    return await _change(handoffs, reference, "closed")
