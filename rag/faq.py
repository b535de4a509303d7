"""FAQ matching by question: a shopper's question is compared with each FAQ entry's question, not its answer.

Three signals, weighted: the cosine between the two questions in the primary (English) space, the cosine in the
multilingual space, and the TF-IDF cosine of their words (Chinese segmented with jieba). The best entry is a match
only at or above the threshold, and only when every place or payment method the question names is named by the
entry too ("Do you ship to Japan?" is not "Do you ship to Canada?"). For ranking only, an entry that resembles
many other entries (a hub) can be counted down; the score the threshold sees is the plain weighted mean. With a
domain adapter (rag/faq_adapter.py), the multilingual cosine is taken between the adapted question vectors.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from rag.embedding import MULTILINGUAL, PRIMARY, EmbedderSet
from rag.faq_adapter import FaqAdapter
from rag.language import CJK, STOPWORDS, covers_entity, entities, slot_of
from rag.models import Chunk
from rag.reader.evidence import TermIndex
from rag.reader.question import asking_clause, key_terms
from rag.text import tokens

if TYPE_CHECKING:
    from rag.settings import Settings

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
    # Ranked lower in proportion to how close an entry is to its nearest fellow entries (a "hub" like "怎么开通"
    # resembles many questions without being what they ask): for ranking, each signal less this times its mean
    # over the entry's HUB_NEIGHBOURS closest entries.
    hub_penalty: float = 0.0

    @classmethod
    def from_settings(cls, settings: "Settings") -> "FaqWeights":
        return cls(settings.faq_weight_primary, settings.faq_weight_multilingual, settings.faq_weight_keywords,
                   settings.faq_hub_penalty)


HUB_NEIGHBOURS = 20


def keywords(text: str) -> list[str]:
    """The words compared: lower-cased tokens (jieba's search-mode words for Chinese) without English stop words
    and punctuation, plus each pair of neighbouring Chinese characters, which still match where a typo or an
    unusual word splits jieba's segmentation differently ("花被" for "花呗")."""
    words = [w for w in tokens(text) if w not in STOPWORDS and any(ch.isalnum() for ch in w)]
    for run in CJK_RUN.findall(text):
        words += [run[i:i + 2] for i in range(len(run) - 1)]
    return words


def keyword_vectorizer(questions: list[str]) -> TfidfVectorizer | None:
    """TF-IDF over ``keywords`` (sublinear counts, smoothed IDF, unit length), fitted on the entries' questions;
    None when they hold no word at all."""
    if not any(keywords(q) for q in questions):
        return None
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
                 threshold: float = 0.7, adapter: FaqAdapter | None = None):
        """``adapter`` maps the multilingual space's question vectors (both the entries' and the shopper's)."""
        self.entries = entries
        self.threshold = threshold
        self.spaces = embedders.spaces()
        if adapter is not None and not (MULTILINGUAL in self.spaces and adapter.fits(self.spaces[MULTILINGUAL])):
            raise ValueError(f"the FAQ adapter {adapter.source} maps {adapter.embedder} vectors, and the multilingual "
                             "space here is another model's (or there is none)")
        self.adapter = adapter
        self.weights = {PRIMARY: weights.primary, MULTILINGUAL: weights.multilingual, "keywords": weights.keywords}
        questions = [entry.question for entry in entries]
        self.vectors = {space: self._adapted(space, question_vectors(embedder, questions))
                        for space, embedder in self.spaces.items() if self.weights[space] > 0} if entries else {}
        self.keyword_index = keyword_vectorizer(questions) if entries and weights.keywords > 0 else None
        self.keyword_matrix = self.keyword_index.transform(questions) if self.keyword_index else None
        self.hub_penalty = weights.hub_penalty
        self.hubs = self._hubs() if self.hub_penalty > 0 else {}

    def match(self, question: str) -> FaqMatch | None:
        """The best entry for ``question`` when its score reaches the threshold and it names what the question
        names (places, payment methods); otherwise None."""
        best = next(iter(self.rank_many([question], 1)[0]), None)
        return best if best is not None and self.accepts(question, best) else None

    def accepts(self, question: str, candidate: FaqMatch) -> bool:
        """A ranked entry answers ``question``: its score reaches the threshold and it names what the question names."""
        return candidate.score >= self.threshold and self._names_the_same(question, candidate.entry) and (
            CJK.search(question) is not None or _asks_alike(question, candidate.entry.question))

    def rank_many(self, questions: list[str], k: int) -> list[list[FaqMatch]]:
        """The ``k`` best entries for each question, best first, whatever their score. The order discounts hubs
        (``FaqWeights.hub_penalty``); the score, which the threshold is applied to, does not, so its meaning does
        not depend on how alike a store's FAQ entries are."""
        signals = self.signals(questions)
        if not signals:
            return [[] for _ in questions]
        scores = self.combine(signals, self.weights)
        order = self.combine(signals, self.weights, self.hubs, self.hub_penalty) if self.hub_penalty else scores
        ranked = []
        for row in range(len(questions)):
            top = np.argsort(-order[row], kind="stable")[:k]
            ranked.append([FaqMatch(self.entries[i], float(scores[row, i]),
                                    {name: round(float(values[row, i]), 4) for name, values in signals.items()})
                           for i in top])
        return ranked

    def signals(self, questions: list[str]) -> dict[str, np.ndarray]:
        """Each signal as a (questions x entries) matrix: the cosine per vector space and the keyword score."""
        if not self.entries or not questions:
            return {}
        found = {space: self._adapted(space, self.spaces[space].embed(questions)) @ vectors.T
                 for space, vectors in self.vectors.items()}
        if self.keyword_index is not None:
            found["keywords"] = (self.keyword_index.transform(questions) @ self.keyword_matrix.T).toarray()
        return found

    def _adapted(self, space: str, vectors: np.ndarray) -> np.ndarray:
        return self.adapter.apply(vectors) if self.adapter is not None and space == MULTILINGUAL else vectors

    @staticmethod
    def combine(signals: dict[str, np.ndarray], weights: dict[str, float], hubs: dict[str, np.ndarray] | None = None,
                hub_penalty: float = 0.0) -> np.ndarray:
        """The weighted mean of the signals present, each less ``hub_penalty`` times its entry's hubness."""
        total = sum(weights[name] for name in signals) or 1.0
        return sum(weights[name] * (values - hub_penalty * hubs[name] if hub_penalty else values)
                   for name, values in signals.items()) / total

    def _hubs(self) -> dict[str, np.ndarray]:
        """Per signal, each entry's mean similarity to its HUB_NEIGHBOURS closest other entries (in blocks of
        rows, so a large FAQ never needs the whole entries-by-entries matrix at once)."""
        matrices = {space: (vectors, vectors) for space, vectors in self.vectors.items()}
        if self.keyword_matrix is not None:
            matrices["keywords"] = (self.keyword_matrix, self.keyword_matrix)
        hubs = {}
        count = len(self.entries)
        neighbours = min(HUB_NEIGHBOURS, count - 1)
        for name, (rows, columns) in matrices.items():
            means = np.zeros(count, dtype=np.float32)
            for start in range(0, count, 1024):
                block = rows[start:start + 1024] @ columns.T
                block = block.toarray() if hasattr(block, "toarray") else np.asarray(block)
                block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = -np.inf
                if neighbours > 0:
                    means[start:start + block.shape[0]] = np.sort(block, axis=1)[:, -neighbours:].mean(axis=1)
            hubs[name] = means
        return hubs

    @staticmethod
    def _names_the_same(question: str, entry: FaqEntry) -> bool:
        """Every place and payment method the question names is in the entry ("Do you ship to Japan?" matches
        "Do you ship internationally?" whose answer lists Japan, not "Do you ship to Canada?")."""
        covered = entities(f"{entry.question}\n{entry.answer}")
        return all(covers_entity(covered.get(kind, set()), name) for kind, names in entities(question).items()
                   for name in names)


ASKED_ALIKE = 0.5  # share of an English question's asking words the FAQ's question must hold


def _asks_alike(question: str, faq_question: str) -> bool:
    """An English question matches an FAQ only when the FAQ's question holds half its asking words ("how long
    until I see the money?" is not "How long do I have to return an item?"). The weights and threshold were
    tuned on Chinese paraphrases, which often share few words; English ones are held to their words."""
    asked = key_terms(asking_clause(question))
    said = TermIndex(faq_question)
    # "Can I cancel an order if it already shipped?": the case it states is not the FAQ's "Can I cancel my order?"
    case = [t for clause in _CASE.findall(question) for t in key_terms(clause)]
    if case and not any(said.covers(t) for t in case):
        return False
    # "what does standard shipping cost to Hawaii?" is not the FAQ's "How much does express shipping cost?": the
    # FAQ names another of the same kind (a shipping service, a kind of product) where the question names its own.
    theirs = {slot_of(t) for t in key_terms(faq_question)} & OWN_KIND_SLOTS
    if any(slot_of(t) in theirs and not said.covers(t) for t in asked):
        return False
    return not asked or sum(said.covers(t) for t in asked) / len(asked) >= ASKED_ALIKE


OWN_KIND_SLOTS = frozenset({"service", "product"})


_CASE = re.compile(r"\b(?:if|when|unless|once|after)\b([^,.?;]+)", re.I)
