"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request

from server.errors import error_response

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    """The index and models are loaded and the assistant can answer."""
    serving = getattr(request.app.state, "serving", None)
    if serving is None:
        return error_response(503, "the index and models are not loaded yet")
    return {"status": "ready", "index_version": serving.store.version, "chunks": len(serving.store)}
