"""Follow-ups that change the shopper's case or place, sizes a product itself lists, compound product names in
shopping, and Chinese questions about products named in Latin letters, after the dev19/store13 splits."""

from __future__ import annotations

from rag.compose import _direct_word, _product_fact
from rag.constraints import AttributeWishes, Bound, measure_bounds, product_ranges
from rag.conversation import FollowUpResolver, Turn, _made_for, swap_slot, variant_follow_up, with_condition
from rag.language import ASKS_LENGTH, STATES_BOUND, services_asked, synonyms
from rag.models import Chunk, Passage, Product
from rag.reader import _kind_after_name, _says_the_opposite
from rag.reader.evidence import Sentence, TermIndex, sentences_of
from rag.reader.question import analyse, key_terms, kind_of


def _product(sku: str, title: str, category: str, **attributes: str) -> Product:
    return Product(sku=sku, title=title, category=category, price=100, attributes=attributes)


def test_a_size_the_product_lists_is_read_in_a_variant_follow_up():
    def sizes():
        return ["7", "9", "10", "11"]

    assert variant_follow_up("do you have a 9 in black", "does it come in wide?", "Ridge Runner Trail Shoe", sizes) == \
        "is the Ridge Runner Trail Shoe in stock in black, size 9?"
    def towel():
        return ["70 x 140 cm", "Bath sheet"]

    assert variant_follow_up("is the navy one in stock in the bath sheet size?", "how big is it?", "Bath Towel", towel) == \
        "is the Bath Towel in stock in navy, size Bath sheet?"
    # a product without the size: only the colour is asked about
    assert variant_follow_up("do you have a 9 in black", "is it in stock?", "X", lambda: ["S", "M"]) == "is the X in stock in black?"


def test_a_new_case_takes_the_place_of_the_time_the_question_was_about():
    assert with_condition("Can I cancel an order in the first hour after placing it?", "if it already shipped") == \
        "Can I cancel an order if it already shipped?"
    # a case beside a condition of another kind is added to it
    assert with_condition("can I return shoes to your Denver shop?", "if I wore them outside") == \
        "can I return shoes to your Denver shop if I wore them outside?"


def test_a_place_of_two_words_takes_the_place_of_the_one_asked_before():
    assert swap_slot("How much is standard shipping in the contiguous US?", "to puerto rico") == \
        "How much is standard shipping in puerto rico?"
    assert key_terms("and to puerto rico?") == ["puerto rico"]
    assert key_terms("is shipping to the united states free") == ["shipping", "united states", "free"]
    # a sentence about the territory a place belongs to speaks about it
    assert TermIndex("US territories $24.95 (never free).").covers("puerto rico")
    assert not TermIndex("Canada US$19.95.").covers("new zealand")


def test_a_yes_or_no_fact_named_by_what_the_product_does_reads_as_a_sentence():
    def fact(text: str) -> str:
        return _product_fact(Sentence(0, 0, text, ""), "The Summit Seat", "en")

    assert fact("Ships to canada: No.") == "The Summit Seat does not ship to canada."
    assert fact("Ships to canada: Yes.") == "The Summit Seat ships to canada."
    assert fact("Waterproof: no") == "The Summit Seat is not waterproof."


def test_a_product_named_for_another_kind_is_not_that_kind():
    products = [
        _product("C1", "Linden Mini Crib", "Cribs & Bassinets"),
        _product("C2", "Harper Convertible Crib", "Cribs & Bassinets"),
        _product("M1", "Cloudnest Mini Crib Mattress", "Cribs & Bassinets"),
        _product("M2", "Sprout Firm Crib Mattress", "Cribs & Bassinets"),
        _product("S1", "Daily Veil Tinted Mineral Sunscreen SPF 30", "Sunscreen"),
        _product("S2", "Sport Shield Sunscreen Mist SPF 50", "Sunscreen"),
    ]
    wishes = AttributeWishes.read("a crib under 300 bucks", products)
    assert [p.sku for p in products if not wishes.unmet_by(p)] == ["C1", "C2"]
    # asked for by its own name, the mattress is what is wanted
    wishes = AttributeWishes.read("a crib mattress for the mini crib", products)
    assert not wishes.unmet_by(products[2])
    # "SPF 30" closes a sunscreen's name: it is still a sunscreen
    assert not AttributeWishes.read("a mineral sunscreen", products).unmet_by(products[4])


def test_of_two_products_a_name_fits_equally_the_one_the_other_is_made_for_wins():
    pump = Chunk(id="product:P1", kind="product", source="catalog.jsonl", title="Lunaflow Duo Electric Breast Pump", text="Lunaflow Duo Electric Breast Pump. Battery: rechargeable.")
    kit = Chunk(id="product:P2", kind="product", source="catalog.jsonl", title="Lunaflow Duo Replacement Parts Kit",
                text="Lunaflow Duo Replacement Parts Kit. Compatible with: Lunaflow Duo Electric Breast Pump.")
    assert _made_for(kit, pump) and not _made_for(pump, kit)


def test_a_range_states_its_maximum_and_a_height_asks_for_a_length():
    assert STATES_BOUND.search("Child weight range: 40–120 lb.")
    assert STATES_BOUND.search("Child weight range: Up to 50 lb.")
    assert not STATES_BOUND.search("Seat weight: 11 lb.")
    assert ASKS_LENGTH.search("what's the max child height for the Nimbus Glide stroller")
    assert not ASKS_LENGTH.search("what's the max weight for the booster")


def test_a_place_in_an_aside_does_not_make_a_fee_a_rule_for_that_place_only():
    part = analyse("My order's over $75 so shipping is free, that covers the glider delivery too right?").parts[-1]
    assert _says_the_opposite(part, "Gliders ship by freight and carry an oversize fee per item ($59 in the contiguous US).")
    assert not _says_the_opposite(part, "Shoppers in Canada pay a fee of $10.")


def test_chinese_words_for_a_product_fact():
    terms = key_terms("SafeHaven Summit 安全座椅适合多大的孩子？")
    assert "安全座椅" in terms and "多大" not in terms
    assert "aircraft" in synonyms("飞机") and "faa" in synonyms("飞机")
    assert "any time" in synonyms("whenever")


def test_do_i_still_pay_is_answered_no_it_is_free_when_the_case_costs_nothing():
    assert _direct_word("ok and if my cart is around $160, do i still pay for shipping?", "no_free", "en") == "No, it's free"
    assert _direct_word("购物车160美元还要付运费吗？", "no_free", "zh") == "不用，免费"
    assert _direct_word("能退吗？", "no", "zh") == "不能"


def test_a_price_or_measure_after_than_bounds_a_search_and_compares_nothing():
    assert kind_of("water filter for backpacking, cheaper than $50?") != "compare"
    assert kind_of("is the Beacon 900 brighter than the 400?") == "compare"


def test_ounces_pounds_and_a_litre_are_measures():
    assert measure_bounds("bpa free bottles that hold at least 8 oz?") == [Bound("ounces", 8.0, None)]
    assert measure_bounds("any insulated bottle that holds a litre or more") == [Bound("volume", 1.0, None)]
    booster = Product(sku="B", title="Booster", price=1, attributes={"child_weight_range": "40–120 lb"})
    low, high = product_ranges(booster)["mass"]
    assert round(low) == 18144 and round(high) == 54432


def test_they_is_the_store_when_it_is_there_to_be_the_product():
    bag = ("SL-1", "Nightfall 20 Down Sleeping Bag")
    resolver = FollowUpResolver(find_product=lambda text: bag if "nightfall" in text.lower() else None,
                                asks_for_product_fact=lambda text: False)
    history = [Turn(question="what temp is the Nightfall 20 rated to?", products=[bag])]
    assert resolver.resolve("do they make it in a long?", history).question == \
        "do they make Nightfall 20 Down Sleeping Bag in a long?"


def test_long_is_a_size_after_a_or_in():
    assert "long" in key_terms("do they make it in a long?")
    assert "long" not in key_terms("how long does shipping take?")
    assert "long" not in key_terms("is it good for a long trip?")


def test_idioms_and_words_that_are_not_what_they_seem():
    assert key_terms("free shipping kicks in at $75 right?") == ["free", "shipping", "right"]
    assert services_asked("客服周六上班吗") == []  # customer service's hours, not Saturday delivery
    assert [name for name, _ in services_asked("周六能送货吗")] == ["weekend delivery"]
    assert "登山杖" in key_terms("碳纤维登山杖保修几年")


def test_markdown_bold_is_read_as_plain_text():
    chunk = Chunk(id="doc:1", kind="document", source="policies/registry.md", title="Registry",
                  text="Gifts can be returned within **180 days of delivery**, instead of 60 days.")
    [sentence] = sentences_of([Passage(chunk=chunk, score=1.0, similarity=1.0, rank=1)])
    assert sentence.text == "Gifts can be returned within 180 days of delivery, instead of 60 days."


def test_words_between_a_name_and_its_kind_describe_the_product_named():
    question = "Nightfall 20 那个羽绒睡袋能扛多少度？"
    assert _kind_after_name(question, "Nightfall 20 Down Sleeping Bag", "羽绒")
    assert not _kind_after_name(question, "Nightfall 20 Down Sleeping Bag", "多少度")
    assert "temperature" in synonyms("多少度")
