"""Request and error bodies of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, examples=["How long do I have to return an item?"])
    session_id: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")


class ErrorDetail(BaseModel):
    type: str
    message: str
    fields: list[dict] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
