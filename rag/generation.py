"""Generators turn a question and retrieved passages into a draft answer with [n] citations.

The default, ExtractiveGenerator, only quotes sentences and product facts from
the passages, so every claim it makes is in a cited passage by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.embedding import EmbedderSet
from rag.filters import COLOR_WORDS
from rag.grounding import is_injection
from rag.models import Passage
from rag.text import content_words, has_cjk, split_sentences

# Question words that ask for one product field, mapped to the field's label in product text.
FIELD_INTENTS: dict[str, tuple[str, ...]] = {
    "Price": ("price", "cost", "how much", "expensive", "cheap", "多少钱", "价格", "价钱"),
    "Availability": ("in stock", "available", "availability", "stock", "sold out", "有货", "库存", "现货"),
    "Sizes": ("size", "sizes", "fit", "尺码", "码"),
    "Colours": ("colour", "color", "colours", "colors", "颜色"),
    "Waterproof": ("waterproof", "rain", "wet", "防水"),
    "Warranty": ("warranty", "guarantee", "保修", "质保"),
    "Weight": ("weight", "weigh", "heavy", "grams", "重量", "多重"),
    "Material": ("material", "made of", "fabric", "材料", "材质"),
    "Capacity": ("capacity", "litre", "liter", "how big", "how many people", "sleeps", "容量", "几个人"),
    "Temperature rating": ("temperature", "rated", "warm", "温度"),
    "Battery life": ("battery", "电池", "续航"),
}


class Generator(Protocol):
    """Writes an answer from numbered passages; ``[n]`` cites ``passages[n - 1]``.

    Whatever it writes goes through the Verifier before anyone reads it.
    """

    def generate(self, question: str, passages: list[Passage]) -> str: ...


@dataclass
class _Candidate:
    passage: int  # index into passages
    position: int  # sentence position inside the passage
    text: str
    score: float = 0.0
    vector: np.ndarray | None = None


def _requested_fields(question: str) -> set[str]:
    q = question.lower()
    fields = {label for label, cues in FIELD_INTENTS.items() if any(_cue_in(cue, q) for cue in cues)}
    if _mentions_colour(q):
        fields.add("Colours")
    if re.search(r"\bhow much\b.*\b(hold|holds|carry|fit|weigh|weighs)\b", q):  # not a price question
        fields.discard("Price")
        fields.add("Weight" if re.search(r"\bweighs?\b", q) else "Capacity")
    return fields


def _mentions_colour(lowered: str) -> bool:
    return any(word in lowered for word in COLOR_WORDS) or bool(
        re.search(r"\b(black|navy|green|red|grey|gray|blue|orange|sand|teal|yellow|white|pink|purple)\b", lowered)
    )


def asks_for_product_fact(question: str) -> bool:
    """Does the question ask for a product field (price, colour, size, ...)?"""
    return bool(_requested_fields(question))


def _cue_in(cue: str, text: str) -> bool:
    if not cue.isascii():
        return cue in text
    return re.search(rf"\b{re.escape(cue)}\b", text) is not None


def _overlap(question_words: set[str], sentence: str) -> float:
    if not question_words:
        return 0.0
    words = set(content_words(sentence))
    hits = sum(1 for q in question_words if q in words or any(w.startswith(q[:5]) for w in words if len(q) > 5))
    return hits / len(question_words)


def _finish(sentence: str) -> str:
    sentence = sentence.strip().rstrip("；;，,")
    if sentence[-1] in ".!?。！？":
        return sentence
    return sentence + ("。" if has_cjk(sentence[-1]) else ".")


class ExtractiveGenerator:
    """Quotes the sentences and product facts that best answer the question, citing each."""

    def __init__(self, embedders: EmbedderSet, max_sentences: int = 3, passage_window: float = 0.12, max_passages: int = 3):
        self.embedders = embedders
        self.max_sentences = max_sentences
        self.passage_window = passage_window
        self.max_passages = max_passages

    def generate(self, question: str, passages: list[Passage]) -> str:
        if not passages:
            return ""
        usable = self._usable(passages)
        candidates = [
            _Candidate(i, pos, sentence)
            for i in usable
            for pos, sentence in enumerate(split_sentences(passages[i].chunk.text))
            if not is_injection(sentence)
        ]
        if not candidates:
            return ""
        fields = _requested_fields(question)
        self._score(question, passages, candidates, fields)
        chosen = self._choose(candidates)
        self._describe_products(passages, candidates, chosen, bool(fields))
        return self._compose(passages, candidates, chosen)

    def _usable(self, passages: list[Passage]) -> list[int]:
        """Passages close enough to the best one to be worth quoting."""
        best = max(p.similarity for p in passages)
        close = [i for i, p in enumerate(passages) if p.exact_match or p.similarity >= best - self.passage_window]
        return close[: self.max_passages]

    def _score(self, question: str, passages: list[Passage], candidates: list[_Candidate], fields: set[str]) -> None:
        embedder = self.embedders.spaces()[self.embedders.space_for(question)]
        vectors = embedder.embed([question] + [c.text for c in candidates])
        similarity = vectors[1:] @ vectors[0]
        question_words = set(content_words(question))
        for candidate, sim, vector in zip(candidates, np.asarray(similarity, dtype=float), vectors[1:]):
            candidate.vector = vector
            passage = passages[candidate.passage]
            label = candidate.text.split(":", 1)[0] if passage.chunk.kind == "product" else ""
            candidate.score = (
                0.55 * sim
                + 0.25 * _overlap(question_words, candidate.text)
                + 0.35 * passage.similarity
                + (0.6 if label in fields else 0.0)
                + (0.3 if passage.exact_match else 0.0)
            )

    def _choose(self, candidates: list[_Candidate]) -> list[_Candidate]:
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0].score
        chosen = [ranked[0]]
        for candidate in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            # Another passage must be nearly as good as the best to be quoted beside it.
            margin = 0.12 if candidate.passage == ranked[0].passage else 0.06
            if candidate.score >= best - margin and not self._repeats(candidate, chosen):
                chosen.append(candidate)
        return chosen

    @staticmethod
    def _repeats(candidate: _Candidate, chosen: list[_Candidate]) -> bool:
        """FAQ answers often restate a policy sentence: quote it once."""
        return any(float(candidate.vector @ c.vector) > 0.85 for c in chosen)

    def _describe_products(
        self, passages: list[Passage], candidates: list[_Candidate], chosen: list[_Candidate], asked_for_field: bool
    ) -> None:
        """A bare product name answers nothing: add its best fact for a specific question,
        or its description, price and availability for a general one."""
        for index in {c.passage for c in chosen}:
            mine = [c for c in chosen if c.passage == index]
            if passages[index].chunk.kind != "product" or any(c.position != 0 for c in mine):
                continue
            facts = [c for c in candidates if c.passage == index and c.position != 0]
            if asked_for_field:
                chosen.extend(sorted(facts, key=lambda c: c.score, reverse=True)[:1])
            else:
                chosen.extend(c for c in facts if c.text.split(":", 1)[0] in ("Price", "Availability") or ":" not in c.text)

    def _compose(self, passages: list[Passage], candidates: list[_Candidate], chosen: list[_Candidate]) -> str:
        # A product fact needs the product's name beside it: add its first line.
        by_passage: dict[int, list[_Candidate]] = {}
        for candidate in chosen:
            by_passage.setdefault(candidate.passage, []).append(candidate)
        for index, group in by_passage.items():
            if passages[index].chunk.kind == "product" and all(c.position != 0 for c in group):
                group.extend(c for c in candidates if c.passage == index and c.position == 0)
        order = sorted(by_passage, key=lambda i: max(c.score for c in by_passage[i]), reverse=True)
        parts = []
        for index in order:
            group = sorted(by_passage[index], key=lambda c: c.position)
            parts.append(" ".join(_finish(c.text) for c in group) + f" [{index + 1}]")
        return " ".join(parts)
