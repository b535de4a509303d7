"""Retrievers: each takes a query and returns ranked passages from one IndexStore."""

from __future__ import annotations

import re
from typing import Protocol

import numpy as np

from rag.embedding import EmbedderSet
from rag.filters import Filters
from rag.models import Passage
from rag.store import IndexStore

# Tokens that look like a product identifier: letters and digits, often with dashes.
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9\-])(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{3,}(?![A-Za-z0-9\-])")


def identifier_candidates(query: str) -> list[str]:
    found = _IDENTIFIER.findall(query)
    # "SKU JK-1001-BLA-M" and "jk1001" style variants are both common in chat.
    return list(dict.fromkeys(found + [f.replace("-", "") for f in found]))


class Retriever(Protocol):
    def retrieve(
        self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None
    ) -> list[Passage]: ...


def allowed_rows(store: IndexStore, filters: Filters | None) -> list[int] | None:
    """None means every chunk; a list restricts the search to matching products."""
    return None if filters is None or filters.is_empty() else store.filtered_rows(filters)


def _passages(
    store: IndexStore, scored: list[tuple[int, float, float]], space: str, exact: set[int] = frozenset()
) -> list[Passage]:
    """Build passages from (row, score, cosine similarity) triples, best first."""
    chunks = store.chunks([row for row, _, _ in scored])
    return [
        Passage(
            chunk=chunk, score=round(score, 6), similarity=round(sim, 6), rank=rank, space=space,
            exact_match=row in exact,
        )
        for rank, (chunk, (row, score, sim)) in enumerate(zip(chunks, scored), start=1)
    ]


def _search_batch(
    embedders: EmbedderSet, store: IndexStore, queries: list[str], k: int
) -> list[tuple[str, str, np.ndarray, list[tuple[int, float]]]]:
    """(query, space, vector, hits) per query, in order; queries are embedded and searched per space in one go."""
    found: list = [None] * len(queries)
    by_space: dict[str, list[int]] = {}
    for position, query in enumerate(queries):
        by_space.setdefault(embedders.space_for(query), []).append(position)
    for space, positions in by_space.items():
        vectors = embedders.spaces()[space].embed([queries[p] for p in positions])
        for position, vector, hits in zip(positions, vectors, store.search_many(vectors, k, space)):
            found[position] = (queries[position], space, vector, hits)
    return found


class DenseRetriever:
    """Top-k by cosine similarity of embeddings."""

    def __init__(self, store: IndexStore, embedders: EmbedderSet):
        self.store = store
        self.embedders = embedders

    def retrieve(self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None) -> list[Passage]:
        return self.rank(query, top_k, allowed_rows(self.store, filters))

    def rank(self, query: str, top_k: int, rows: list[int] | None = None) -> list[Passage]:
        space = self.embedders.space_for(query)
        vector = self.embedders.spaces()[space].embed([query])[0]
        hits = self.store.search(vector, top_k, space, rows)
        return _passages(self.store, [(row, score, score) for row, score in hits], space)

    def rank_many(self, queries: list[str], top_k: int) -> list[list[Passage]]:
        return [
            _passages(self.store, [(row, score, score) for row, score in hits], space)
            for _, space, _, hits in _search_batch(self.embedders, self.store, queries, top_k)
        ]


class KeywordRetriever:
    """Top-k by BM25 over the FTS5 keyword index."""

    def __init__(self, store: IndexStore):
        self.store = store

    def retrieve(self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None) -> list[Passage]:
        return self.rank(query, top_k, allowed_rows(self.store, filters))

    def rank(self, query: str, top_k: int, rows: list[int] | None = None) -> list[Passage]:
        hits = self.store.keyword_search(query, top_k, rows)
        return _passages(self.store, [(row, score, 0.0) for row, score in hits], "keyword")

    def rank_many(self, queries: list[str], top_k: int) -> list[list[Passage]]:
        return [self.rank(query, top_k) for query in queries]


class HybridRetriever:
    """Dense cosine plus a weighted, normalised BM25 bonus; named products come first.

    A product is named when the query holds its SKU, GTIN or MPN, or when the
    shopper is looking at it (``context_sku``).

    Every candidate from either list is scored with its true cosine, so a keyword
    hit is never ranked on BM25 alone. The weight was chosen on ePQA
    (docs/evaluation.md): plain rank fusion lost to dense retrieval there.
    """

    def __init__(self, store: IndexStore, embedders: EmbedderSet, keyword_weight: float = 0.1, pool: int = 50):
        self.store = store
        self.embedders = embedders
        self.keyword_weight = keyword_weight
        self.pool = pool

    def retrieve(self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None) -> list[Passage]:
        return self.rank(query, top_k, allowed_rows(self.store, filters), [context_sku] if context_sku else [])

    def rank(self, query: str, top_k: int, rows: list[int] | None = None, named: list[str] = ()) -> list[Passage]:
        """Rank among ``rows`` (all when None); products in ``named`` or the query come first."""
        space = self.embedders.space_for(query)
        vector = self.embedders.spaces()[space].embed([query])[0]
        dense = self.store.search(vector, max(self.pool, top_k), space, rows)
        return self._fuse(query, space, vector, dict(dense), top_k, rows, named)

    def rank_many(self, queries: list[str], top_k: int) -> list[list[Passage]]:
        """Rank many queries over every chunk: one embedding batch and one FAISS search per vector space."""
        return [
            self._fuse(query, space, vector, dict(hits), top_k, None, ())
            for query, space, vector, hits in _search_batch(self.embedders, self.store, queries, max(self.pool, top_k))
        ]

    def _fuse(
        self, query: str, space: str, vector: np.ndarray, dense: dict[int, float], top_k: int,
        rows: list[int] | None, named: list[str],
    ) -> list[Passage]:
        pool = max(self.pool, top_k)
        keyword = dict(self.store.keyword_search(query, pool, rows))
        exact = set(self.store.rows_for_identifiers(identifier_candidates(query) + list(named)))
        if rows is not None:
            exact &= set(rows)
        rows = list(dict.fromkeys([*exact, *dense, *keyword]))
        missing = [row for row in rows if row not in dense]
        if missing:
            dense.update(zip(missing, (self.store.vectors(missing, space) @ vector).tolist()))
        top_bm25 = max(keyword.values(), default=0.0) or 1.0
        scored = []
        for row in rows:
            score = dense[row] + self.keyword_weight * keyword.get(row, 0.0) / top_bm25
            if row in exact:
                score += 1.0
            scored.append((row, score, dense[row]))
        scored.sort(key=lambda item: item[1], reverse=True)
        return _passages(self.store, scored[:top_k], space, exact)


def build_retriever(mode: str, store: IndexStore, embedders: EmbedderSet, keyword_weight: float) -> Retriever:
    if mode == "dense":
        return DenseRetriever(store, embedders)
    if mode == "keyword":
        return KeywordRetriever(store)
    if mode == "hybrid":
        return HybridRetriever(store, embedders, keyword_weight)
    raise ValueError(f"unknown retrieval mode {mode!r}: use dense, keyword or hybrid")
