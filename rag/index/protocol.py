"""The storage seam: what retrievers, the product finder, the assistant and the indexer may ask of an index.

Everything is keyed by chunk id; no backend's row numbers or internal keys leave it. ``within`` restricts a
search: ``None`` is every chunk, a ``Filters`` (even an empty one) is the products that satisfy it, and a list
of chunk ids is exactly those chunks (an evaluation's product context).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

import numpy as np

from rag.filters import Filters, Vocabulary
from rag.index.manifest import Manifest
from rag.models import Chunk

Hit = tuple[str, float]  # chunk id, score (higher is better)
Within = Filters | list[str] | None


class SearchIndex(Protocol):
    """A loaded, read-only index version. Safe to share between threads."""

    version: str
    manifest: Manifest

    def __len__(self) -> int: ...

    def search(self, vector: np.ndarray, k: int, space: str, within: Within = None) -> list[Hit]:
        """The ``k`` nearest chunks in one vector space by cosine; k come back whenever k are allowed."""

    def search_many(self, vectors: np.ndarray, k: int, space: str) -> list[list[Hit]]:
        """``search`` over every chunk for a batch of query vectors."""

    def keyword_search(self, text: str, k: int, within: Within = None) -> list[Hit]:
        """The best BM25 matches of ``text``'s selective words (see chunk_fields.selective_words)."""

    def lookup_identifiers(self, candidates: list[str], within: Within = None) -> list[str]:
        """Products whose SKU, variant SKU, GTIN or MPN equals a candidate (``identifier_forms`` lookup forms)."""

    def matching(self, filters: Filters) -> list[str]:
        """Every product that satisfies ``filters``, in index order."""

    def fetch(self, ids: list[str]) -> list[Chunk]:
        """The chunks of ``ids`` that exist, in that order."""

    def vectors(self, ids: list[str], space: str) -> np.ndarray:
        """Stored vectors of ``ids`` (all must exist), in that order."""

    def sections_of(self, source: str) -> list[Chunk]:
        """Every chunk of one document, in order."""

    def vocabulary(self) -> Vocabulary:
        """The categories, brands, colours and kinds of product this index sells."""

    def document_counts(self, terms: list[str]) -> dict[str, int]:
        """How many chunks hold each term (terms no chunk holds are left out)."""

    def product_sources(self) -> dict[str, str]:
        """Product chunk id -> the file it came from."""

    def hashes(self) -> dict[str, tuple[str, str]]:
        """Chunk id -> (content hash, embedding hash), for incremental builds."""

    def iter_chunks(self) -> Iterator[Chunk]: ...

    def check_models(self, wanted: dict[str, str]) -> None:
        """IncompatibleIndexError unless the version was embedded with ``wanted`` (space -> model)."""

    def probe(self) -> None:
        """Answer a small query from every part of the version; CorruptIndexError when any fails."""

    def close(self) -> None: ...


@dataclass
class Changes:
    """An incremental update of a version, by chunk id."""

    retire: list[str]  # chunks that are gone, or get a new vector (they come back in ``append``)
    rewrite: list[Chunk]  # chunks that changed but keep their vectors
    append: list[Chunk]  # chunks with new vectors, below
    vectors: dict[str, np.ndarray]  # per space, rows follow ``append``


class VersionWriter(Protocol):
    """One version being written: whole or as a patch of the published one, then published or discarded."""

    name: str
    location: str  # where it is written, for messages

    def patch_refusal(self, previous: SearchIndex, changes: Changes) -> str | None:
        """Why ``changes`` should go into a whole version rather than a patch of ``previous``; None if none."""

    def write(self, chunks: list[Chunk], vectors: dict[str, np.ndarray], models: dict[str, str],
              build_settings: dict[str, Any]) -> Manifest:
        """``vectors`` and ``models`` are keyed by vector space; rows follow ``chunks``."""

    def patch(self, previous: SearchIndex, changes: Changes, build_settings: dict[str, Any]) -> Manifest:
        """``previous`` with ``changes`` applied; unchanged chunks are copied, never re-embedded."""

    def publish(self) -> None:
        """Make this version the current one, atomically for every reader."""

    def discard(self) -> None:
        """Remove whatever of this version was stored, unless it is already published."""


class IndexVersions(Protocol):
    """Where versions live: which one is current, opening, writing, publishing, pruning, the writers' lock."""

    def current_version(self) -> str | None: ...

    def open(self, version: str) -> SearchIndex: ...

    def open_current(self) -> SearchIndex:
        """IndexNotFoundError when nothing is published."""

    def complete_versions(self) -> list[str]:
        """Names of the whole versions stored, newest first."""

    def lock(self) -> AbstractContextManager:
        """Held by the indexer while it runs; IndexLockedError names the holder."""

    def remove_incomplete(self) -> list[str]:
        """Delete versions left half-written by a killed run."""

    def new_version(self, ann_threshold: int) -> VersionWriter: ...

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest ``keep`` complete versions; never the current one."""
