"""A Chinese question about passages a store writes only in English: the English a dictionary (CC-CEDICT) gives for
its words, as far as the store writes them, after the dev21/store15 splits."""

from __future__ import annotations

from rag import language
from rag.assistant import Assistant
from rag.models import Chunk
from rag.reader import _direct, _names_place
from rag.reader.evidence import INDIRECT_MATCH, TermIndex, coverage, sentences_of
from rag.reader.question import analyse
from rag.reader.translation import ChineseEnglishDictionary, CrossLingualTerms, store_words
from tests.unit.test_reader_logic import _scored, passage
from tests.unit.test_store_words import FakeBilingualEmbedder

POLICY = Chunk(id="doc:1", kind="document", source="sourcing.md", title="Diamond sourcing",
               text="All our natural diamonds are conflict-free. We never sell a stone without its origin report.")


def _terms() -> CrossLingualTerms:
    return CrossLingualTerms(FakeBilingualEmbedder(), store_words([POLICY]), dictionary=ChineseEnglishDictionary())


def test_a_chinese_word_is_said_by_the_store_words_its_dictionary_senses_name():
    found = _terms().aliases(["冲突", "来源", "钻石", "天然", "卖"], by_meaning=False)
    assert found["冲突"] == ("conflict",)  # "conflict-free" holds it
    assert found["来源"] == ("sourcing", "origin")  # "source; origin", as the store writes them ("sourcing")
    assert found["钻石"] == ("diamond",) and found["天然"] == ("natural",)
    assert "卖" not in found  # one character has too many senses


def test_everyday_chinese_words_are_not_translated():
    assert _terms().aliases(["不能", "一起", "可以"], by_meaning=False) == {}


def test_a_compound_the_dictionary_lacks_is_said_by_its_words():
    found = CrossLingualTerms(FakeBilingualEmbedder(), ["christmas", "gift", "cards"],
                              dictionary=ChineseEnglishDictionary()).aliases(["圣诞礼物"], by_meaning=False)
    assert found == {"圣诞": ("christmas",), "礼物": ("gift",)}
    index = TermIndex("Christmas gifts bought in December can be returned until January 31.", found)
    assert index.match("圣诞礼物") == INDIRECT_MATCH  # both of its words are said
    assert TermIndex("Gift cards cannot be returned.", found).match("圣诞礼物") == 0.0  # not by one of them


def test_a_translated_word_counts_only_where_a_sentence_says_it():
    weights = {"冲突": 2.0, "钻石": 1.0}
    said = TermIndex("Our diamonds are conflict-free.", {"冲突": ("conflict",), "钻石": ("diamonds",)})
    unsaid = TermIndex("Our diamonds are certified.", {"冲突": ("conflict",), "钻石": ("diamonds",)})
    assert round(coverage(["冲突", "钻石"], weights, said, frozenset({"冲突"}))[0], 3) == INDIRECT_MATCH
    covered, missing = coverage(["冲突", "钻石"], weights, unsaid, frozenset({"冲突"}))
    assert (round(covered, 3), missing) == (INDIRECT_MATCH, ["冲突"])  # as if it were not asked
    assert coverage(["冲突", "钻石"], weights, unsaid)[0] < INDIRECT_MATCH / 2  # a required word weighs when unsaid


def test_asking_whether_something_bought_can_still_go_back_is_about_returns():
    assert language.POLICY_TOPICS.search("12月中旬买了件外套当圣诞礼物，到1月下旬还能退吗？")
    assert not language.POLICY_TOPICS.search("想买件外套，有推荐吗")


def test_british_and_american_spellings_are_one_word():
    assert "jewellery" in language.synonyms("jewelry") and "color" in language.synonyms("colour")
    assert language.spelling_variants("personalized") == {"personalised"}
    assert language.spelling_variants("cancelled") == {"canceled"}
    assert not language.spelling_variants("flour") and not language.spelling_variants("enter")  # "flor" is no word
    assert TermIndex("Free cleaning for life on jewellery bought from us.").covers("jewelry")


def test_the_free_case_that_names_what_the_price_leaves_out_answers_no():
    part = analyse("want to engrave my husband's wedding band, do I have to pay for that?").parts[0]
    price, free = sentences_of([passage("Engraving costs $1.50 per character (spaces are free). "
                                        "Up to 12 characters are free on wedding bands.", title="Engraving")])
    assert _direct(part, _scored(price, missing=["wedding", "band"]), 0.3,
                   [_scored(price, missing=["wedding", "band"]), _scored(free)]) == "no"
    assert _direct(part, _scored(price), 0.3, [_scored(price), _scored(free)]) != "no"  # nothing left out


def test_a_heading_names_the_place_its_sentences_speak_of():
    [sentence] = sentences_of([passage("These destinations are not eligible for free standard shipping.",
                                       section="Alaska, Hawaii and US territories")])
    assert _names_place(_scored(sentence), {"Alaska"}, 1.0, True)
    [general] = sentences_of([passage("Free on orders of $250 or more.", section="Shipping within the United States")])
    assert not _names_place(_scored(general), {"Alaska"}, 1.0, True)


def test_a_place_named_by_its_city_is_searched_for_by_its_own_name():
    assert Assistant._places_searched("Shipping to Anchorage, AK - free shipping?", None) == [
        "Alaska Shipping to Anchorage, AK - free shipping?"]
    assert Assistant._places_searched("Shipping to Alaska - free shipping?", None) == []  # already said
    assert Assistant._places_searched("美国境内发加急几天能到？", None) == []


def test_the_price_of_a_service_done_to_a_product_is_no_search_for_one():
    assert language.ASKS_SERVICE_PRICE.search("what does it cost to size an 18k gold ring down?")
    assert language.ASKS_SERVICE_PRICE.search("how much to ship a tent to Canada")
    assert not language.ASKS_SERVICE_PRICE.search("how much is it to get a tent under $200")
    assert not language.ASKS_SERVICE_PRICE.search("a ring that costs under $2,000")


def test_a_word_many_product_names_share_names_none_of_them_in_a_policy_follow_up():
    from rag.conversation import FollowUpResolver, Turn

    platinum = ("R-9", "Full Eternity Band, Platinum")
    resolver = FollowUpResolver(lambda text: platinum, lambda text: False,
                                titles_saying=lambda words: 3 if words == ["platinum"] else 1)
    history = [Turn(question="how much to resize a 14k gold ring down a size?", products=[])]
    resolved = resolver.resolve("and if it's platinum?", history)
    assert resolved.product_sku is None and "Eternity" not in resolved.question and "platinum" in resolved.question


def test_the_smallest_and_biggest_are_bounds_a_range_states():
    assert TermIndex("Digital gift cards from $25 to $2,500.").match("smallest") == INDIRECT_MATCH
    assert TermIndex("Gift cards never expire.").match("biggest") == 0.0
