"""Retrievers: each takes a query and returns ranked passages from one SearchIndex."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from rag import product_record
from rag.embedding import EmbedderSet
from rag.filters import Filters
from rag.index import SearchIndex, Within
from rag.models import Passage

# Any word may be a SKU ("TENT-ULTRA", "jk1001", a GTIN): lookup is exact, in the forms rag.product_record gives.
identifier_candidates = product_record.identifier_candidates


class Retriever(Protocol):
    def retrieve(
        self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None
    ) -> list[Passage]: ...


def within(filters: Filters | None) -> Filters | None:
    """None means every chunk; filters with a value restrict the search to matching products."""
    return None if filters is None or filters.is_empty() else filters


def _passages(
    store: SearchIndex, scored: list[tuple[str, float, float]], space: str, exact: set[str] = frozenset()
) -> list[Passage]:
    """Build passages from (chunk id, score, cosine similarity) triples, best first."""
    chunks = store.fetch([cid for cid, _, _ in scored])
    return [
        Passage(
            chunk=chunk, score=round(score, 6), similarity=round(sim, 6), rank=rank, space=space,
            exact_match=cid in exact,
        )
        for rank, (chunk, (cid, score, sim)) in enumerate(zip(chunks, scored), start=1)
    ]


def _search_batch(
    embedders: EmbedderSet, store: SearchIndex, queries: list[str], k: int
) -> list[tuple[str, str, np.ndarray, list[tuple[str, float]]]]:
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

    def __init__(self, store: SearchIndex, embedders: EmbedderSet):
        self.store = store
        self.embedders = embedders

    def retrieve(self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None) -> list[Passage]:
        return self.rank(query, top_k, within(filters))

    def rank(self, query: str, top_k: int, among: Within = None) -> list[Passage]:
        space = self.embedders.space_for(query)
        vector = self.embedders.spaces()[space].embed([query])[0]
        hits = self.store.search(vector, top_k, space, among)
        return _passages(self.store, [(cid, score, score) for cid, score in hits], space)

    def rank_many(self, queries: list[str], top_k: int) -> list[list[Passage]]:
        return [
            _passages(self.store, [(cid, score, score) for cid, score in hits], space)
            for _, space, _, hits in _search_batch(self.embedders, self.store, queries, top_k)
        ]


class KeywordRetriever:
    """Top-k by BM25 over the FTS5 keyword index."""

    def __init__(self, store: SearchIndex):
        self.store = store

    def retrieve(self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None) -> list[Passage]:
        return self.rank(query, top_k, within(filters))

    def rank(self, query: str, top_k: int, among: Within = None) -> list[Passage]:
        hits = self.store.keyword_search(query, top_k, among)
        return _passages(self.store, [(cid, score, 0.0) for cid, score in hits], "keyword")

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

    def __init__(self, store: SearchIndex, embedders: EmbedderSet, keyword_weight: float = 0.1, pool: int = 50):
        self.store = store
        self.embedders = embedders
        self.keyword_weight = keyword_weight
        self.pool = pool

    def retrieve(self, query: str, top_k: int, filters: Filters | None = None, context_sku: str | None = None) -> list[Passage]:
        return self.rank(query, top_k, within(filters), [context_sku] if context_sku else [])

    def rank(self, query: str, top_k: int, among: Within = None, named: list[str] = ()) -> list[Passage]:
        """Rank ``among`` (every chunk when None); products in ``named`` or the query come first."""
        space = self.embedders.space_for(query)
        vector = self.embedders.spaces()[space].embed([query])[0]
        dense = self.store.search(vector, max(self.pool, top_k), space, among)
        return self._fuse(query, space, vector, dict(dense), top_k, among, named)

    def rank_many(self, queries: list[str], top_k: int) -> list[list[Passage]]:
        """Rank many queries over every chunk: one embedding batch and one FAISS search per vector space."""
        return [
            self._fuse(query, space, vector, dict(hits), top_k, None, ())
            for query, space, vector, hits in _search_batch(self.embedders, self.store, queries, max(self.pool, top_k))
        ]

    def _fuse(
        self, query: str, space: str, vector: np.ndarray, dense: dict[str, float], top_k: int,
        among: Within, named: list[str],
    ) -> list[Passage]:
        pool = max(self.pool, top_k)
        keyword = dict(self.store.keyword_search(query, pool, among))
        exact = set(self.store.lookup_identifiers(identifier_candidates(query) + list(named), among))
        candidates = list(dict.fromkeys([*sorted(exact), *dense, *keyword]))
        missing = [cid for cid in candidates if cid not in dense]
        if missing:
            dense.update(zip(missing, (self.store.vectors(missing, space) @ vector).tolist()))
        top_bm25 = max(keyword.values(), default=0.0) or 1.0
        scored = []
        for cid in candidates:
            score = dense[cid] + self.keyword_weight * keyword.get(cid, 0.0) / top_bm25
            if cid in exact:
                score += 1.0
            scored.append((cid, score, dense[cid]))
        scored.sort(key=lambda item: item[1], reverse=True)
        return _passages(self.store, scored[:top_k], space, exact)


def build_retriever(mode: str, store: SearchIndex, embedders: EmbedderSet, keyword_weight: float) -> Retriever:
    if mode == "dense":
        return DenseRetriever(store, embedders)
    if mode == "keyword":
        return KeywordRetriever(store)
    if mode == "hybrid":
        return HybridRetriever(store, embedders, keyword_weight)
    raise ValueError(f"unknown retrieval mode {mode!r}: use dense, keyword or hybrid")
