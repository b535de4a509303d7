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


def test_the_regular_one_is_the_line_s_product_without_the_other_side_s_mark():
    from types import SimpleNamespace

    from rag.assistant import Assistant
    from rag.language import THE_REGULAR_ONE

    line = [Product(sku="J1", title="Cascade Rain Shell", price=89), Product(sku="J8", title="Cascade Rain Shell Women's", price=89)]
    store = SimpleNamespace(find_product=lambda text: ("J8", "Cascade Rain Shell Women's") if "women" in text.lower() else None,
                            resolver=SimpleNamespace(product_line=lambda title: line))
    assert THE_REGULAR_ONE.fullmatch("the regular one") and not THE_REGULAR_ONE.fullmatch("standard")
    assert Assistant._regular_of(store, "the women's Cascade rain shell") == ("J1", "Cascade Rain Shell")
    assert Assistant._regular_of(store, "the Beacon 400") is None  # names no product


def test_a_chinese_either_or_question_is_answered_only_by_a_sentence_that_names_one_of_them():
    from rag.reader import _choices_asked

    assert _choices_asked("Horizon 2 帐篷的帐杆是铝合金的还是碳纤维的？") == ["铝合金", "碳纤维"]
    assert _choices_asked("寄到美国要几天？") == []
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: 1 for t in terms}, 200,
                    ReaderThresholds(min_similarity=0.0, min_coverage=0.0))
    tent = "Horizon 2 帐篷。帐篷面料：20D 尼龙。帐篷重量：1.6 公斤。"
    finding = reader.read("Horizon 2 帐篷的帐杆是铝合金的还是碳纤维的？", [passage(tent, title="Horizon 2 帐篷")]).findings[0]
    assert not finding.answerable and "铝合金" in finding.reason
    named = reader.read("Horizon 2 帐篷的帐杆是铝合金的还是碳纤维的？",
                        [passage(tent + "帐杆：铝合金。", title="Horizon 2 帐篷")]).findings[0]
    assert "铝合金" not in named.reason


def test_a_follow_up_that_asks_its_own_question_after_a_case_is_no_new_subject():
    from rag.conversation import follow_up_subject

    assert follow_up_subject("and if i paid w a gift card how do i get the money back") is None
    assert follow_up_subject("and if I paid with a gift card?") == "if I paid with a gift card"


def test_a_window_or_a_period_asks_for_a_duration():
    from rag.reader.question import kind_of

    assert kind_of("what's your return window?") == "duration"
    assert kind_of("what is the warranty period on tents?") == "duration"
    assert kind_of("what's the return policy?") != "duration"


def test_a_rule_for_purchases_between_two_dates_speaks_for_a_purchase_made_then():
    from rag.reader.conditions import for_purchases_between, rule_for_purchase

    holiday = "Holiday purchases made between November 1 and December 24 can be returned until January 31."
    assert for_purchases_between(holiday) and not for_purchases_between("You can return most items within 30 days.")
    assert rule_for_purchase("bought a jacket as a gift on Nov 28, whats the last day to return it?", holiday)
    assert not rule_for_purchase("bought it on Jan 5, whats the last day to return it?", holiday)
    assert not rule_for_purchase("what's your return window?", holiday)


def test_each_sentence_is_read_on_its_own_for_a_problem_with_the_shoppers_order():
    from rag.intents import IntentRouter

    router = IntentRouter(load_embedder(FAKE_EMBEDDER), [("question", "how do returns work"), ("own_order", "my order is late")])
    own = "describes a problem with the shopper's own order or account"
    assert router.route("Two things: can I change my address after ordering, and can I still cancel?").reason != own
    assert router.route("When does my card get charged? And if my order comes in two boxes, do I get charged twice?"
                        ).reason != own
    assert router.route("How do refunds work? I was charged twice for my order last week.").reason == own


def test_the_clause_that_states_the_window_says_whether_the_case_is_covered():
    from rag.reader.conditions import window_clause, window_holds

    rule = ("What the warranty does not cover: Batteries in electronics after 6 months of use; a battery that holds "
            "less than 50% of its capacity within 6 months is covered.")
    assert window_clause(rule) == " a battery that holds less than 50% of its capacity within 6 months is covered."
    assert window_holds("my headlamp is 4 months old and the battery barely holds 40% now. warranty thing?", rule)
    [sentence] = sentences_of([passage(rule, title="Warranty")])
    part = analyse("my headlamp is 4 months old and the battery barely holds 40% now. is that a warranty thing?").parts[-1]
    assert _direct(part, _scored(sentence), 0.3) == "yes"


def test_the_day_the_shopper_would_send_it_back_is_the_day_the_rule_is_checked_on():
    from rag.reader.conditions import rule_for_purchase, window_holds

    holiday = "Items delivered between November 15 and December 31 can be returned until January 31 of the following year."
    question = "Bought a rug as a gift, it was delivered December 8th. Can I still return it on January 20?"
    assert window_holds(question, holiday) and rule_for_purchase(question, holiday)
