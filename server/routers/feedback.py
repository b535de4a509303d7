"""POST /v1/feedback: a shopper's thumbs up or down on one answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool

from rag.privacy import mask_pii
from server.dependencies import get_sessions
from server.repositories import SessionNotFound, SessionStore
from server.schemas import ErrorBody, FeedbackRequest

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post("/feedback", status_code=201, responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def feedback(request: FeedbackRequest, sessions: SessionStore = Depends(get_sessions)) -> dict:
    """Rate an answer by its id; a second rating replaces the first."""
    try:
        await run_in_threadpool(sessions.add_feedback, request.answer_id, request.rating, mask_pii(request.comment))
    except SessionNotFound:
        raise HTTPException(404, "no such answer") from None
    return {"answer_id": request.answer_id, "rating": request.rating}
