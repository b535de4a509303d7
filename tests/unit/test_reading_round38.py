"""Exceptions that are about something else, products asked about by their description, caffeine-free requests and
store categories named by a colour (tuned on dev24/store18)."""

from __future__ import annotations

from indexer.chunking import product_chunk
from rag.conversation import Turn, _name_numbers
from rag.filters import Filters, Vocabulary, parse_filters
from rag.language import RECOMMEND_CUES, words_only_in_terms
from rag.models import Passage
from rag.product_record import Product
from rag.reader import _direct, _qualified_otherwise
from rag.reader.evidence import sentences_of
from rag.reader.question import analyse
from rag.recommend import product_cards
from tests.unit.test_reader_logic import _scored, passage


def test_a_word_said_only_inside_another_term_is_not_the_shoppers_word():
    assert words_only_in_terms("Gift cards cannot be returned.", "I bought it as a Christmas gift") == {"gift", "cards"}
    assert words_only_in_terms("Gift cards cannot be returned.", "can I return a gift card?") == set()
    # "clearance" is itself a way to say "clearance items"
    assert words_only_in_terms('Items marked "Final sale", including clearance items.', "bought it on clearance") == set()


def test_an_exception_for_a_kind_the_question_does_not_say_is_not_its_case():
    engraved = "Engraved teapots, engraved cups and anything else made to order cannot be returned."
    assert _qualified_otherwise({"teapot", "sister"}, engraved, "can my sister return a teapot?") == {"teapot"}
    assert _qualified_otherwise({"teapot"}, engraved, "can I return an engraved teapot?") == set()


def test_a_holiday_window_is_not_overruled_by_a_sentence_about_gift_cards():
    part = analyse("bought a tent on nov 20 as a christmas gift, it arrived nov 24. if they don't like it can I still "
                   "return it on jan 15?").parts[0]
    holiday, gift_cards = sentences_of([passage(
        "Holiday purchases made between November 1 and December 24 can be returned until January 31 of the following "
        "year. No. Gift cards cannot be returned or exchanged for cash.")])
    best, other = _scored(holiday, 0.5, ["gift", "arrived"]), _scored(gift_cards, 0.3, ["arrived", "tent"])
    assert _direct(part, best, 0.75, [best, other]) == "yes"


def test_a_colour_is_not_read_from_a_category_the_store_names_by_one():
    tea = Vocabulary(categories=("Green Tea", "White Tea", "Teapots"), brands=(), colors=("White", "Green", "Blue"))
    assert parse_filters("organic green or white tea, 50g, needs to be in stock", tea).color is None
    assert parse_filters("a white teapot", tea).color == "White"


def _passages(*products: Product) -> list[Passage]:
    return [Passage(chunk=product_chunk(p, "catalog.jsonl"), score=1.0, similarity=0.5, rank=rank)
            for rank, p in enumerate(products, start=1)]


def test_a_caffeine_free_request_gets_teas_that_say_they_have_none():
    rooibos = Product(sku="T-1", title="Rooibos Vanilla", category="Herbal Tea", price=5.95,
                      attributes={"caffeine": "None (caffeine-free)"})
    assam = Product(sku="T-2", title="Assam Breakfast", category="Black Tea", price=5.5, attributes={"caffeine": "High"})
    cards = product_cards(_passages(assam, rooibos), "looking for a caffeine free tea under £6", Filters(max_price=6))
    assert [card.sku for card in cards] == ["T-1"]


def test_a_product_name_is_told_by_its_number_written_with_its_unit():
    assert _name_numbers("is the 0.6L cast iron teapot dishwasher safe?") == {"0.6"}
    assert _name_numbers("Arthur's Seat Cast Iron Teapot 1.2 L") == {"1.2"}
    assert _name_numbers("binoculars under $250") == set()


def test_finding_one_asks_for_suggestions_in_chinese():
    assert RECOMMEND_CUES.search("找个能进洗碗机的杯子，容量要300毫升以上")


def test_the_bigger_one_is_compared_with_the_one_in_focus():
    from tests.unit.test_reading_round28 import resolver

    pack = [Turn(question="is the Summit 45 Backpack waterproof?", products=[("B1", "Summit 45 Backpack")])]
    heavier = resolver().resolve("is the bigger one heavier?", pack)
    assert heavier.product == ("B2", "Summit 65 Backpack")
    assert heavier.question == "is the Summit 65 Backpack heavier than the Summit 45 Backpack?"


def test_a_word_that_chose_the_product_is_no_value_of_its_colours():
    part = analyse("does the cheaper pair come in green? (Trekking Pole Pair Aluminium)").parts[0]
    colours = sentences_of([passage("Colours: Grey, Blue.", kind="product", title="Trekking Pole Pair Aluminium")])[0]
    assert _direct(part, _scored(colours), 0.75, [_scored(colours)]) == "no"


def test_a_difference_in_something_between_two_options_is_a_comparison():
    question = analyse("whats the difference in delivery time between expedited and express in the US")
    assert question.kind == "compare"


def test_postage_is_a_policy_topic_not_a_product_search():
    from rag.language import POLICY_TOPICS

    assert POLICY_TOPICS.search("how does standard postage compare for the two of us?")
