"""Benchmarks write their tables into docs/benchmarks.md."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from rag.reporting import write_section as _write

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
# The team's shared datasets, beside the checkout; benchmarks that need them say so when absent.
SHARED = ROOT.parent / "shared" / "datasets"
HEADER = "# Benchmarks\n\nEvery table below is written by the command shown with it. Times are medians over the stated runs.\n"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def write_section(name: str, command: str, body: str) -> None:
    """Write a benchmark's table into docs/benchmarks.md and redraw the charts beside the tables."""
    from bench.charts import draw_all

    _write(DOC, HEADER, name, command, body)
    draw_all(DOC)
