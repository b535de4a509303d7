"""GET /v1/sessions/{id}: a session's transcript, for its owner only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, HTTPException, Path
from fastapi.concurrency import run_in_threadpool

from server.dependencies import get_sessions
from server.repositories import SessionNotFound, SessionStore
from server.schemas import ErrorBody, Transcript

router = APIRouter(prefix="/v1", tags=["sessions"])


@router.get("/sessions/{session_id}", response_model=Transcript, responses={404: {"model": ErrorBody}})
async def transcript(
    session_id: str = Path(max_length=128, pattern=r"^[A-Za-z0-9_\-]+$"),
    token: str | None = Header(default=None, alias="X-Session-Token"),
    sessions: SessionStore = Depends(get_sessions),
) -> Transcript:
    """The masked transcript of a session; without its token, the session does not exist."""
    try:
        sessions.authorize(session_id, token)
    except SessionNotFound:
        raise HTTPException(404, "no such session for this token") from None
    return Transcript(session_id=session_id, turns=await run_in_threadpool(sessions.transcript, session_id))
