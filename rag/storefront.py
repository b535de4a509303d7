"""What a shopper may see of a product record: stock as a level unless a store chooses exact counts, and
links only when they are plain http(s) addresses (a catalog is data, and a `javascript:` link is code)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from rag.models import Answer, Passage

StockDisplay = Literal["level", "exact"]


def safe_link(url: str | None) -> str:
    """``url`` if it is an absolute http(s) address with a host, else ""."""
    if not url:
        return ""
    text = url.strip()
    if any(ord(ch) < 0x20 or ch.isspace() for ch in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def stock_level(count: int | None, low_threshold: int) -> str:
    if not count or count <= 0:
        return "out of stock"
    return "low stock" if count <= low_threshold else "in stock"


def public_metadata(metadata: dict[str, Any], display: StockDisplay, low_threshold: int) -> dict[str, Any]:
    """A product's metadata as shoppers may see it: counts become levels (with ``display="level"``),
    links are checked."""
    shown = dict(metadata)
    if "url" in shown:
        shown["url"] = safe_link(shown["url"])
    if display == "exact":
        return shown
    if "stock" in shown:
        shown["stock"] = stock_level(shown["stock"], low_threshold)
    if isinstance(shown.get("variants"), list):
        shown["variants"] = [
            {**v, "stock": stock_level(v.get("stock"), low_threshold)} if isinstance(v, dict) else v
            for v in shown["variants"]
        ]
    return shown


def public_passages(passages: list[Passage], display: StockDisplay, low_threshold: int) -> list[Passage]:
    out = []
    for passage in passages:
        if passage.chunk.kind != "product":
            out.append(passage)
            continue
        chunk = passage.chunk.model_copy(update={"metadata": public_metadata(passage.chunk.metadata, display, low_threshold)})
        out.append(passage.model_copy(update={"chunk": chunk}))
    return out


def public_answer(answer: Answer, display: StockDisplay, low_threshold: int) -> Answer:
    """The answer with its passages' and cards' stock shown as ``display`` says and product links checked."""
    counts = {p.chunk.id: p.chunk.metadata.get("stock") for p in answer.passages if p.chunk.kind == "product"}
    cards = []
    for card in answer.products:
        count = counts.get(card.citation_chunk_id)
        availability = card.availability
        if count is not None:
            level = stock_level(count, low_threshold)
            availability = f"{count} in stock" if display == "exact" and count > 0 else level
        cards.append(card.model_copy(update={"url": safe_link(card.url), "availability": availability}))
    return answer.model_copy(update={"passages": public_passages(answer.passages, display, low_threshold),
                                     "products": cards})
