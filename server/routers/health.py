"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST

from rag.index import IndexStoreError
from server.errors import error_response
from server.security import metrics_access

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    """The index and models are loaded and the served index answers a probe query."""
    serving = getattr(request.app.state, "serving", None)
    if serving is None:
        return error_response(503, "the index and models are not loaded yet")
    try:
        await run_in_threadpool(serving.store.probe)
    except IndexStoreError as exc:
        return error_response(503, f"index version {serving.store.version} cannot answer: {exc}")
    return {"status": "ready", "index_version": serving.store.version, "chunks": len(serving.store)}


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(metrics_access)])
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, errors, latency per route and per answer stage, refusals, index version."""
    serving = getattr(request.app.state, "serving", None)
    if serving is not None:
        request.app.state.metrics.set_index_version(serving.store.version)
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
