"""SVG charts beside the tables of docs/evaluation.md and docs/benchmarks.md (matplotlib, the `charts` extra).

Every function draws from numbers a command already produced and returns the file it wrote. The SVGs carry no
date and fixed element ids, so a re-run with the same numbers rewrites the same file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed: `pip install -e '.[charts]'`."""


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ChartsUnavailable("matplotlib is not installed (pip install -e '.[charts]')") from exc
    matplotlib.use("svg")
    # Text stays text in the SVG (searchable, smaller); fixed ids and no date make re-runs byte-identical.
    matplotlib.rcParams.update({"svg.hashsalt": "shopassist", "svg.fonttype": "none", "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False})
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, format="svg", metadata={"Date": None})
    figure.clf()
    _pyplot().close(figure)
    return path


def markdown_image(path: Path, doc: Path) -> str:
    """The Markdown that shows ``path`` inside ``doc``."""
    return f"![{path.stem.replace('-', ' ')}]({Path(os.path.relpath(path, doc.parent)).as_posix()})"


def answer_rate_curve(decisions: Iterable[tuple[bool, float | None]]) -> list[tuple[float, float]]:
    """(answer rate, refusal accuracy) as answers whose confidence is below a rising cut are refused too.

    ``decisions`` holds, per question, whether it is answerable and the confidence of the answer given
    (None when it was refused). The first point is the assistant as it runs; the last refuses everything.
    """
    decisions = list(decisions)
    answerable = sum(a for a, _ in decisions) or 1
    unanswerable = sum(not a for a, _ in decisions) or 1
    cuts = sorted({c for _, c in decisions if c is not None})
    points = []
    for cut in [float("-inf"), *cuts, float("inf")]:
        answered = [(a, c is not None and c >= cut) for a, c in decisions]
        points.append((sum(a and given for a, given in answered) / answerable,
                       sum(not a and not given for a, given in answered) / unanswerable))
    return points


def answer_rates(curves: dict[str, list[tuple[float, float]]], path: Path) -> Path:
    """Refusal accuracy against answer rate, one curve per set; the marked point is the assistant as it runs."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 4))
    for label, points in curves.items():
        rates, refusals = zip(*points)
        line, = axes.plot(rates, refusals, label=label, linewidth=1.4)
        axes.plot(rates[0], refusals[0], "o", color=line.get_color())
        axes.annotate(f"{rates[0]:.2f}, {refusals[0]:.2f}", (rates[0], refusals[0]), textcoords="offset points",
                      xytext=(5, 5), fontsize=8)
    axes.set_xlabel("answer rate (answerable questions answered)")
    axes.set_ylabel("refusal accuracy (unanswerable refused)")
    axes.set_xlim(0, 1.02)
    axes.set_ylim(0, 1.02)
    axes.set_title("Refusing more: a rising cut on the reader's best-sentence similarity", fontsize=9)
    axes.legend(loc="lower left", frameon=False)
    return _save(figure, path)


def percentile_ranges(panels: dict[str, dict[str, tuple[float, float]]], path: Path, unit: str = "ms") -> Path:
    """Latency per group as a range from its p50 (dot) to its p99 (bar end), one panel per grouping."""
    plt = _pyplot()
    rows = max(map(len, panels.values()))
    figure, all_axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 0.5 + 0.45 * rows), squeeze=False)
    for axes, (title, groups) in zip(all_axes[0], panels.items()):
        labels = list(groups)[::-1]
        for y, label in enumerate(labels):
            p50, p99 = groups[label]
            axes.plot([p50, p99], [y, y], color="#7a9cc6", linewidth=5, solid_capstyle="butt")
            axes.plot([p50], [y], "o", color="#1f4e8c")
            axes.annotate(f"{p50:g} / {p99:g}", (p99, y), textcoords="offset points", xytext=(4, -3), fontsize=7)
        axes.set_yticks(range(len(labels)), labels)
        axes.set_xlabel(f"{unit}: p50 (dot) to p99 (bar end)")
        axes.set_xlim(0, max(p99 for _, p99 in groups.values()) * 1.35)
        axes.set_title(title, fontsize=9)
    return _save(figure, path)


def bars(values: dict[str, float], path: Path, title: str, xlabel: str, highlight: str = "") -> Path:
    """One horizontal bar per label; labels starting with ``highlight`` are drawn darker."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 0.6 + 0.4 * len(values)))
    labels = list(values)[::-1]
    colours = ["#1f4e8c" if highlight and label.startswith(highlight) else "#9bb3d1" for label in labels]
    axes.barh(labels, [values[label] for label in labels], color=colours)
    for y, label in enumerate(labels):
        axes.annotate(f"{values[label]:g}", (values[label], y), textcoords="offset points", xytext=(3, -3), fontsize=8)
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=9)
    return _save(figure, path)
