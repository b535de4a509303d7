"""POST /v1/chat: one shopper question in, one grounded Answer out."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.concurrency import run_in_threadpool
from sse_starlette.sse import EventSourceResponse

from rag.privacy import mask_pii
from rag.settings import Settings
from rag.storefront import public_answer
from server.dependencies import get_handoffs, get_metrics, get_serving, get_sessions, get_settings
from server.handoffs import HandoffService
from server.observability import Metrics
from server.repositories import SessionNotFound, SessionStore
from server.schemas import ChatRequest, ChatResponse, ErrorBody
from server.state import ServingState

router = APIRouter(prefix="/v1", tags=["chat"])


def valid_chat(request: ChatRequest, settings: Settings = Depends(get_settings)) -> ChatRequest:
    if not request.message.strip():
        raise HTTPException(422, "message is empty")
    if len(request.message) > settings.max_message_chars:
        raise HTTPException(422, f"message is longer than {settings.max_message_chars} characters")
    return request


def session_for(
    request: ChatRequest = Depends(valid_chat),
    token: str | None = Header(default=None, alias="X-Session-Token"),
    sessions: SessionStore = Depends(get_sessions),
) -> tuple[str, str | None]:
    """The session to continue (its token checked) or a new one; returns (id, new token or None)."""
    if request.session_id is None:
        return sessions.create()
    try:
        sessions.authorize(request.session_id, token)
    except SessionNotFound:
        raise HTTPException(404, "no such session for this token") from None
    return request.session_id, None


@dataclass
class Conversation:
    """Everything one chat turn needs; FastAPI gathers it once per request."""

    serving: ServingState
    sessions: SessionStore
    metrics: Metrics
    settings: Settings
    handoffs: HandoffService

    async def turn(self, request: ChatRequest, session: tuple[str, str | None],
                   earlier: list[str] | None = None) -> ChatResponse:
        """Mask, resolve against the session's history (or the ``earlier`` questions a client sent along, for a
        session-less protocol), answer within the time limit, store."""
        session_id, new_token = session
        message = mask_pii(request.message.strip())  # personal data is never needed to answer, so never kept
        assistant = self.serving.assistant
        recent = None if earlier is None else [mask_pii(q.strip()) for q in earlier[-self.settings.max_history_turns:]]
        history = await run_in_threadpool(self.sessions.history, session_id) if recent is None else []
        after_refusal = bool(history) and await run_in_threadpool(self._last_refused, session_id)

        def respond():
            turns = history if recent is None else assistant.replay(recent)
            return assistant.answer(message, request.filters, request.product_sku, turns, after_refusal)

        try:
            answer = await asyncio.wait_for(run_in_threadpool(respond), timeout=self.settings.answer_timeout_seconds)
        except asyncio.TimeoutError:
            raise HTTPException(504, "the answer took too long; please try again") from None
        self.metrics.observe_answer(answer)
        answer_id = await run_in_threadpool(self.sessions.append, session_id, message, answer)
        answer = public_answer(answer, self.settings.stock_display, self.settings.low_stock_threshold)
        ticket = None
        if answer.outcome == "handed_off":  # a person is needed: the ticket exists before the shopper is told
            opened, _ = await self.handoffs.open(session_id, answer.intent, "intent", answer.language)
            ticket = self.handoffs.receipt(opened)
        return ChatResponse(**answer.model_dump(), session_id=session_id, session_token=new_token,
                            answer_id=answer_id, handoff_ticket=ticket)

    def _last_refused(self, session_id: str) -> bool:
        """Was the session's previous answer a refusal? A second one in a row offers the shopper a person."""
        turns = self.sessions.transcript(session_id)
        return bool(turns) and turns[-1]["refused"]


def conversation(
    serving: ServingState = Depends(get_serving),
    sessions: SessionStore = Depends(get_sessions),
    metrics: Metrics = Depends(get_metrics),
    settings: Settings = Depends(get_settings),
    handoffs: HandoffService = Depends(get_handoffs),
) -> Conversation:
    return Conversation(serving, sessions, metrics, settings, handoffs)


def answer_sentences(response: ChatResponse) -> list[str]:
    """The verified sentences with their markers, in order: what streams send piece by piece."""
    checked = response.grounding.sentences if response.grounding and not response.refused else []
    return [s.rendered() for s in checked] or [response.text]


CHAT_ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody},
               504: {"model": ErrorBody}}


@router.post("/chat", response_model=ChatResponse, responses=CHAT_ERRORS)
async def chat(
    request: ChatRequest = Depends(valid_chat),
    session: tuple[str, str | None] = Depends(session_for),
    talk: Conversation = Depends(conversation),
) -> ChatResponse:
    """Answer a shopper's question from the store's knowledge base, citing passages, or refuse and offer a handoff."""
    return await talk.turn(request, session)


@router.post("/chat/stream", responses={200: {"content": {"text/event-stream": {}}}, **CHAT_ERRORS})
async def chat_stream(
    request: ChatRequest = Depends(valid_chat),
    session: tuple[str, str | None] = Depends(session_for),
    talk: Conversation = Depends(conversation),
) -> EventSourceResponse:
    """Server-sent events: one `sentence` event per verified sentence, then `answer` with citations,
    grounding, product cards and the session, or `error` with the usual error body."""

    async def events():
        try:
            response = await talk.turn(request, session)
        except HTTPException as exc:
            yield {"event": "error", "data": json.dumps({"error": {"type": "error", "message": exc.detail}})}
            return
        for piece in answer_sentences(response):
            yield {"event": "sentence", "data": json.dumps({"text": piece}, ensure_ascii=False)}
        yield {"event": "answer", "data": response.model_dump_json()}

    return EventSourceResponse(events())
