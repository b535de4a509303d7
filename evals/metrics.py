"""Metrics: retrieval on judged rankings, the refusal threshold calibration, and answer quality over a set."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from evals.faithfulness import draft_faithfulness
from rag.models import Answer
from rag.text import content_words


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
    # Per question: answerable or not, and the answer's confidence (None when refused), for the answer-rate curve.
    decisions: list[tuple[bool, float | None]] = field(default_factory=list)

    def add(self, answerable: bool, answer: Answer) -> None:
        self.decisions.append((answerable, None if answer.refused else confidence(answer)))
        if not answerable:
            self.unanswerable += 1
            self.refused_unanswerable += answer.refused
        else:
            self.answerable += 1
            self.answered += not answer.refused
        if answer.refused or answer.grounding is None:
            return
        # Faithfulness is judged on the draft, before the verifier dropped anything (evals/faithfulness.py):
        # counting only the sentences the verifier kept would make it 1.0 by construction.
        supported, drafted = draft_faithfulness(answer.model_dump(mode="json"))
        self.sentences += drafted
        self.faithful_sentences += supported
        passages = {p.chunk.id: p.chunk.text for p in answer.passages}
        cited = {c.number: c.chunk_id for c in answer.citations}
        for sentence in answer.grounding.sentences:
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


def confidence(answer: Answer) -> float:
    """How sure the reader was: the lowest best-sentence similarity over the parts of the question."""
    return min((part.similarity for part in answer.reading if part.similarity is not None), default=0.0)


def _overlap_share(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage."""
    words = content_words(sentence)
    found = set(content_words(passage))
    return sum(w in found for w in words) / len(words) if words else 0.0
