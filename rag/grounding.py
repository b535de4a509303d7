"""The verifier: every answer, from every generator, is checked sentence by sentence
against the passages it cites before a shopper sees it.

No NLI model ships as a Python package, so support is judged with what we can
run here: hard facts (numbers, prices, durations, percentages, identifiers,
names) must appear in a cited passage; word overlap and embedding similarity
carry the rest.
"""

from __future__ import annotations

import re

import numpy as np

from rag import language
from rag.embedding import EmbedderSet
from rag.models import Citation, GroundingReport, Passage, SentenceCheck
from rag.text import (
    STOPWORDS,
    citation_numbers,
    content_words,
    numbers,
    split_sentences,
    strip_citations,
)

# Phrases that try to steer the assistant; found in passages or answers, they are data, never followed.
INJECTION = re.compile(
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier) (?:instructions|prompts?|rules)"
    r"|disregard (?:all |any |the )?(?:previous|prior|above) |system prompt|developer message"
    r"|you are now |act as |pretend to be |new instructions|override (?:your|the) "
    r"|reveal (?:your|the) (?:instructions|prompt)|忽略(?:之前|以上|先前)的?(?:所有)?(?:指令|说明)|系统提示",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"\b(?=[A-Za-z0-9\-]*\d)(?=[A-Za-z0-9\-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9\-]{2,}\b")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z&'\-]+")
_LEADING_MARKS = re.compile(r"^\s*(?:\[\d+\]\s*)+")
_COMMON_CAPITALISED = {"I", "We", "You", "Yes", "No", "Our", "The", "It", "This", "That", "Please", "Sorry", "USD"}


def is_injection(text: str) -> bool:
    return bool(INJECTION.search(text))


def _units(text: str) -> list[tuple[str, list[int]]]:
    """Sentences with their [n] markers; a marker-only piece belongs to the sentence before it,
    and sentences without markers take the markers of the next cited sentence (quoted groups)."""
    pieces: list[tuple[str, list[int]]] = []
    for part in split_sentences(text):
        leading = _LEADING_MARKS.match(part)
        if leading and pieces:  # "... end. [2] Next sentence": [2] closes the sentence before
            previous, previous_marks = pieces[-1]
            pieces[-1] = (previous, previous_marks + citation_numbers(leading.group(0)))
            part = part[leading.end():]
        body = strip_citations(part)
        if re.search(r"\w", body):
            pieces.append((body, citation_numbers(part)))
    inherited: list[int] = []
    for index in range(len(pieces) - 1, -1, -1):
        body, marks = pieces[index]
        if marks:
            inherited = marks
        else:
            pieces[index] = (body, inherited)
    return pieces


def _heading(passage: Passage) -> str:
    """What a passage's sentences are said under: its title and section, and for a product the Chinese
    names of its fact labels, which Chinese answers use ("重量" for "Weight")."""
    chunk = passage.chunk
    labels = [language.ZH_FIELD_NAMES[label] for label in language.ZH_FIELD_NAMES if f"{label}:" in chunk.text]
    return " ".join(part for part in (chunk.title, chunk.section, *labels) if part)


def _hard_facts(sentence: str) -> set[str]:
    return numbers(sentence) | {m.lower() for m in _IDENTIFIER.findall(sentence)}


def _names(sentence: str) -> set[str]:
    return {n for n in _NAME.findall(sentence) if n not in _COMMON_CAPITALISED}


class Verifier:
    """Scores each sentence's support from its cited passages and drops what is unsupported."""

    def __init__(self, embedders: EmbedderSet, min_support: float = 0.55):
        self.embedders = embedders
        self.min_support = min_support

    def verify(self, question: str, text: str, passages: list[Passage]) -> tuple[str, list[Citation], GroundingReport]:
        units = _units(text)
        if not units:
            return "", [], GroundingReport()
        checks = self._check(question, units, passages)
        kept = [c for c in checks if c.supported]
        renumber: dict[int, int] = {}
        for check in kept:
            for number in check.citations:
                renumber.setdefault(number, len(renumber) + 1)
        citations = [
            self._citation(new, passages[old - 1], [c.evidence for c in kept if old in c.citations and c.evidence])
            for old, new in renumber.items()
        ]
        for check in kept:
            check.citations = [renumber[n] for n in check.citations]
        rendered = " ".join(c.rendered() for c in kept)
        report = GroundingReport(
            sentences=kept,
            supported_share=round(len(kept) / len(checks), 3),
            dropped=[c for c in checks if not c.supported],
        )
        return rendered.strip(), citations, report

    def _check(self, question: str, units: list[tuple[str, list[int]]], passages: list[Passage]) -> list[SentenceCheck]:
        embedder = self.embedders.spaces()[self.embedders.space_for(question)]
        # Instruction-like sentences in a passage are never evidence for anything.
        evidence_sentences = {
            i: [s for s in split_sentences(p.chunk.text) if not is_injection(s)] for i, p in enumerate(passages, start=1)
        }
        flat = [(i, s) for i, sentences in evidence_sentences.items() for s in sentences]
        vectors = embedder.embed([body for body, _ in units] + [s for _, s in flat])
        unit_vectors, evidence_vectors = vectors[: len(units)], vectors[len(units):]
        checks = []
        for (body, marks), vector in zip(units, unit_vectors):
            valid = [n for n in dict.fromkeys(marks) if 1 <= n <= len(passages)]
            evidence = " ".join(_heading(passages[n - 1]) + ". " + " ".join(evidence_sentences[n]) for n in valid)
            checks.append(self._judge(question, body, marks, valid, vector, evidence, flat, evidence_vectors))
        return checks

    def _judge(self, question, body, marks, valid, vector, evidence, flat, evidence_vectors) -> SentenceCheck:
        claim = language.DIRECT_FRAME.sub("", body)  # "No — ..." frames the quote; the quote is what is checked
        def fail(reason: str, support: float = 0.0) -> SentenceCheck:
            return SentenceCheck(text=body, citations=valid, support=round(support, 3), supported=False, reason=reason)

        if is_injection(body):
            return fail("instruction-like text is never passed on")
        if not valid:
            return fail("cites no retrieved passage" if not marks else f"cites passage(s) {marks} that were not retrieved")
        missing = _hard_facts(claim) - _hard_facts(evidence) - numbers(evidence)
        if missing:
            return fail(f"{', '.join(sorted(missing))} not in the cited passage")
        lowered_evidence = (evidence + " " + question).lower()
        unknown_names = [n for n in _names(claim) if n.lower() not in lowered_evidence]
        if unknown_names:
            return fail(f"{', '.join(sorted(unknown_names))} not in the cited passage")
        words = [w for w in content_words(claim) if w not in STOPWORDS]
        evidence_words = set(content_words(evidence))
        overlap = (sum(1 for w in words if w in evidence_words or any(e.startswith(w[:5]) for e in evidence_words if len(w) > 5))
                   / len(words)) if words else 0.0
        cited_rows = [j for j, (i, _) in enumerate(flat) if i in valid]
        scores = evidence_vectors[cited_rows] @ vector if cited_rows else np.zeros(0)
        similarity = float(scores.max()) if len(scores) else 0.0
        best = flat[cited_rows[int(scores.argmax())]][1] if len(scores) else None
        # A fragment of two common words says little: overlap earns full credit from four content words on.
        support = 0.5 * overlap * min(1.0, len(words) / 4) + 0.5 * similarity
        if support < self.min_support:
            return fail("too little of it is in the cited passage", support)
        return SentenceCheck(text=body, citations=valid, support=round(support, 3), supported=True, evidence=best)

    @staticmethod
    def _citation(number: int, passage: Passage, evidence: list[str]) -> Citation:
        chunk = passage.chunk
        snippet = " ".join(dict.fromkeys(evidence)) or chunk.text[:300]
        return Citation(number=number, chunk_id=chunk.id, source=chunk.source, title=chunk.title,
                        section=chunk.section, snippet=snippet, score=passage.score,
                        sku=chunk.metadata.get("sku") if chunk.kind == "product" else None)
