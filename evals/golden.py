"""The older golden set (tests/golden/store.jsonl): answerable questions with expected sources and facts,
unanswerable ones that must be refused; `shopassist eval golden` and `eval calibrate` read it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.models import Answer
from rag.text import citation_numbers, numbers


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


def best_similarities(serving, golden: Path) -> dict[str, tuple[list[float], list[float]]]:
    """Per vector space, the best passage similarity of each answerable and each unanswerable golden question
    (questions answered by an exact identifier are left out: they are answered whatever the similarity)."""
    scores: dict[str, tuple[list[float], list[float]]] = {}
    for item in load_golden(golden):
        passages = serving.assistant.retriever.retrieve(item.question, serving.assistant.top_k)
        if any(p.exact_match for p in passages):
            continue
        best = max((p.similarity for p in passages), default=0.0)
        space = serving.embedders.space_for(item.question)
        scores.setdefault(space, ([], []))[0 if item.answerable else 1].append(best)
    return dict(sorted(scores.items()))
