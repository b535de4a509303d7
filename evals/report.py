"""Tables of graded splits, for the terminal and docs/evaluation.md."""

from __future__ import annotations

from evals.cases import Category
from evals.faithfulness import draft_faithfulness
from evals.grading import Grade
from evals.runner import Split, summarise

DOC_HEADER = "# Evaluation\n\nEvery table below is written by the command shown with it.\n"
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


def split_rows(results: list[tuple[Split, list[Grade]]]) -> str:
    head = ("| split | held out | cases | correct | " + " | ".join(CATEGORIES)
            + " | zh | handoff recall | false handoffs | near-miss refused | draft faithfulness |")
    lines = [head, "|---|---|---:|---:|" + "---:|" * (len(CATEGORIES) + 5)]
    for split, grades in results:
        summary = summarise(grades)
        cells = [f"{c}/{n}" if n else "—" for c, n in (summary.by_category.get(k, (0, 0)) for k in CATEGORIES)]
        zh = summary.by_language.get("zh", (0, 0))
        near = [g for g in grades if g.case.category == "near_miss"]
        supported = total = 0
        for g in grades:
            s, t = draft_faithfulness(g.body)
            supported, total = supported + s, total + t
        lines.append(
            f"| {split.name} | {'yes' if split.held_out else 'no (tuned on)'} | {summary.total} | "
            f"**{summary.accuracy:.1%}** | " + " | ".join(cells) + f" | {zh[0]}/{zh[1]} | {summary.handoff_recall:.0%} | "
            f"{summary.false_handoffs:.1%} | {sum(g.outcome == 'refused' for g in near)}/{len(near)} | "
            f"{supported / total if total else 1:.3f} |")
    return "\n".join(lines)
