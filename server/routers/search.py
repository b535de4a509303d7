"""GET /v1/search: ranked passages with scores, for debugging and for store search boxes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from rag.filters import Filters
from rag.models import Passage
from rag.settings import Settings
from rag.storefront import public_passages
from server.dependencies import get_serving, get_settings
from server.schemas import ErrorBody
from server.state import ServingState

router = APIRouter(prefix="/v1", tags=["search"])


class SearchResults(BaseModel):
    query: str
    filters: dict | None
    passages: list[Passage]


@router.get("/search", response_model=SearchResults, responses={422: {"model": ErrorBody}})
async def search(
    q: str = Query(min_length=1, max_length=500, examples=["waterproof jacket"]),
    k: int = Query(10, ge=1, le=50),
    category: str | None = Query(None, max_length=100),
    brand: str | None = Query(None, max_length=100),
    min_price: float | None = Query(None, ge=0),
    max_price: float | None = Query(None, ge=0),
    in_stock: bool | None = None,
    size: str | None = Query(None, max_length=20),
    color: str | None = Query(None, max_length=40),
    serving: ServingState = Depends(get_serving),
    settings: Settings = Depends(get_settings),
) -> SearchResults:
    """Hybrid search over the index; any filter restricts the results to matching products."""
    filters = Filters(category=category, brand=brand, min_price=min_price, max_price=max_price,
                      in_stock=in_stock, size=size, color=color)
    applied = None if filters.is_empty() else filters
    passages = await run_in_threadpool(serving.assistant.retriever.retrieve, q, k, applied)
    shown = public_passages(passages, settings.stock_display, settings.low_stock_threshold)
    return SearchResults(query=q, filters=applied.model_dump(exclude_none=True) if applied else None, passages=shown)
