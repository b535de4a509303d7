"""Ask golden cases over HTTP (the real app, in process) and grade the replies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from evals.cases import Case
from evals.grading import Grade, grade


def ask_case(post: Callable[[dict, dict], dict], case: Case) -> dict:
    """Send the case's history in one new session, then its question; return the last reply.

    ``post(body, headers)`` sends one POST /v1/chat and returns the JSON reply."""
    session: dict = {}
    headers: dict = {}
    reply: dict = {}
    for message in [*case.history, case.question]:
        reply = post({"message": message, **session}, headers)
        if reply.get("session_token"):
            headers = {"X-Session-Token": reply["session_token"]}
        session = {"session_id": reply["session_id"]}
    return reply


def client_post(client) -> Callable[[dict, dict], dict]:
    def post(body: dict, headers: dict) -> dict:
        response = client.post("/v1/chat", json=body, headers=headers)
        response.raise_for_status()
        return response.json()
    return post


def run_cases(post, cases: list[Case]) -> list[Grade]:
    return [grade(case, ask_case(post, case)) for case in cases]


@dataclass
class Summary:
    total: int
    correct: int
    by_category: dict[str, tuple[int, int]]
    by_language: dict[str, tuple[int, int]]
    handoff_recall: float
    false_handoffs: float  # share of store and product questions handed off

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def summarise(grades: list[Grade]) -> Summary:
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g in grades:
        for bucket in (by_category[g.case.category], by_language[g.case.language]):
            bucket[0] += g.passed
            bucket[1] += 1
    handoffs = [g for g in grades if g.case.expect == "handoff"]
    others = [g for g in grades if g.case.expect != "handoff"]
    return Summary(
        len(grades), sum(g.passed for g in grades),
        {k: tuple(v) for k, v in sorted(by_category.items())}, {k: tuple(v) for k, v in sorted(by_language.items())},
        sum(g.outcome == "handed_off" for g in handoffs) / len(handoffs) if handoffs else 1.0,
        sum(g.outcome == "handed_off" for g in others) / len(others) if others else 0.0,
    )


def summary_table(label: str, summary: Summary) -> list[str]:
    cells = [f"{summary.accuracy:.1%} ({summary.correct}/{summary.total})"]
    cells += [f"{c}/{n}" for c, n in summary.by_category.values()]
    return [f"| {label} | " + " | ".join(cells) + " |"]


def failures(grades: list[Grade]) -> list[str]:
    return [f"{g.case.id} [{g.case.category}/{g.case.language}] {g.case.question!r} -> {g.outcome}: "
            f"{'; '.join(g.problems)} :: {g.reply[:300]!r}" for g in grades if not g.passed]


def default_split(root: Path, name: str) -> Path:
    return root / "tests" / "golden" / f"{name}.jsonl"
