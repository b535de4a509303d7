"""FAQ matching by question: a shopper's question is compared with each FAQ entry's question, not its answer.

Three signals, weighted: the cosine between the two questions in the primary (English) space, the cosine in the
multilingual space, and the TF-IDF cosine of their words (Chinese segmented with jieba). The best entry is a match
only at or above the threshold, and only when every place or payment method the question names is named by the
entry too ("Do you ship to Japan?" is not "Do you ship to Canada?").
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from rag.embedding import MULTILINGUAL, PRIMARY, EmbedderSet
from rag.language import CJK, STOPWORDS, covers_entity, entities
from rag.models import Chunk
from rag.text import tokens

CJK_RUN = re.compile(f"(?:{CJK.pattern})+")


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ pair; ``chunk`` is the index chunk that holds it, when it comes from an index."""

    question: str
    answer: str
    chunk: Chunk | None = None

    @classmethod
    def from_chunk(cls, chunk: Chunk) -> "FaqEntry":
        """An FAQ chunk keeps its question as its section and its answer as its text (indexer.chunking.faq_chunk)."""
        return cls(question=chunk.section, answer=chunk.text, chunk=chunk)


@dataclass(frozen=True)
class FaqMatch:
    """An entry and how closely its question matches the shopper's: the weighted score and each signal."""

    entry: FaqEntry
    score: float
    signals: dict[str, float]


@dataclass(frozen=True)
class FaqWeights:
    """How much each signal counts; the score is their weighted sum divided by the weights' total."""

    primary: float = 1.0
    multilingual: float = 1.0
    keywords: float = 1.0


def keywords(text: str) -> list[str]:
    """The words compared: lower-cased tokens (jieba's search-mode words for Chinese) without English stop words
    and punctuation, plus each pair of neighbouring Chinese characters, which still match where a typo or an
    unusual word splits jieba's segmentation differently ("花被" for "花呗")."""
    words = [w for w in tokens(text) if w not in STOPWORDS and any(ch.isalnum() for ch in w)]
    for run in CJK_RUN.findall(text):
        words += [run[i:i + 2] for i in range(len(run) - 1)]
    return words


def keyword_vectorizer(questions: list[str]) -> TfidfVectorizer:
    """TF-IDF over ``keywords`` (sublinear counts, smoothed IDF, unit length), fitted on the entries' questions."""
    return TfidfVectorizer(analyzer=keywords, sublinear_tf=True, dtype=np.float32).fit(questions)


_VECTOR_CACHE: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_VECTOR_CACHE_LOCK = threading.Lock()
_VECTOR_CACHE_SIZE = 8  # question sets (per model) kept: an index reload with unchanged FAQs embeds nothing


def question_vectors(embedder, questions: list[str]) -> np.ndarray:
    """The questions' vectors from ``embedder``, remembered by the model and the questions' content hash."""
    digest = hashlib.sha256("\x1f".join(questions).encode("utf-8")).hexdigest()
    key = (embedder.name, digest)
    with _VECTOR_CACHE_LOCK:
        if key in _VECTOR_CACHE:
            _VECTOR_CACHE.move_to_end(key)
            return _VECTOR_CACHE[key]
    vectors = embedder.embed(questions)
    with _VECTOR_CACHE_LOCK:
        _VECTOR_CACHE[key] = vectors
        while len(_VECTOR_CACHE) > _VECTOR_CACHE_SIZE:
            _VECTOR_CACHE.popitem(last=False)
    return vectors


class FaqMatcher:
    """Finds the FAQ entry a question asks, by question-to-question similarity; None when none is close enough."""

    def __init__(self, embedders: EmbedderSet, entries: list[FaqEntry], weights: FaqWeights = FaqWeights(),
                 threshold: float = 0.7):
        self.entries = entries
        self.threshold = threshold
        self.spaces = embedders.spaces()
        self.weights = {PRIMARY: weights.primary, MULTILINGUAL: weights.multilingual, "keywords": weights.keywords}
        questions = [entry.question for entry in entries]
        self.vectors = {space: question_vectors(embedder, questions) for space, embedder in self.spaces.items()
                        if self.weights[space] > 0} if entries else {}
        self.keyword_index = keyword_vectorizer(questions) if entries and weights.keywords > 0 else None
        self.keyword_matrix = self.keyword_index.transform(questions) if self.keyword_index else None

    def match(self, question: str) -> FaqMatch | None:
        """The best entry for ``question`` when its score reaches the threshold and it names what the question
        names (places, payment methods); otherwise None."""
        return self.match_many([question])[0]

    def match_many(self, questions: list[str]) -> list[FaqMatch | None]:
        """``match`` for many questions, embedded in one batch per vector space."""
        return [next((m for m in ranked[:1] if self.accepts(question, m)), None)
                for question, ranked in zip(questions, self.rank_many(questions, 1))]

    def accepts(self, question: str, candidate: FaqMatch) -> bool:
        """A ranked entry answers ``question``: its score reaches the threshold and it names what the question names."""
        return candidate.score >= self.threshold and self._names_the_same(question, candidate.entry)

    def rank_many(self, questions: list[str], k: int) -> list[list[FaqMatch]]:
        """The ``k`` best entries for each question, best first, whatever their score."""
        signals = self.signals(questions)
        if not signals:
            return [[] for _ in questions]
        scores = self.combine(signals, self.weights)
        ranked = []
        for row in range(len(questions)):
            top = np.argsort(-scores[row], kind="stable")[:k]
            ranked.append([FaqMatch(self.entries[i], float(scores[row, i]),
                                    {name: round(float(values[row, i]), 4) for name, values in signals.items()})
                           for i in top])
        return ranked

    def signals(self, questions: list[str]) -> dict[str, np.ndarray]:
        """Each signal as a (questions x entries) matrix: the cosine per vector space and the keyword score."""
        if not self.entries or not questions:
            return {}
        found = {space: self.spaces[space].embed(questions) @ vectors.T for space, vectors in self.vectors.items()}
        if self.keyword_index is not None:
            found["keywords"] = (self.keyword_index.transform(questions) @ self.keyword_matrix.T).toarray()
        return found

    @staticmethod
    def combine(signals: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
        """The weighted mean of the signals present."""
        total = sum(weights[name] for name in signals) or 1.0
        return sum(weights[name] * values for name, values in signals.items()) / total

    @staticmethod
    def _names_the_same(question: str, entry: FaqEntry) -> bool:
        """Every place and payment method the question names is in the entry ("Do you ship to Japan?" matches
        "Do you ship internationally?" whose answer lists Japan, not "Do you ship to Canada?")."""
        covered = entities(f"{entry.question}\n{entry.answer}")
        return all(covers_entity(covered.get(kind, set()), name) for kind, names in entities(question).items()
                   for name in names)
