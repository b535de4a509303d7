"""What a chunk gives the search besides its vectors, the same for every backend: keyword text,
identifiers and product facts."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from rag.models import Chunk
from rag.product_record import identifier_forms
from rag.text import content_words, tokens

# A query word found in more chunks than this is left to dense search: its BM25 weight is
# small, and matching it would make a keyword search score a large share of a big index.
KEYWORD_TERM_MAX_CHUNKS = 5_000


def search_text(chunk: Chunk) -> str:
    """Text for the keyword index: Chinese is pre-segmented so the keyword index sees words."""
    fields = [chunk.title, chunk.section, chunk.text, str(chunk.metadata.get("sku", ""))]
    fields.extend(chunk.metadata.get("variant_skus", []))
    return " ".join(tokens(" ".join(fields)))


def term_counts(texts: Iterable[str]) -> Counter:
    """How many of ``texts`` (search texts) hold each term."""
    return Counter(term for text in texts for term in set(text.split()))


def query_words(text: str) -> list[str]:
    """The distinct content words of a keyword query, with no quote left to leak into query syntax."""
    return list(dict.fromkeys(word.replace('"', "") for word in content_words(text)))


def selective_words(words: list[str], counts: dict[str, int]) -> list[str]:
    """The query words some chunk holds, and not so many that they say little (KEYWORD_TERM_MAX_CHUNKS)."""
    return [w for w in words if 0 < counts.get(w, 0) <= KEYWORD_TERM_MAX_CHUNKS]


def identifiers(chunk: Chunk) -> set[str]:
    """Exact product identifiers (SKU, variant SKUs, GTIN, MPN) in every form a shopper may type them."""
    if chunk.kind != "product":
        return set()
    meta = chunk.metadata
    values = [meta.get("sku"), meta.get("gtin"), meta.get("mpn"), *meta.get("variant_skus", [])]
    values += [v.get("gtin") for v in meta.get("variants", [])]
    return {form for v in values if v for form in identifier_forms(str(v))}


def product_price(meta: dict) -> float | None:
    return meta.get("selling_price", meta.get("price"))


def variant_in_stock(variant: dict) -> bool:
    """Whether a variant can be bought now."""
    return bool(variant.get("in_stock", (variant.get("stock") or 0) > 0))


def colour_names(colour: str) -> list[str]:
    """The colours a variant's colour answers to: itself, and its last word when it has more ("Matte black" is
    black too)."""
    words = colour.lower().split()
    return list(dict.fromkeys([" ".join(words), words[-1]])) if words else []
