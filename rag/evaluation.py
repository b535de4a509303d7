"""Grounding checks and metrics over golden question sets."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from rag.models import Answer
from rag.text import citation_numbers, content_words, numbers


@dataclass(frozen=True)
class GoldenItem:
    id: str
    question: str
    answerable: bool
    expected_sources: tuple[str, ...] = ()
    expected_fact: str | None = None


def load_golden(path: Path) -> list[GoldenItem]:
    """Golden cases, one JSON object per line; keys other than GoldenItem's (review notes) are ignored."""
    known = set(GoldenItem.__dataclass_fields__)
    items = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                data = {k: v for k, v in json.loads(line).items() if k in known}
                data["expected_sources"] = tuple(data.get("expected_sources") or ())
                items.append(GoldenItem(**data))
    return items


def cites_source(answer: Answer, expected: str) -> bool:
    """``expected`` is a knowledge-base file ("policies/returns.md") or a chunk id ("product:JK-1015")."""
    return any(c.source == expected or c.chunk_id == expected for c in answer.citations)


def grounding_problems(answer: Answer) -> list[str]:
    """What is wrong with an answer's citations and facts; empty when it is grounded."""
    problems = []
    cited = {c.number: c for c in answer.citations}
    for number in citation_numbers(answer.text):
        if number not in cited:
            problems.append(f"[{number}] in the text has no citation")
    retrieved = {p.chunk.id: p.chunk.text for p in answer.passages}
    for citation in answer.citations:
        if citation.chunk_id not in retrieved:
            problems.append(f"citation [{citation.number}] {citation.chunk_id} was not retrieved")
    evidence = " ".join(retrieved.get(c.chunk_id, "") for c in answer.citations)
    for value in sorted(numbers(answer.text) - numbers(evidence)):
        problems.append(f"number {value} is not in any cited passage")
    return problems


@dataclass
class GoldenResult:
    item: GoldenItem
    answer: Answer
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def judge(item: GoldenItem, answer: Answer) -> GoldenResult:
    problems: list[str] = []
    if not item.answerable:
        if not answer.refused:
            problems.append("answered an unanswerable question")
        return GoldenResult(item, answer, problems)
    if answer.refused:
        return GoldenResult(item, answer, [f"refused: {answer.refusal_reason}"])
    if item.expected_sources and not any(cites_source(answer, s) for s in item.expected_sources):
        problems.append(f"none of {list(item.expected_sources)} is cited")
    if item.expected_fact and item.expected_fact not in answer.text:
        problems.append(f"expected fact {item.expected_fact!r} missing")
    problems.extend(grounding_problems(answer))
    return GoldenResult(item, answer, problems)


@dataclass
class GoldenSummary:
    answerable: int
    answerable_passed: int
    unanswerable: int
    refused: int

    @property
    def answer_pass_rate(self) -> float:
        return self.answerable_passed / self.answerable if self.answerable else 1.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.unanswerable if self.unanswerable else 1.0


def summarize(results: list[GoldenResult]) -> GoldenSummary:
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    return GoldenSummary(
        answerable=len(answerable),
        answerable_passed=sum(r.passed for r in answerable),
        unanswerable=len(unanswerable),
        refused=sum(r.passed for r in unanswerable),
    )


def calibrate_threshold(answerable: list[float], unanswerable: list[float]) -> float:
    """The refusal threshold that best separates the two score lists.

    It maximises the number of correct decisions (answer if score >= threshold)
    and, among equally good cut points, takes the middle of the widest gap.
    """
    points = sorted(set(answerable) | set(unanswerable))
    if not points:
        raise ValueError("no scores to calibrate on")
    cuts = [points[0] - 1e-3] + [(a + b) / 2 for a, b in zip(points, points[1:])] + [points[-1] + 1e-3]

    def correct(cut: float) -> int:
        return sum(s >= cut for s in answerable) + sum(s < cut for s in unanswerable)

    best = max(correct(c) for c in cuts)
    tied = [c for c in cuts if correct(c) == best]
    low = max((s for s in unanswerable if s < tied[0]), default=tied[0])
    high = min((s for s in answerable if s >= tied[-1]), default=tied[-1])
    return round((low + high) / 2, 3) if low < high else round(tied[len(tied) // 2], 3)


def ndcg_at_k(gains: list[float], ideal: list[float], k: int = 10) -> float:
    """nDCG@k with graded gains: ``gains`` in ranked order, ``ideal`` all judged gains."""
    def dcg(values: list[float]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(values[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best > 0 else 0.0


RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def retrieval_metrics(ranked: list[str], relevance: dict[str, int]) -> dict[str, float]:
    """Metrics for one query: ``ranked`` chunk ids, best first; ``relevance`` graded labels.

    recall@k is the share of relevant chunks found in the top k; nDCG uses the grades.
    """
    relevant = {cid for cid, grade in relevance.items() if grade > 0}
    first = next((i for i, cid in enumerate(ranked[:10], start=1) if cid in relevant), None)
    return {
        "recall@1": len(relevant & set(ranked[:1])) / len(relevant),
        "recall@5": len(relevant & set(ranked[:5])) / len(relevant),
        "recall@10": len(relevant & set(ranked[:10])) / len(relevant),
        "mrr@10": 1 / first if first else 0.0,
        "ndcg@10": ndcg_at_k([relevance.get(cid, 0) for cid in ranked], list(relevance.values()), 10),
    }


def mean_metrics(per_query: list[dict[str, float]]) -> dict[str, float]:
    return {name: sum(m[name] for m in per_query) / len(per_query) for name in RETRIEVAL_METRICS}


@dataclass
class AnswerScores:
    """Answer quality over a set: see docs/evaluation.md for definitions."""

    answerable: int = 0
    answered: int = 0
    unanswerable: int = 0
    refused_unanswerable: int = 0
    sentences: int = 0
    faithful_sentences: int = 0
    citations: int = 0
    precise_citations: int = 0

    def add(self, answerable: bool, answer: Answer) -> None:
        if not answerable:
            self.unanswerable += 1
            self.refused_unanswerable += answer.refused
        else:
            self.answerable += 1
            self.answered += not answer.refused
        if answer.refused or answer.grounding is None:
            return
        passages = {p.chunk.id: p.chunk.text for p in answer.passages}
        cited = {c.number: c.chunk_id for c in answer.citations}
        problems = grounding_problems(answer)
        for sentence in answer.grounding.sentences:
            self.sentences += 1
            self.faithful_sentences += sentence.supported and not problems
            for number in sentence.citations:
                self.citations += 1
                self.precise_citations += _overlap_share(sentence.text, passages.get(cited.get(number, ""), "")) >= 0.6

    def as_row(self) -> dict[str, float]:
        share = lambda a, b: a / b if b else float("nan")  # noqa: E731
        return {
            "faithfulness": share(self.faithful_sentences, self.sentences),
            "citation precision": share(self.precise_citations, self.citations),
            "refusal accuracy": share(self.refused_unanswerable, self.unanswerable),
            "answer rate": share(self.answered, self.answerable),
        }


def _overlap_share(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage."""
    words = content_words(sentence)
    found = set(content_words(passage))
    return sum(w in found for w in words) / len(words) if words else 0.0
