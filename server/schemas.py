"""Request and error bodies of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rag.filters import Filters
from rag.models import Answer
from server.handoffs import Receipt


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, examples=["How long do I have to return an item?"])
    session_id: str | None = Field(
        default=None, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$",
        description="Continue a session; send its token in the X-Session-Token header. Omit to start one.",
    )
    filters: Filters | None = Field(default=None, description="Hard product constraints, merged with any in the message.")
    product_sku: str | None = Field(
        default=None, max_length=64, description="The product the shopper is looking at; its facts are searched first."
    )


class ErrorDetail(BaseModel):
    type: str
    message: str
    fields: list[dict] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ChatResponse(Answer):
    session_id: str
    answer_id: str = Field(description="Send it with POST /v1/feedback to rate this answer.")
    session_token: str | None = Field(
        default=None, description="Returned once, when a session starts: send it as X-Session-Token to continue."
    )
    handoff_ticket: Receipt | None = Field(
        default=None, description="When the answer hands the conversation to a person: the ticket opened for it."
    )


class TranscriptTurn(BaseModel):
    at: float
    question: str
    answer: str
    refused: bool
    answer_id: str = Field(description="Rate the answer with POST /v1/feedback.")


class Transcript(BaseModel):
    session_id: str
    turns: list[TranscriptTurn]


class FeedbackRequest(BaseModel):
    answer_id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=2000)


class FeedbackItem(BaseModel):
    answer_id: str
    at: float
    rating: str
    comment: str
    question: str
    answer: str
