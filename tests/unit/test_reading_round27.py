"""Question analysis, direct answers, places and shopping constraints added after the dev10/store5 splits."""

from __future__ import annotations

from dataclasses import replace

from rag.compose import _direct_word
from rag.constraints import AttributeWishes, Bound, fits, measure_bounds, product_measures
from rag.filters import Filters, Vocabulary, parse_filters, stated_constraints
from rag.language import DIRECT_FRAME, entities, misspelt
from rag.models import Product
from rag.reader import _direct
from rag.reader.evidence import TermIndex, sentences_of
from rag.reader.question import analyse, comparison_sides
from tests.unit.test_reader_logic import _scored, passage

STORE = Vocabulary(categories=("Sleeping Bags",), brands=(), colors=(), category_words={})


def test_a_comparison_asked_of_both_or_each_names_both_sides():
    question = "Nightfall 20 or Nightfall 40, what are their temp ratings?"
    assert analyse(question).kind == "compare"
    assert comparison_sides(question) == ["Nightfall 20", "Nightfall 40"]
    assert analyse("comparing the 60L starter kit and the nano 20L, what warranty does each come with?").kind == "compare"
    assert analyse("Summit 45 和 Summit 65 重量差多少？").kind == "compare"


def test_how_much_of_a_thing_is_no_price_question():
    assert analyse("how much protein is in the senior lamb one").kind != "amount"
    assert analyse("how much is the senior lamb one").kind == "amount"


def test_the_shoppers_other_choice_is_the_no_of_the_first():
    part = analyse("does the Summit 45 come with a rain cover or do i buy it separately").parts[0]
    assert "separately" not in part.terms and "cover" in part.terms
    both = analyse("Is the heater adjustable or is it preset to one temperature?").parts[0]
    assert "preset" in both.terms  # a choice between two states of the product asks both


def test_a_chinese_case_then_its_question_is_one_question():
    parts = analyse("如果已经发货了呢？还能取消吗").parts
    assert len(parts) == 1 and parts[0].kind == "yes_no"


def test_a_budget_not_to_go_over_caps_the_price():
    found = parse_filters("sleeping bag for -5C nights, dont want to spend more than $300", STORE)
    assert (found.min_price, found.max_price) == (None, 300)


def test_a_typo_is_told_from_a_word_the_store_never_uses():
    assert misspelt("seperately") and misspelt("recieve")
    assert not misspelt("layaway") and not misspelt("engraving") and not misspelt("klarna")


def test_a_payment_methods_name_is_not_said_by_its_parts():
    assert not TermIndex("进口关税由收件人支付。").covers("货到付款")
    assert TermIndex("We do not accept cash on delivery.").covers("货到付款")


def test_the_exception_after_but_gives_the_direct_answer():
    sentence = ("Opened food normally can't be returned, but our Fussy Eater Promise lets you return an opened bag "
                "of dry food within 14 days of delivery.")
    part = analyse("I opened a bag of dry food and my cat refuses it. Can I still return it?").parts[0]
    assert _direct(part, _scored(sentences_of([passage(sentence)])[0]), 0.3) == "yes"


def test_states_and_provinces_are_places_inside_their_country():
    assert entities("Western Australia and Northern Territory: standard shipping $14.95")["place"] == {
        "Western Australia", "Northern Territory"}
    assert entities("standard vs express to melbourne")["place"] == {"Victoria"}
    assert entities("I live in Toronto")["place"] == {"Ontario"}
    assert entities("Metro NSW, VIC and ACT")["place"] == {"New South Wales", "Victoria", "Australian Capital Territory"}
    assert not entities("on the weekend we act fast")  # two-letter codes count in capitals only


def test_a_chinese_yes_or_no_uses_the_questions_verb():
    assert _direct_word("买了以后能换成现金吗？", "no", "zh") == "不能"
    assert _direct_word("礼品卡会过期吗？", "no", "zh") == "不会"
    assert _direct_word("Summit 45 有防雨罩吗", "yes", "zh") == "有的"
    assert _direct_word("can I swap it?", "no", "en") == "No"
    assert DIRECT_FRAME.sub("", "不能，Gift cards cannot be exchanged for cash.") == "Gift cards cannot be exchanged for cash."


def test_a_band_a_product_fits_is_a_range():
    chews = Product(sku="F-1", title="Flea Chews for Dogs 10–20kg", price=60.0,
                    attributes={"weight_band": "10–20 kg", "species": "Dogs", "protection": "Fleas and paralysis ticks"})
    assert product_measures(chews)["mass"] == (10000.0, 20000.0)
    assert measure_bounds("a dog thats about 15kg") == [Bound("mass", 12000.0, 18000.0)]
    assert fits(chews, "flea and tick protection for a dog thats about 15kg", Filters())


def test_a_wish_for_a_cat_reads_a_listed_species_in_either_number():
    cat_bed = Product(sku="B-1", title="Cave Bed", price=40.0, attributes={"suitable_for": "Cats and small dogs"})
    dog_bed = Product(sku="B-2", title="Donut Bed", price=60.0, attributes={"suitable_for": "Dogs"})
    wishes = AttributeWishes.read("a bed for my cat", [cat_bed, dog_bed])
    assert not wishes.unmet_by(cat_bed) and wishes.unmet_by(dog_bed)


def test_a_minimum_or_maximum_is_said_by_a_bounded_amount():
    assert TermIndex("With Klarna you can split orders between $50 and $1,000.").covers("minimum")
    assert TermIndex("Free on orders of $120 or more.").covers("min")
    assert not TermIndex("Items cannot be added to an order that has been placed.").covers("minimum")



def test_rather_tall_is_a_remark_not_a_comparison():
    assert [p.text for p in analyse("有加长款吗？我个子比较高").parts] == ["有加长款吗？"]
    assert analyse("Summit 45 和 Summit 65 比较一下").kind == "compare"


def test_thousands_said_as_grand_or_k_are_a_budget():
    assert stated_constraints("e-bike for commuting, can't spend more than 4 grand", STORE)["max_price"] == 4000
    assert stated_constraints("a sleeping bag under $1.5k", STORE)["max_price"] == 1500
    assert "max_price" not in stated_constraints("a 10k waterproof jacket", STORE)


def test_a_plus_after_a_number_is_a_lower_bound_and_a_unit_named_attribute_is_a_measure():
    assert measure_bounds("front lights with 1000+ lumens") == [Bound("light", 1000.0, None)]
    beam = Product(sku="L-1", title="Beam 1600 Front Light", price=139.0, attributes={"lumens": "1600"})
    assert product_measures(beam)["light"] == (1600.0, 1600.0)
    assert fits(beam, "front lights with 1000+ lumens", Filters())


def test_a_single_value_that_differs_from_the_one_asked_is_a_no():
    lock = sentences_of([passage("Security rating: Sold Secure Silver")])[0]
    lock = replace(lock, field_label="Security rating", context="Fold 900 Lock")
    part = analyse("Is the Fold 900 Lock rated Sold Secure Gold?").parts[0]
    assert _direct(part, _scored(lock), 0.3) == "no"


def test_an_aside_in_brackets_does_not_turn_the_answer():
    credit = sentences_of([passage("Trade-in store credit expires 12 months after it is issued "
                                   "(unlike gift cards, which never expire).")])[0]
    assert _direct(analyse("does the trade-in store credit expire?").parts[0], _scored(credit), 0.3) == "yes"


def test_a_measure_asked_in_a_unit_is_answered_in_a_unit_of_its_kind():
    from rag.language import ASKS_IN_UNIT, STATED_UNIT, unit_family
    asked = ASKS_IN_UNIT.search("what's the waterproof rating in mm on the Summit Parka?").group(1)
    assert unit_family(asked) == "length"
    assert [unit_family(u) for u in STATED_UNIT.findall("Waterproof rating: 20,000 mm")] == ["length"]
    assert not any(unit_family(u) == "length" for u in STATED_UNIT.findall("Summit Parka is waterproof."))


def test_the_store_paying_answers_no_to_do_i_have_to_pay():
    claim = sentences_of([passage("We pay shipping for approved warranty claims in the United States and Canada.")])[0]
    part = analyse("if my warranty claim gets approved do i have to pay to ship the thing back?").parts[0]
    assert _direct(part, _scored(claim), 0.3) == "no"


def test_please_fix_about_the_shoppers_own_account_hands_off():
    from rag.intents import _OWN
    assert _OWN.search("returned the lights 2 weeks ago but my Affirm balance still shows the full amount. please fix")
    assert not _OWN.search("how do I fix a flat tyre?")


def test_the_states_and_a_street_address():
    assert entities("what about shipping to the states?")["place"] == {"United States"}
    assert TermIndex("Spokehouse Toronto — 812 Queen Street West, Toronto, ON.").covers("addresses")
    assert not TermIndex("We cannot change a shipping address after the order has shipped.").covers("phone")


def test_womens_and_womens_with_an_apostrophe_are_one_name_word():
    from rag.language import name_word
    assert name_word("women's") == name_word("womens") == "women"
    assert name_word("kids'") == "kids" and name_word("shell") == "shell"
    assert TermIndex("Cascade 2.5L Rain Shell Women's").covers("womens")
