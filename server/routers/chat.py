"""POST /v1/chat: one shopper question in, one grounded Answer out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool

from rag.models import Answer
from rag.settings import Settings
from server.dependencies import get_serving, get_settings
from server.schemas import ChatRequest, ErrorBody
from server.state import ServingState

router = APIRouter(prefix="/v1", tags=["chat"])


def valid_chat(request: ChatRequest, settings: Settings = Depends(get_settings)) -> ChatRequest:
    if not request.message.strip():
        raise HTTPException(422, "message is empty")
    if len(request.message) > settings.max_message_chars:
        raise HTTPException(422, f"message is longer than {settings.max_message_chars} characters")
    return request


@router.post("/chat", response_model=Answer, responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
async def chat(request: ChatRequest = Depends(valid_chat), serving: ServingState = Depends(get_serving)) -> Answer:
    """Answer a shopper's question from the store's knowledge base, citing passages, or refuse and offer a handoff."""
    answer = await run_in_threadpool(
        serving.assistant.answer, request.message.strip(), request.filters, request.product_sku
    )
    answer.session_id = request.session_id or secrets.token_urlsafe(24)
    return answer
