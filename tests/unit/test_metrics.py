"""Retrieval metrics on hand-computed rankings, the threshold calibration, and answer scores over a set."""

from __future__ import annotations

import math

import pytest

from evals.charts import answer_rate_curve
from evals.metrics import AnswerScores, calibrate_threshold, mean_metrics, ndcg_at_k, retrieval_metrics
from rag.models import Answer, Chunk, GroundingReport, PartReport, Passage, SentenceCheck


def test_ndcg_by_hand():
    # DCG = (2^0-1)/log2(2) + (2^2-1)/log2(3) + (2^1-1)/log2(4); ideal: 3/log2(2) + 1/log2(3)
    expected = (3 / math.log2(3) + 1 / 2) / (3 + 1 / math.log2(3))
    assert ndcg_at_k([0, 2, 1], [2, 1, 0], k=10) == pytest.approx(expected)
    assert ndcg_at_k([2, 1, 0], [0, 1, 2]) == pytest.approx(1.0)
    assert ndcg_at_k([0, 0, 2], [2], k=2) == 0.0  # the relevant passage is below the cut
    assert ndcg_at_k([0, 0], [0, 0]) == 0.0


def test_recall_and_mrr_by_hand():
    ranked = ["c", "a", "x", "y", "z", "b"]
    metrics = retrieval_metrics(ranked, {"a": 1, "b": 2, "c": 0})
    assert metrics["recall@1"] == 0.0
    assert metrics["recall@5"] == 0.5  # a is in the top five, b is sixth
    assert metrics["recall@10"] == 1.0
    assert metrics["mrr@10"] == 0.5  # the first relevant one is second
    ideal = 3 / math.log2(2) + 1 / math.log2(3)  # b (grade 2) then a (grade 1)
    assert metrics["ndcg@10"] == pytest.approx((1 / math.log2(3) + 3 / math.log2(7)) / ideal)


def test_mean_over_queries():
    first = retrieval_metrics(["a"], {"a": 1})
    second = retrieval_metrics(["x"], {"a": 1})
    assert mean_metrics([first, second])["recall@1"] == 0.5 and mean_metrics([first, second])["mrr@10"] == 0.5


def test_calibration_cuts_in_the_middle_of_the_gap():
    assert calibrate_threshold([0.6, 0.7, 0.8], [0.2, 0.3]) == 0.45
    assert calibrate_threshold([0.9], [0.1, 0.5]) == 0.7


def test_calibration_maximises_correct_decisions_when_scores_overlap():
    answerable, unanswerable = [0.50, 0.62, 0.70, 0.80], [0.30, 0.55, 0.65]
    cut = calibrate_threshold(answerable, unanswerable)
    correct = sum(s >= cut for s in answerable) + sum(s < cut for s in unanswerable)
    # Cuts 0.4, 0.585 and 0.675 are all right five times; the answer spans the unanswerable 0.3 below the first
    # to the answerable 0.7 above the last, and its middle is right five times too.
    assert correct == 5 and cut == 0.5
    with pytest.raises(ValueError):
        calibrate_threshold([], [])


def _answer(kept: list[str], dropped: list[str], passage: str, refused: bool = False, similarity: float = 0.8):
    chunk = Chunk(id="doc:1", kind="document", source="policies/returns.md", title="Returns", text=passage)
    checks = [SentenceCheck(text=s, citations=[1], support=0.9, supported=True) for s in kept]
    return Answer(text=" ".join(kept), refused=refused, passages=[Passage(chunk=chunk, score=1, similarity=1, rank=1)],
                  grounding=GroundingReport(sentences=checks,
                                            dropped=[SentenceCheck(text=s, support=0.1, supported=False) for s in dropped]),
                  reading=[PartReport(question="q", kind="open", answerable=not refused, reason="", similarity=similarity)])


def test_faithfulness_counts_the_draft_not_only_what_the_verifier_kept():
    scores = AnswerScores()
    passage = "Returns are accepted within 30 days of delivery."
    scores.add(True, _answer(["Returns are accepted within 30 days of delivery."],
                             ["Returns are accepted within 90 days, always free."], passage))
    assert (scores.faithful_sentences, scores.sentences) == (1, 2)
    assert scores.as_row()["faithfulness"] == 0.5


def test_refusal_accuracy_and_answer_rate():
    scores = AnswerScores()
    scores.add(True, _answer(["Yes."], [], "Yes.", refused=False))
    scores.add(True, _answer([], [], "x", refused=True))
    scores.add(False, _answer([], [], "x", refused=True))
    row = scores.as_row()
    assert row["answer rate"] == 0.5 and row["refusal accuracy"] == 1.0


def test_answer_rate_curve_by_hand():
    # answerable: confident 0.9, unsure 0.4, refused; unanswerable: answered at 0.5, refused
    decisions = [(True, 0.9), (True, 0.4), (True, None), (False, 0.5), (False, None)]
    assert answer_rate_curve(decisions) == [
        (2 / 3, 0.5),  # as it runs
        (2 / 3, 0.5),  # cut 0.4: nothing more refused
        (1 / 3, 0.5),  # cut 0.5: the unsure answer goes
        (1 / 3, 1.0),  # cut 0.9: the wrong answer goes
        (0.0, 1.0),  # everything refused
    ]
