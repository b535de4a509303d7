"""The conditions a policy sentence sets, checked against the shopper's own case, and the reader's other new rules."""

from __future__ import annotations

import pytest

from rag.embedding import EmbedderSet, load_embedder
from rag.models import Passage
from rag.product_record import Product, Variant
from rag.reader import (
    Reader,
    ReaderThresholds,
    _case_terms,
    _contrary,
    _direct,
    _kind_after_name,
    _measure_of,
    _needs_previous,
)
from rag.reader.conditions import (
    amount_condition_holds,
    asked_variant_state,
    comparison_holds,
    only_if_holds,
    shopper_timeline,
    window_condition,
    window_holds,
)
from rag.reader.evidence import TermIndex, coverage, sentences_of, stem
from rag.reader.question import analyse, comparison_sides, key_terms, split_comparison
from tests.fakes import FAKE_EMBEDDER
from tests.unit.test_reader_logic import _scored, passage

HOLIDAY = "Holiday purchases made between November 1 and December 24 can be returned until January 31 of the following year."
WINDOW = "You can return most items within 30 days of delivery for a full refund."


def test_the_shoppers_dates_follow_one_another_into_the_next_year():
    timeline = shopper_timeline("I bought a fleece on Nov 28, it was delivered Dec 2. It's Jan 15 now - too late?")
    assert (timeline.bought.month, timeline.received.month, timeline.today.month) == (11, 12, 1)
    assert timeline.today.year == timeline.received.year + 1
    assert timeline.since_delivery == 44
    assert shopper_timeline("can I still return it after five weeks?").elapsed_days == 35
    assert shopper_timeline("I've had it 4 months").elapsed_days == 120
    chinese = shopper_timeline("我12月10号买的，12月14号收到的，现在都1月20号了")
    assert chinese.since_delivery == 37


def test_a_time_window_is_checked_against_the_shoppers_case():
    assert window_holds("can I still return it after five weeks?", WINDOW) is False
    assert window_holds("it arrived 10 days ago, can I return it?", WINDOW) is True
    assert window_holds("can I return it?", WINDOW) is None  # nothing said about when
    late = "I bought it on Nov 28, delivered Dec 2. It's Jan 15 now, can I return it?"
    assert window_holds(late, HOLIDAY) is True and window_holds(late, WINDOW) is False
    october = "Bought it Oct 20, it arrived Oct 25. Today is Dec 1, can I return it?"
    assert window_holds(october, HOLIDAY) is None  # the holiday rule is for other purchases
    assert window_holds("Bought on Dec 3, it arrived Dec 6, today is Feb 20", HOLIDAY) is False
    # The rule for some purchases speaks before the general one.
    assert window_condition(late, [WINDOW, HOLIDAY]) == (1, True)
    assert window_condition("can I return it?", [WINDOW]) is None


def test_amount_conditions():
    assert amount_condition_holds("is $120 enough for free shipping?", "Free on orders of $150 or more.") is False
    assert amount_condition_holds("klarna on a $1,250 cart?", "Split orders between $50 and $1,000.") is False
    assert amount_condition_holds("这次买了 180 美元，能免运费吗？", "订单满 200 美元免运费。") is False
    assert amount_condition_holds("free shipping?", "Free on orders of $150 or more.") is None


def test_direct_answer_from_the_window_and_a_too_late_question_is_the_negative():
    part = analyse("I bought it on Nov 28, delivered Dec 2. It's Jan 15 now — is it too late to return it?").parts[0]
    assert part.negated
    holiday = sentences_of([passage(HOLIDAY)])[0]
    window = sentences_of([passage(WINDOW)])[0]
    assert _direct(part, _scored(holiday), 0.3, [_scored(window), _scored(holiday)]) == "no"
    late = analyse("can I still return it after five weeks?").parts[0]
    assert _direct(late, _scored(window), 0.3, [_scored(window)]) == "no"


def test_the_contrary_of_what_is_asked_does_not_answer():
    part = analyse("What's the runtime of the Beacon 900 on its highest setting?").parts[0]
    low = sentences_of([passage("Runtime: 60 hours on low.", kind="product", title="Beacon 900")])[0]
    high = sentences_of([passage("Runtime: 4 hours on high.", kind="product", title="Beacon 900")])[0]
    assert _contrary(part, low, TermIndex(low.searchable))
    assert not _contrary(part, high, TermIndex(high.searchable))


def test_words_typed_without_apostrophes_and_possessives():
    assert key_terms("so I cant return a gas canister") == ["return", "gas", "canister"]
    assert "store" not in key_terms("Will you match another store's deal?")
    assert "am" not in key_terms("am I too late to return it?")
    assert TermIndex("We match the retailer's price.").covers("retailer")


def test_a_question_of_only_a_name_the_store_writes_otherwise_is_covered():
    index = TermIndex("We accept Visa, Mastercard and American Express.")
    assert coverage(["amex"], {"amex": 0.0}, index)[0] > 0.5


def test_a_later_part_that_leaves_out_its_subject_takes_the_first_parts():
    price = analyse("Winter Expedition 睡袋的温标是多少？价格呢？").parts[1]
    assert price.focus == ["价格"] and "睡袋" in price.terms
    assert "Winter Expedition" in price.readable


def test_only_a_question_that_is_all_names_skips_the_similarity_floor():
    from rag import language
    assert all(language.names_entity(t) for t in analyse("do u take amex").parts[0].terms)
    assert not all(language.names_entity(t) for t in analyse("What is the capital of France?").parts[0].terms)


BOOT = Product(sku="FW-1", title="Basecamp Boot", price=159, variants=[
    Variant(sku="FW-1-B-9", color="Black", size="9", stock=3), Variant(sku="FW-1-B-10", color="Black", size="10", stock=0),
    Variant(sku="FW-1-N-10", color="Navy", size="10", stock=4)])


@pytest.mark.parametrize("question, state", [
    ("Basecamp Boot, black, size 10 - got any?", "out of stock"),
    ("navy in a size 10?", "in stock"),
    ("黑色的9码还有货吗？", "in stock"),
    ("do you have it in orange?", "out of stock"),  # a colour it does not come in
    ("in size 13?", "out of stock"),  # a size it does not come in
    ("is the Basecamp Boot in stock?", None),  # nothing asked beyond the product, and some of it is in stock
])
def test_asked_variant_state_reads_the_variants(question, state):
    assert asked_variant_state(question, BOOT) == state


def test_asked_variant_state_of_a_sold_out_product_is_out_of_stock():
    sold_out = BOOT.model_copy(update={"variants": [v.model_copy(update={"stock": 0}) for v in BOOT.variants]})
    assert asked_variant_state("Can I order the Basecamp Boot at the moment?", sold_out) == "out of stock"


@pytest.mark.parametrize("question, holds", [
    ("If you guys ship me the wrong item, do I get my original shipping cost back too?", True),
    ("It arrived damaged. Is the shipping refunded?", True),
    ("I changed my mind about a jacket, do I get the original shipping back?", False),
])
def test_an_only_if_condition_is_checked_against_the_shoppers_case(question, holds):
    rule = "Original shipping charges are refunded only if the item arrived damaged or we sent the wrong item."
    assert only_if_holds(question, rule) is holds
    assert only_if_holds(question, "Original shipping charges are refunded.") is None


def test_a_yes_no_comparison_is_decided_by_the_two_values_in_the_order_asked():
    question = "Is the warranty on the book light longer than the one on the leather dice tray?"
    assert comparison_holds(question, ["2 years", "1 year"]) is True
    assert comparison_holds(question, ["6 months", "1 year"]) is False
    assert comparison_holds("Is the Horizon 2 lighter than the Horizon 3?", ["1.6 kg", "1900 g"]) is True
    assert comparison_holds("Which is lighter, the Horizon 2 or the 3?", ["1.6 kg", "1900 g"]) is None  # not yes/no


@pytest.mark.parametrize("question, sides", [
    ("Is Banff in Autumn heavier than Vintage Library Shelves?", ["Banff in Autumn", "Vintage Library Shelves"]),
    ("Does the Horizon 2 weigh less than the Horizon 3?", ["Horizon 2", "the Horizon 3"]),
    ("is the Ridge Runner lighter than the GTX?", ["Ridge Runner", "the GTX"]),  # a name ending in -er keeps it
])
def test_a_yes_no_comparison_names_its_two_sides_without_the_comparative(question, sides):
    assert comparison_sides(question) == sides


def test_a_past_tense_covers_the_word_asked():
    assert stem("added") == stem("add") and stem("shipped") == stem("ship") and stem("called") == "call"
    assert TermIndex("Items cannot be added to an order that has been placed.").covers("add")


def test_a_number_asked_against_the_numbers_a_sentence_lists():
    from rag.reader.conditions import listed_choice_holds

    rule = "You can choose a delivery every 4, 6, 8 or 12 weeks."
    assert listed_choice_holds("Can it come every 6 weeks?", rule) is True
    assert listed_choice_holds("Can I get it every 5 weeks?", rule) is False
    assert listed_choice_holds("Can I get it every 5 weeks?", "Deliveries are free.") is None


def test_yes_or_no_values_with_a_note_and_amounts_written_apart():
    from rag.language import flag

    assert flag("no (contains lanolin)") is False and flag("Yes") is True and flag("12M") is None
    assert TermIndex("Larkspur No.1 Eau de Parfum 100 ml").covers("100ml")
    assert not TermIndex("Larkspur No.1 Eau de Parfum 50 ml").covers("100ml")


def test_an_even_if_rule_sets_the_exception_aside():
    from rag.reader import _override

    hygiene = _scored(sentences_of([passage("Eye creams cannot be returned once opened.")])[0], 0.6, ("rash",))
    hygiene.score = 0.77
    reaction = _scored(sentences_of([passage("We refund a product that caused a reaction, even if it is opened.")])[0], 0.4)
    reaction.score = 0.65
    assert _override([hygiene, reaction], keep_margin=0.15) is reaction
    reaction.score = 0.5  # too far behind
    assert _override([hygiene, reaction], keep_margin=0.15) is None


def test_a_fact_speaks_to_the_values_other_products_give_it():
    def product_passage(title: str, text: str) -> Passage:
        return passage(text, kind="product", title=title)

    found = sentences_of([product_passage("Ridge Runner", "Width: regular, wide."),
                          product_passage("Ridge Runner GTX", "Width: regular.")])
    assert found[1].choices == "wide" and found[0].choices == ""
    part = analyse("Does the Ridge Runner GTX come in wide?").parts[0]
    assert _direct(part, _scored(found[1]), 0.3) == "no"


def test_chinese_words_are_said_by_all_their_pieces_and_already_is_not_before():
    assert TermIndex("分期付款，每两周一次").covers("分期付款")
    assert not TermIndex("中国顾客可以使用支付宝付款。").covers("分期付款")
    part = analyse("Can I cancel an order if it already shipped?").parts[0]
    before = sentences_of([passage("We will try to stop it before it ships.")])[0]
    assert _contrary(part, before, TermIndex(before.searchable))
    both = analyse("Does it work for something I've already bought, or only before?").parts[0]
    assert not _contrary(both, before, TermIndex(before.searchable))


def test_a_question_for_a_service_the_passages_do_not_name_is_refused():
    from rag.embedding import EmbedderSet, load_embedder
    from rag.reader import Reader
    from tests.fakes import FAKE_EMBEDDER

    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: 1 for t in terms}, 10)
    passages = [passage("Only one discount code can be used per order. Discount codes cannot be used on gift cards.")]
    finding = reader.read("Do you do a student discount?", passages).findings[0]
    assert not finding.answerable and "student discount" in finding.reason
    passages.append(passage("Students get 10% off every order with a verified student email."))
    named = reader.read("Do you do a student discount?", passages).findings[0]
    assert "student discount" not in named.reason  # the service check passes; the rest is up to the other signals


def test_currencies_places_offered_in_and_a_question_without_its_mark():
    from rag.reader import _restricted_elsewhere

    assert TermIndex("Bud: 1 point per £1 spent.").covers("pound")
    part = analyse("我住在美国，可以用 Klarna 分期付款吗？").parts[0]
    offered = sentences_of([passage("Klarna is available to shoppers with a billing address in the UK or Ireland.")])[0]
    assert _restricted_elsewhere(part, offered)
    assert [p.text for p in analyse("What does the Hedgerow perfume smell like? what are the notes").parts][1:] == [
        "what are the notes"]


def test_a_finished_statement_before_the_question_asks_nothing():
    from rag.reader.question import asking_clause

    assert asking_clause("A shop in Melbourne has the GPS watch cheaper than you. Price match?") == "Price match?"
    assert analyse("Ember Down Jacket vs Summit Parka - which one is lighter?").kind == "compare"


def test_a_colour_the_product_does_not_come_in_is_not_offered():
    from rag.reader.conditions import asked_variant_offered

    jacket = Product(sku="J", title="Squall Anorak", price=95.0, variants=[
        Variant(sku="J-Y", color="Yellow", size="M", stock=3), Variant(sku="J-O", color="Orange", size="M", stock=0)])
    assert not asked_variant_offered("does it come in blue?", jacket)
    assert asked_variant_offered("is the orange one in stock?", jacket)
    assert asked_variant_state("is the orange one in stock?", jacket) == "out of stock"


def test_a_products_own_size_names_and_a_colour_inside_a_variant_name_are_the_variant_asked():
    bed = Product(sku="B-1", title="Sawyer Bed", price=1049.0, variants=[
        Variant(sku="B-1-Q", color="Natural Oak", size="Queen", stock=2),
        Variant(sku="B-1-K", color="Natural Oak", size="King", stock=0)])
    assert asked_variant_state("King 尺寸有货吗？", bed) == "out of stock"
    assert asked_variant_state("is the queen in stock?", bed) == "in stock"
    rug = Product(sku="R-1", title="Solano Rug", price=179.0, variants=[
        Variant(sku="R-1-N", color="Navy Stripe", stock=0), Variant(sku="R-1-S", color="Sand", stock=13)])
    assert asked_variant_state("is the navy one in stock?", rug) == "out of stock"


@pytest.mark.parametrize("question, sentence", [
    ("is there a fee to exchange for another size?", "Exchanges for a different size or colour of the same item are free."),
    ("换个尺码要收费吗", "同一商品更换尺码或颜色免费。"),
])
def test_a_fee_asked_about_is_answered_no_by_a_sentence_that_says_free(question, sentence):
    part = analyse(question).parts[0]
    assert _direct(part, _scored(sentences_of([passage(sentence)])[0]), 0.3) == "no"


@pytest.mark.parametrize("question, options", [
    ("express vs standard in the US - how many days each?",
     [["express", "us", "days"], ["standard", "us", "days"]]),
    ("How does the warranty on shoes compare to the one on backpacks?", [["warranty", "shoes"], ["backpacks", "warranty"]]),
    ("is the warranty longer on tents or on jackets?", [["warranty", "tents"], ["jackets", "warranty"]]),
    ("express or expedited shipping, which is cheaper?", [["express", "shipping", "cheaper"],
                                                          ["expedited", "shipping", "cheaper"]]),
])
def test_a_comparison_of_two_options_asks_each_with_what_they_share(question, options):
    sides = [side for part in analyse(question).parts for side in split_comparison(part)]
    assert [side.terms for side in sides] == options
    # each side is the question without the other option's own words: it reads as a question of its own
    assert all(not any(term in side.text.lower().split() for term in other if term not in own)
               for side, own in zip(sides, options) for other in options if other is not own)


def test_the_case_after_a_how_to_question_is_no_part_of_what_it_asks():
    from rag.reader.question import asking_clause

    assert asking_clause("how do I file a claim if a pole snaps?") == "how do I file a claim?"
    assert asking_clause("can I return it if it is used?") == "can I return it if it is used?"  # the case decides


def test_a_fact_of_the_asked_label_says_yes_unless_it_says_the_product_lacks_it():
    part = analyse("does the Beacon 900 have a warranty?").parts[0]
    warranty = sentences_of([passage("Warranty: 1 year.", kind="product", title="Beacon 900")])[0]
    assert _direct(part, _scored(warranty), 0.3) == "yes"
    part = analyse("does the Horizon 2 have a footprint?").parts[0]
    footprint = sentences_of([passage("Footprint: sold separately.", kind="product", title="Horizon 2")])[0]
    assert _direct(part, _scored(footprint), 0.3) == "no"


def test_only_a_case_the_question_ends_on_is_the_shoppers_case():
    assert _case_terms("How long after ordering can I still cancel if it's already shipped?") == ["already", "shipped"]
    assert _case_terms("Once you've got my return back, how long until I see the money?") == []
    assert _case_terms("If I order on a Saturday, when does it leave the warehouse?") == []


def test_the_exception_for_the_shoppers_case_answers_a_how_long_question():
    passages = [passage("An order that has shipped cannot be cancelled. You can return it after delivery under our "
                        "returns policy, within 30 days of delivery.", section="Cancelling an order"),
                passage("You can cancel an order within 60 minutes of placing it.", section="Cancelling an order")]
    counts = {"after": 120, "ordering": 40, "cancel": 4, "shipped": 30, "already": 10}  # "after" is in most passages
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: counts[t] for t in terms if t in counts},
                    200, ReaderThresholds())
    finding = reader.read("How long after ordering can I still cancel if it's already shipped?", passages).findings[0]
    assert finding.answerable and finding.evidence[0].sentence.text == "An order that has shipped cannot be cancelled."
    assert "30 days" in finding.evidence[1].sentence.text  # what the shopper can do instead


def test_a_sentence_that_adds_to_the_one_before_needs_it():
    sentences = sentences_of([passage("Refunds go back within 5 business days. Your bank may take another 3 to 10 "
                                      "business days.", section="Refunds")])
    part = analyse("how long till I see my refund?").parts[0]
    assert _needs_previous(part, sentences[1]) and not _needs_previous(part, sentences[0])


def test_a_measure_that_names_the_product_is_no_aspect():
    assert _measure_of("45l", "Summit 45 Backpack. Capacity: 45 L.") and not _measure_of("65l", "Capacity: 45 L.")
    assert not _measure_of("warranty", "Warranty: 5 years.")


@pytest.mark.parametrize("question, parts", [
    ("how much is the Daybreak 22 and whats the warranty on it", 2),
    ("Do you ship to the UK? and who pays the import duties", 2),
    ("Is the Summit 45 waterproof? Going to Seattle.", 1),
])
def test_a_second_question_is_its_own_part(question, parts):
    assert len(analyse(question).parts) == parts


def test_a_place_one_part_asks_about_is_not_the_others_but_where_the_shopper_is_and_there_are():
    hawaii = analyse("how fast is express shipping and can I get it to Hawaii?").parts
    assert "place" not in hawaii[0].entities and hawaii[1].entities["place"]
    ohio = analyse("I'm in Ohio. How long do I have to send something back, and do I pay the return postage?").parts
    assert all(part.entities.get("place") for part in ohio)
    alaska = analyse("can I get express to Alaska, and how much is standard shipping there?").parts
    assert alaska[1].entities.get("place") == alaska[0].entities["place"]


def test_a_kind_said_right_after_the_name_is_part_of_it():
    assert _kind_after_name("Jetflow 炉头多少钱？", "Jetflow Cooking System", "炉头")
    assert _kind_after_name("how much is the jetflow stove", "Jetflow Cooking System", "stove")
    assert not _kind_after_name("does it come with bottles?", "Trail Running Vest 8", "bottles")


def test_a_yes_to_shipping_somewhere_comes_with_its_time_and_cost():
    shipping = passage("We ship to the United Kingdom, Australia and Japan. Delivery takes 7 to 14 business days and "
                       "costs $24.95.", section="International")
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {}, 200, ReaderThresholds())
    finding = reader.read("Do you ship to Japan?", [shipping]).findings[0]
    assert finding.direct == "yes" and "$24.95" in finding.evidence[-1].sentence.text


@pytest.mark.parametrize("question, parts", [
    ("Shield攀岩头盔多少钱，多重？", 2),
    ("寄到中国，多少钱？", 1),
])
def test_a_chinese_question_after_a_comma_that_ends_one_is_its_own_part(question, parts):
    assert len(analyse(question).parts) == parts
