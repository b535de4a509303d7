"""Stated preferences remembered within a conversation: latest value wins, a new value replaces, "any" clears."""

from __future__ import annotations

from rag.filters import Filters, Vocabulary, category_words, parse_filters
from rag.preferences import Preferences, carried, describe, remembered

CATALOG = [("Cascade Rain Shell", "Jackets"), ("Ember Down Jacket", "Jackets"), ("Ridgeback Insulated Jacket", "Jackets"),
           ("Summit Parka", "Jackets"),
           ("Ridge Runner Trail Shoe", "Footwear"), ("Basecamp Hiking Boot", "Footwear"), ("Glacier Winter Boot", "Footwear"),
           ("Road Shoe", "Footwear"), ("Summit 45 Backpack", "Backpacks"), ("Summit 65 Backpack", "Backpacks"),
           ("Trail Cap", "Apparel"), ("Trail Tech Tee", "Apparel"), ("Trail Running Vest", "Backpacks")]
STORE = Vocabulary(categories=("Jackets", "Footwear", "Backpacks", "Apparel"), brands=(),
                   colors=("Red", "Teal", "Black"), category_words=category_words(CATALOG))


def test_category_words_come_from_the_catalog_and_its_chinese_synonyms():
    words = STORE.category_words
    assert words["jacket"] == "Jackets" and words["boot"] == "Footwear" and words["backpack"] == "Backpacks"
    assert words["冲锋衣"] == "Jackets" and words["鞋"] == "Footwear" and words["背包"] == "Backpacks"
    assert "trail" not in words  # spread over categories
    assert words["parka"] == "Jackets" and words["shoes"] == "Footwear"  # words for the category's own name
    assert parse_filters("waterproof hiking shoes under $150", STORE).category == "Footwear"
    assert parse_filters("想买防水冲锋衣，100美元以内", STORE).category == "Jackets"


def test_sizes_in_both_languages():
    assert parse_filters("有没有UPF 50的防晒衣？要M码有货的", STORE).size == "M"  # right after a Chinese character
    assert parse_filters("给孩子买外套，8码，要有货", STORE).size == "8"
    assert parse_filters("rain jacket for my wife, she wears a medium, under $100", STORE).size == "M"
    assert parse_filters("sun hoodie with UPF 50, XL, has to be in stock", STORE).size == "XL"
    assert parse_filters("a small backpack under $100", STORE).size is None  # "small" here is no size


def test_latest_value_wins_and_any_clears():
    history = ["I need a rain jacket for my wife, she wears a medium, budget $100",
               "What is your return policy?",  # states nothing
               "actually she's a large"]
    assert remembered(history, STORE) == Preferences(size="L", max_price=100.0, audience="women")
    assert remembered([*history, "any size is fine, and no budget"], STORE) == Preferences(audience="women")
    assert remembered(["想买冲锋衣，M码，红色，预算100美元以内", "颜色不限"], STORE) == Preferences(size="M", max_price=100.0)
    assert remembered(["hiking boots for my husband", "boots for my son"], STORE) == Preferences(audience="kids",
                                                                                                activity="hiking")


def test_a_policy_amount_is_no_budget():
    assert remembered(["Are orders under $75 shipped free?"], STORE) == Preferences()
    assert remembered(["my budget is $80"], STORE) == Preferences(max_price=80.0)


def test_a_later_request_takes_what_it_does_not_state():
    preferences = Preferences(size="M", max_price=100.0, audience="women", color="Red")
    request = "show me some jackets"
    assert carried(preferences, request, parse_filters(request, STORE), STORE) == Filters(
        size="M", max_price=100.0, audience="women", color="Red")
    request = "any colour, jackets under $150 for my son"
    assert carried(preferences, request, parse_filters(request, STORE), STORE) == Filters(size="M")


def test_preferences_are_described_in_the_shoppers_language():
    assert describe("size", "M", "en") == "size M" and describe("max_price", 100.0, "en") == "budget up to 100"
    assert describe("size", "M", "zh") == "M码"
