"""Golden cases (tests/golden/*.jsonl): what a shopper asks and what a correct reply must hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

Category = Literal["policy", "product", "two_part", "comparison", "exception", "near_miss", "follow_up", "handoff",
                   "shopping"]


class Case(BaseModel):
    id: str
    language: Literal["en", "zh"]
    category: Category
    history: list[str] = Field(default_factory=list)  # earlier user messages of the same conversation
    question: str
    expect: Literal["answer", "refuse", "handoff", "products"]
    direct: Literal["yes", "no"] | None = None
    facts: list[list[str]] = Field(default_factory=list)  # each fact: alternatives, any one counts
    must_not: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    acceptable_skus: list[str] = Field(default_factory=list)
    note: str = ""


class CaseFileError(ValueError):
    """A golden file that cannot be read, with the file and line named."""


def load_cases(path: Path) -> list[Case]:
    cases = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                cases.append(Case.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise CaseFileError(f"{path}:{number}: {exc}") from exc
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise CaseFileError(f"{path}: duplicate case ids")
    return cases
