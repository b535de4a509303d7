"""Benchmarks write their tables into docs/benchmarks.md."""

from __future__ import annotations

import statistics
from pathlib import Path

from rag.reporting import write_section as _write

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEvery table below is written by the command shown with it. Times are medians over the stated runs.\n"


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_section(name: str, command: str, body: str) -> None:
    _write(DOC, HEADER, name, command, body)
