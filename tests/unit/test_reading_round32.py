"""Follow-ups about a variant's stock, what a met spending condition costs, Chinese around Latin product names,
and catalog attributes written as JSON numbers, after the dev18/store12 splits."""

from __future__ import annotations

import pytest

from rag.constraints import measure_bounds
from rag.conversation import FollowUpResolver, Turn, variant_follow_up
from rag.filters import Vocabulary, _category, stated_constraints, stated_size
from rag.language import (
    ASKS_ALL,
    COSTS_NOTHING,
    POINTS_BACK,
    POLICY_WORDS,
    THAT_COLOUR,
    compound_tail,
    detect_language,
    full_forms,
    name_word,
    named_colour,
    product_kinds,
)
from rag.models import Chunk, Product
from rag.reader import _named_kind
from rag.reader.conditions import amount_condition_holds, asked_variant_state

NO_VOCABULARY = Vocabulary(categories=(), brands=(), colors=())
BIKE = Product(sku="B1", title="Tempo AL 105 Road Bike", price=1500, variants=[
    {"sku": "B1-R54", "color": "Racing Red", "size": "54 cm", "stock": 3},
    {"sku": "B1-R58", "color": "Racing Red", "size": "58 cm", "stock": 0},
    {"sku": "B1-G54", "color": "Storm Grey", "size": "54 cm", "stock": 0},
])


def test_a_follow_up_naming_only_a_size_asks_the_stock_question_of_that_variant():
    assert variant_follow_up("size M?", "do you have the Drizzle Lite jacket in red", "Drizzle Lite Jacket") == \
        "is the Drizzle Lite Jacket in stock in red, size M?"
    assert variant_follow_up("绿色XL呢", "黄色M码有货吗", "青山 防水冲锋衣") == "青山 防水冲锋衣 绿色 XL码有货吗？"
    # the size asked before stays when only the colour changes
    assert variant_follow_up("and in black?", "is it in stock in size L?", "X") == "is the X in stock in black, size L?"


def test_a_follow_up_with_other_words_or_after_no_stock_question_is_no_variant_question():
    assert variant_follow_up("and the 65?", "is it in stock?", "Summit 45") is None  # a sibling, not a size
    assert variant_follow_up("how heavy is it in blue?", "is it in stock?", "X") is None
    assert variant_follow_up("in blue?", "how much is it?", "X") is None  # the price of the blue one, maybe


def test_that_colour_is_the_colour_named_before():
    assert named_colour("does the Tempo AL 105 come in red?") == "red"
    assert named_colour("有墨绿色的吗") == "墨绿色"  # the longest name wins
    assert named_colour("white-glove delivery") is None
    assert THAT_COLOUR.sub("red", "is the 54 in stock in that colour?") == "is the 54 in stock in red?"


def test_a_size_is_read_beside_chinese_characters():
    assert stated_size("绿色XL呢") == "XL"
    assert stated_size("黑色M的有吗") == "M"
    assert stated_size("T恤") is None and stated_size("an xl tent") is None


def test_a_size_without_its_unit_is_the_variant_with_it():
    assert asked_variant_state("is the 54 cm one in stock in red, size 54?", BIKE) == "in stock"
    assert asked_variant_state("is it in stock in grey, size 54?", BIKE) == "out of stock"


def test_all_sizes_at_once_is_asked_in_both_languages():
    assert ASKS_ALL.search("现在都有货吗") and ASKS_ALL.search("are all the colours in stock?")
    assert not ASKS_ALL.search("is it in stock?")


def test_a_met_spending_condition_that_costs_nothing_is_free():
    sentence = "Shipping to Canada costs $14.95, or nothing on orders of $150 or more."
    assert amount_condition_holds("how much if my cart is over 150 bucks?", sentence)
    assert not amount_condition_holds("and if it's only 100 dollars?", sentence)
    assert COSTS_NOTHING.search(sentence) and COSTS_NOTHING.search("满200美元包邮")
    assert not COSTS_NOTHING.search("Shipping costs $14.95.")


@pytest.mark.parametrize("text, lang", [
    ("Insulated Bottle 750 保冷能保多久？", "zh"),  # a Latin name, asked about in Chinese
    ("Trail GPS Watch 多少钱", "zh"),
    ("What does 包邮 mean", "en"),
    ("Do you sell 登山杖?", "en"),
])
def test_chinese_around_a_latin_product_name_is_chinese(text, lang):
    assert detect_language(text) == lang


def test_catalog_attributes_written_as_json_numbers_and_flags_are_read_as_text():
    item = Product(sku="P1", title="Sonara SP-88", price=499, attributes={
        "keys": 88, "polyphony": 192, "weight": 11.5, "bluetooth": True, "speakers": False, "styles": ["pop", "jazz"]})
    assert item.attributes == {"keys": "88", "polyphony": "192", "weight": "11.5", "bluetooth": "yes",
                               "speakers": "no", "styles": "pop, jazz"}
    with pytest.raises(ValueError, match="attributes.dims"):
        Product(sku="P2", title="Stand", price=10, attributes={"dims": {"w": 1}})


def test_a_budget_in_bucks_after_a_measure_is_a_price():
    assert stated_constraints("headlamp with at least 400 lumens under 50 bucks", NO_VOCABULARY)["max_price"] == 50.0
    assert "max_price" not in stated_constraints("a lantern of at least 400 lumens", NO_VOCABULARY)


def test_a_measure_with_a_thousands_separator_is_one_number():
    assert measure_bounds("a lantern with at least 1,000 lumens")[0].low == 1000.0


def test_a_sentence_that_points_back_is_quoted_after_the_one_before():
    assert POINTS_BACK.match("It is free on orders of $150 or more.")
    assert not POINTS_BACK.match("Items can be returned within 30 days.")


def test_what_comes_after_with_is_a_feature_not_the_kind_asked_for():
    assert product_kinds("need a digital piano with weighted keys and speakers built in") == []
    assert product_kinds("a bluetooth speaker") == ["speaker"]
    assert product_kinds("headlamp with a red light") == ["headlamp"]


def test_a_short_form_names_its_category():
    vocabulary = Vocabulary(categories=("Amplifiers", "Electric Guitars"), brands=(), colors=(),
                            category_words={"guitar": "Electric Guitars"})
    assert full_forms("a practice amp") == "a practice amp amplifier"
    assert _category("guitar practice amp under £200", vocabulary) == "Amplifiers"
    assert _category("a cheap electric guitar", vocabulary) == "Electric Guitars"


def test_a_compound_category_word_ends_in_its_everyday_word():
    assert compound_tail("houseplants") == "plants"
    assert compound_tail("guitars") is None


def test_a_rule_for_a_products_kind_speaks_about_the_product_by_name():
    plant = Chunk(id="product:P1", kind="product", source="catalog.jsonl", title="Bird of Paradise", text="",
                  metadata={"category": "Houseplants"})
    names, kinds = _named_kind(["send", "bird", "paradise", "hong", "kong"], [plant])
    assert names == ["bird", "paradise"] and "plants" in kinds


def _resolver() -> FollowUpResolver:
    harness = ("H1", "Crux Climbing Harness")
    return FollowUpResolver(find_product=lambda text: harness if "crux" in text.lower() else None,
                            asks_for_product_fact=lambda text: False)


def test_a_statement_naming_a_product_puts_the_last_question_to_it():
    asked = Turn(question="can i still return something i bought 3 weeks ago?")
    told = _resolver().resolve("it's a climbing harness, the crux one", [asked])
    assert told.question == "can i still return something i bought 3 weeks ago (Crux Climbing Harness)?"
    assert told.product == ("H1", "Crux Climbing Harness")


def test_a_case_after_a_statement_is_put_to_the_last_question():
    history = [Turn(question="can I cancel an order after placing it?"), Turn(question="I placed it yesterday morning.")]
    resolved = _resolver().resolve("what if it has already shipped?", history)
    assert resolved.question == "can I cancel an order after placing it if it has already shipped?"


def test_a_model_number_is_one_word_with_or_without_its_hyphen():
    assert name_word("hp-20") == name_word("hp20") == "hp20"
    assert name_word("women's") == name_word("women")
    assert name_word("t-shirt") == "t-shirt"


def test_sending_setting_up_and_swapping_are_matters_of_policy():
    assert POLICY_WORDS.search("can you send it to my mum in hong kong?")
    assert POLICY_WORDS.search("what if its been like 3 hours since i ordered")
    assert POLICY_WORDS.search("那寄到澳大利亚呢？")
    assert not POLICY_WORDS.search("how many degrees warmer does the liner make my bag?")
