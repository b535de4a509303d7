"""Variants named by a shade code or a size in Chinese, a fact that a product is free of something, a second part
that asks about the first part's product, and an aside that says nothing of a condition (tuned on dev22/store16)."""

from __future__ import annotations

from rag.conversation import Turn
from rag.embedding import EmbedderSet, load_embedder
from rag.filters import stated_size
from rag.models import Passage
from rag.product_record import Product, Variant
from rag.reader import Reader, ReaderThresholds, _direct
from rag.reader.conditions import asked_variant_state
from rag.reader.evidence import sentences_of
from rag.reader.question import analyse, key_terms
from tests.fakes import FAKE_EMBEDDER
from tests.unit.test_reader_logic import _scored, passage

FOUNDATION = Product(sku="KS-1", title="Longwear Matte Foundation 30 ml", price=58, variants=[
    Variant(sku="KS-1-5W", color="5W Golden Tan", size="30 ml", stock=0),
    Variant(sku="KS-1-5N", color="5N Tan", size="30 ml", stock=4)])
RING = Product(sku="MF-3", title="Aria Solitaire Ring", price=5200, variants=[
    Variant(sku="MF-3-6", color="Platinum", size="US 6", stock=0),
    Variant(sku="MF-3-7", color="Platinum", size="US 7", stock=2)])


def test_a_shade_is_named_by_its_code_alone():
    assert asked_variant_state("ugh ok. is 5N in stock then?", FOUNDATION) == "in stock"
    assert asked_variant_state("and 5W?", FOUNDATION) == "out of stock"


def test_a_size_in_chinese_may_be_written_with_hao_and_a_size_may_carry_its_region():
    assert stated_size("6号还有货吗？") == "6"
    assert stated_size("12月6号能发货吗") is None  # a date, not a size
    assert asked_variant_state("6号还有货吗？", RING) == "out of stock"
    assert asked_variant_state("do you have it in a size 7?", RING) == "in stock"


def test_a_fact_that_a_product_is_free_of_something_answers_whether_it_has_it():
    [fact] = [s for s in sentences_of([passage("Fragrance free: Yes.", kind="product", title="Milk Cleanser")])]
    fact.field_label = "Fragrance free"
    assert _direct(analyse("里面有加香精吗？").parts[0], _scored(fact), 0.3) == "no"
    assert _direct(analyse("does it contain fragrance?").parts[0], _scored(fact), 0.3) == "no"
    assert _direct(analyse("is it fragrance free?").parts[0], _scored(fact), 0.3) == "yes"


def test_an_aside_in_brackets_says_nothing_of_the_amount_condition():
    [rule] = sentences_of([passage("Standard delivery costs $12.95 and is free on orders of $120 or more "
                                   "(the $79 threshold does not apply).", title="Shipping")])
    part = analyse("I'm in a remote postcode. If I spend $85 do I still get free shipping?").parts[0]
    assert _direct(part, _scored(rule), 0.3) == "no"


def test_reflexive_pronouns_are_no_key_terms():
    assert key_terms("how heavy is the bag itself") == ["heavy", "bag"]


def test_a_later_part_the_passages_cannot_answer_alone_asks_about_the_first_parts_product():
    chunk_text = "Travel Carry-On 40 (SKU BP-1). Laptop sleeve: 15 inch. Weight: 1.6 kg. Warranty: 5 years."
    product = passage(chunk_text, kind="product", title="Travel Carry-On 40")
    product = Passage(chunk=product.chunk, score=0.9, similarity=0.6, rank=1, exact_match=True)
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: 1 for t in terms}, 200,
                    ReaderThresholds(min_similarity=0.0), kind_categories={"bag": "backpacks"})
    first, second = reader.read("what size laptop fits in the travel carry-on 40 and how heavy is the bag itself",
                                [product]).findings
    assert first.answerable and "Laptop sleeve" in first.evidence[0].sentence.text
    assert second.answerable and "Weight" in second.evidence[0].sentence.text
    assert second.part.subject.startswith("what size laptop")


def test_the_version_with_a_mark_is_compared_with_the_product_in_focus():
    from tests.unit.test_reading_round28 import resolver

    shoe = [Turn(question="what colours does the Ridge Runner Trail Shoe come in", products=[("S1", "Ridge Runner Trail Shoe")])]
    heavier = resolver().resolve("is the waterproof version any heavier? trying to keep weight down", shoe)
    assert heavier.product == ("S2", "Ridge Runner GTX Trail Shoe")
    assert heavier.question.startswith("is the Ridge Runner GTX Trail Shoe any heavier than the Ridge Runner Trail Shoe?")


def test_a_better_product_is_found_for_a_product_a_remark_named():
    from tests.unit.test_reading_round28 import resolver

    remark = [Turn(question="I'm thinking of getting the Summit 45 Backpack", products=[])]  # no card was shown
    bigger = resolver().resolve("is there a bigger one? how much", remark)
    assert bigger.product == ("B2", "Summit 65 Backpack")
    assert bigger.question == "is there a bigger one? how much (Summit 65 Backpack)?"  # the remark asked nothing


def test_a_mark_of_two_words_is_written_with_a_hyphen_too():
    from rag.conversation import _has_mark
    from rag.language import SIBLING_BY_QUALITY

    assert SIBLING_BY_QUALITY.search("is there a lab grown version of that one?").group("mark") == "lab grown"
    ring = Product(sku="R2", title="Celeste Halo Ring, 2.00 ct Lab-Grown Oval, Platinum", price=3800)
    assert _has_mark(ring, "lab grown") and not _has_mark(ring.model_copy(update={"title": "Celeste Halo Ring"}), "lab grown")


def test_an_attribute_named_with_its_unit_states_a_measure():
    from rag.constraints import product_measures

    travel = Product(sku="K2", title="Daily Fluid SPF 50+ Travel Size 20 ml", price=14, attributes={"volume_ml": "20"})
    assert product_measures(travel)["volume"] == (0.02, 0.02)


def test_a_yes_no_question_with_a_case_is_answered_by_the_sentence_that_speaks_to_the_case():
    from tests.unit.test_reading_round34 import _reader

    window, shipped = sentences_of([
        passage("You can cancel an order within 60 minutes of placing it.", section="Cancelling", title="Order changes"),
        passage("An order that has shipped cannot be cancelled.", section="Orders that have shipped", title="Order changes")])
    part = analyse("Can I cancel an order I placed this morning if it's already shipped?").parts[0]
    best, case = _scored(window, 0.56, ["morning", "already", "shipped"]), _scored(shipped, 0.6, ["placed", "morning", "already"])
    case.score = best.score - 0.05  # nearly as good
    assert _reader()._for_the_case(part, ["already", "shipped"], [best, case], best) is case
    case.score = best.score - 0.3  # too far behind
    assert _reader()._for_the_case(part, ["already", "shipped"], [best, case], best) is best


def test_changing_is_said_in_chinese_too():
    from rag.language import synonyms

    assert {"改", "修改", "更改"} <= synonyms("change") and "收货地址" in synonyms("shipping address")


def test_wanting_to_buy_something_and_asking_whether_it_can_be_sent_is_no_search():
    from types import SimpleNamespace

    from rag.assistant import Assistant
    from rag.filters import Filters, Vocabulary

    store = SimpleNamespace(vocabulary=Vocabulary(categories=("Fragrance", "Watches"), brands=(), colors=(),
                                                  kinds=("perfume", "watch")))
    assert not Assistant._is_shopping(store, "我在墨西哥，想买你们的二手手表，能寄过来吗？", Filters())
    assert Assistant._is_shopping(store, "我在墨西哥，想买你们的二手手表", Filters())
    assert Assistant._is_shopping(store, "想买块手表，有推荐吗？", Filters())
