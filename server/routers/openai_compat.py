"""POST /v1/chat/completions: the OpenAI chat-completions protocol, so existing widgets and SDKs work.

The answer is the assistant's verified answer; citations, grounding, refusal and product
cards ride along in an extra `shopassist` field that OpenAI clients ignore.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from server.routers.chat import (
    CHAT_ERRORS,
    Conversation,
    answer_sentences,
    conversation,
    valid_chat,
)
from server.schemas import ChatRequest, ChatResponse

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | None = Field(default=None, max_length=20_000)


class CompletionRequest(BaseModel):
    model: str = Field(default="shopassist", max_length=100)
    messages: list[Message] = Field(min_length=1, max_length=100)
    stream: bool = False
    user: str | None = Field(default=None, max_length=128)


def _questions(body: CompletionRequest, max_chars: int) -> tuple[str, list[str]]:
    """The shopper's latest message and the earlier ones, oldest first: the history a follow-up is resolved
    against. System prompts and assistant messages from clients cannot change our instructions."""
    asked = [(i, m.content) for i, m in enumerate(body.messages) if m.role == "user" and m.content and m.content.strip()]
    if not asked:
        raise HTTPException(422, "messages must include a non-empty user message")
    for index, text in asked[:-1]:
        if len(text) > max_chars:
            raise HTTPException(422, f"messages[{index}] is longer than {max_chars} characters")
    return asked[-1][1], [text for _, text in asked[:-1]]


def _extra(response: ChatResponse) -> dict:
    return {
        "citations": [c.model_dump() for c in response.citations],
        "grounding": response.grounding.model_dump() if response.grounding else None,
        "refused": response.refused, "handoff": response.handoff, "refusal_reason": response.refusal_reason,
        "products": [p.model_dump() for p in response.products], "filters": response.filters,
        "answer_id": response.answer_id, "rewritten_query": response.rewritten_query,
    }


@router.post("/chat/completions", responses=CHAT_ERRORS)
async def chat_completions(body: CompletionRequest, talk: Conversation = Depends(conversation)):
    """Answer the last user message, a follow-up resolved against the earlier user messages (no session needed);
    `stream: true` sends chat.completion.chunk events, one per sentence."""
    question, earlier = _questions(body, talk.settings.max_message_chars)
    request = valid_chat(ChatRequest(message=question), talk.settings)
    response = await talk.turn(request, talk.sessions.create(), earlier)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if not body.stream:
        return {
            "id": completion_id, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": response.text}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "shopassist": _extra(response),
        }

    def chunk(delta: dict, finish: str | None = None, extra: dict | None = None) -> str:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": body.model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if extra is not None:
            payload["shopassist"] = extra
        return json.dumps(payload, ensure_ascii=False)

    async def events():
        yield {"data": chunk({"role": "assistant", "content": ""})}
        for index, piece in enumerate(answer_sentences(response)):
            yield {"data": chunk({"content": piece if index == 0 else " " + piece})}
        yield {"data": chunk({}, "stop", _extra(response))}
        yield {"data": "[DONE]"}

    return EventSourceResponse(events())
