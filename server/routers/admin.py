"""Admin operations for the store's engineers; every route needs an admin API key."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from server.dependencies import get_serving, get_sessions
from server.errors import error_response
from server.repositories import SessionStore
from server.schemas import ErrorBody, FeedbackItem
from server.security import require_admin
from server.state import ServingState

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)


@router.get("/index")
async def index_stats(serving: ServingState = Depends(get_serving)) -> dict:
    """The served index version and what it holds."""
    manifest = serving.store.manifest
    return {
        "version": serving.store.version,
        "built_at": manifest.built_at,
        "chunks": manifest.chunk_count,
        "counts_by_kind": manifest.counts_by_kind,
        "spaces": manifest.spaces,
        "index_type": manifest.index_type,
        "retired_rows": manifest.retired,
    }


@router.get("/feedback", response_model=list[FeedbackItem])
async def feedback_export(sessions: SessionStore = Depends(get_sessions)) -> list[FeedbackItem]:
    """Every rated answer with its (masked) question, for review and new golden cases."""
    return [FeedbackItem(**row) for row in await run_in_threadpool(sessions.feedback)]


@router.post("/reload", responses={409: {"model": ErrorBody}})
async def reload(request: Request):
    """Load the newest published index version now, instead of waiting for the watcher."""
    result = await run_in_threadpool(request.app.state.reloader.reload)
    if result.error:
        return error_response(409, f"the published index could not be loaded; still serving {result.version}: {result.error}")
    return {"version": result.version, "changed": result.changed}
