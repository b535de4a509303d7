"""FAQ matching by question (rag/faq.py) on a handful of in-memory entries, with the fake embedder."""

from __future__ import annotations

import pytest

from rag.faq import FaqEntry, FaqMatcher, FaqWeights, keywords

ENTRIES = [
    FaqEntry("How do I track my order?", "You receive a tracking link by email."),
    FaqEntry("Do you ship to Canada?", "Yes. Shipping to Canada takes 5 to 10 business days."),
    FaqEntry("Do gift cards expire?", "No. Our gift cards never expire."),
    FaqEntry("可以用支付宝付款吗？", "可以。我们支持支付宝和微信支付。"),
    FaqEntry("退货需要多久退款？", "我们在收到退货后 5 个工作日内退款。"),
]
KEYWORDS_ONLY = FaqWeights(primary=0.0, multilingual=0.0, keywords=1.0)


@pytest.fixture
def matcher(fake_embedders) -> FaqMatcher:
    return FaqMatcher(fake_embedders, ENTRIES, FaqWeights(primary=1.0, multilingual=0.0, keywords=1.0), threshold=0.6)


def test_a_question_in_other_words_finds_its_entry(matcher):
    found = matcher.match("how can I track an order")
    assert found is not None and found.entry is ENTRIES[0]
    assert set(found.signals) == {"primary", "keywords"} and 0.6 <= found.score <= 1.0


def test_chinese_words_are_matched_by_jieba_words_and_character_pairs(fake_embedders):
    matcher = FaqMatcher(fake_embedders, ENTRIES, KEYWORDS_ONLY, threshold=0.3)
    found = matcher.match("支付宝可以付款吗")
    assert found is not None and found.entry is ENTRIES[3]
    assert "支付宝" in keywords("支付宝可以付款吗") and "付款" in keywords("支付宝可以付款吗")
    assert "花被" in keywords("花被怎么还")  # a typo jieba splits differently still shares its character pair


def test_nothing_close_enough_is_no_match(matcher):
    assert matcher.match("Is the Beacon 900 headlamp waterproof in heavy rain?") is None


def test_an_entry_about_another_place_is_not_a_match(fake_embedders):
    matcher = FaqMatcher(fake_embedders, ENTRIES, KEYWORDS_ONLY, threshold=0.3)
    ranked = matcher.rank_many(["Do you ship to Japan?"], 1)[0]
    assert ranked[0].entry is ENTRIES[1] and ranked[0].score >= 0.3  # close in words...
    assert matcher.match("Do you ship to Japan?") is None  # ...but about Canada
    assert matcher.match("Do you ship to Canada?").entry is ENTRIES[1]


def test_ranking_gives_k_entries_best_first_and_the_threshold_decides_a_match(fake_embedders):
    ranked = FaqMatcher(fake_embedders, ENTRIES, KEYWORDS_ONLY).rank_many(["gift cards expire", "退货多久退款"], 3)
    assert [len(r) for r in ranked] == [3, 3]
    assert ranked[0][0].entry is ENTRIES[2] and ranked[1][0].entry is ENTRIES[4]
    assert ranked[0][0].score >= ranked[0][1].score >= ranked[0][2].score
    strict = FaqMatcher(fake_embedders, ENTRIES, KEYWORDS_ONLY, threshold=ranked[0][0].score + 0.01)
    assert strict.match("gift cards expire") is None


def test_no_entries_match_nothing(fake_embedders):
    empty = FaqMatcher(fake_embedders, [], FaqWeights())
    assert empty.match("Do gift cards expire?") is None
    assert empty.rank_many(["a", "b"], 5) == [[], []]


def test_a_hub_entry_ranks_lower_but_its_score_is_unchanged(fake_embedders):
    hubby = ENTRIES + [FaqEntry("do you ship gift cards to canada", "x"), FaqEntry("gift cards canada", "y")]
    plain = FaqMatcher(fake_embedders, hubby, KEYWORDS_ONLY, threshold=0.0)
    penalised = FaqMatcher(fake_embedders, hubby, FaqWeights(0.0, 0.0, 1.0, hub_penalty=2.0), threshold=0.0)
    assert penalised.hubs["keywords"].shape == (len(hubby),)
    question = "do you ship gift cards"
    before, after = plain.rank_many([question], 7)[0], penalised.rank_many([question], 7)[0]
    assert before[0].entry.question == "do you ship gift cards to canada"
    assert [m.entry for m in after] != [m.entry for m in before]
    score = {m.entry.question: m.score for m in before}
    assert all(m.score == score[m.entry.question] for m in after)  # the threshold sees the same score


def test_entries_without_words_leave_out_the_keyword_signal(fake_embedders):
    matcher = FaqMatcher(fake_embedders, [FaqEntry("???", "x"), FaqEntry("!!", "y")], FaqWeights(1.0, 0.0, 1.0))
    assert matcher.keyword_index is None
    assert set(matcher.rank_many(["???"], 1)[0][0].signals) == {"primary"}
