"""Chinese names of kinds an English catalog sells, model numbers and storage sizes that are no prices, cities of
more countries, payment methods offered elsewhere, and the exception a follow-up's case points to, after the
dev20/store14 splits."""

from __future__ import annotations

from rag.constraints import measure_bounds
from rag.conversation import FollowUpResolver, Turn
from rag.embedding import EmbedderSet, load_embedder
from rag.filters import Vocabulary, stated_constraints
from rag.language import entities, product_kinds, synonyms
from rag.reader import Reader, ReaderThresholds
from rag.reader.question import kind_of
from tests.fakes import FAKE_EMBEDDER
from tests.unit.test_reader_logic import passage

NO_VOCABULARY = Vocabulary(categories=(), brands=(), colors=())


def test_a_lens_named_by_its_focal_range_has_no_price_range():
    assert stated_constraints("what filter size do i need for the 70-200 f4 kestrel lens", NO_VOCABULARY) == {}
    # with a currency, or said with "between", it is a budget
    assert stated_constraints("a tent $100-200", NO_VOCABULARY) == {"min_price": 100.0, "max_price": 200.0}
    assert stated_constraints("between 100 and 200", NO_VOCABULARY) == {"min_price": 100.0, "max_price": 200.0}


def test_euros_said_in_one_chinese_character_are_a_price():
    assert stated_constraints("推荐个黑色的相机包，150欧以内", NO_VOCABULARY)["max_price"] == 150.0
    assert "max_price" not in stated_constraints("寄到欧洲以内多少钱", NO_VOCABULARY)


def test_gigabytes_are_a_measure_not_a_price():
    assert stated_constraints("SD card, at least 128GB, for 4K video", NO_VOCABULARY) == {}
    [bound] = measure_bounds("SD card, at least 128GB, for 4K video")
    assert (bound.measure, bound.low, bound.high) == ("storage", 128.0, None)
    assert measure_bounds("a 1TB card")[0].low == 1000.0


def test_cities_name_their_country_and_a_country_its_union():
    assert entities("I live in Zurich and my order is €250")["place"] == {"Switzerland"}
    assert entities("寄到苏黎世要多久")["place"] == {"Switzerland"}
    assert entities("Shipping to Greece")["place"] == {"Greece"}
    assert entities("ordering from Vienna")["place"] == {"Austria"}


def test_chinese_kinds_name_english_ones_and_a_kind_before_another_noun_only_describes_it():
    assert product_kinds("想买个无人机，最好是不用考A1/A3证的那种") == ["无人机"]
    assert "drone" in synonyms("无人机") and "camera" in synonyms("相机")
    assert product_kinds("推荐个黑色的相机包") == ["相机包"]  # a camera bag, not a camera
    assert product_kinds("想买个能定时的植物灯") == ["植物灯"]  # a grow light is no plant
    assert product_kinds("有没有帐篷垫") == []  # nor a tent's footprint a tent
    assert product_kinds("有没有二手相机") == ["相机"]
    assert "used" in synonyms("二手")


def test_how_much_off_asks_for_an_amount():
    assert kind_of("how much off lenses?") == "amount"
    assert kind_of("how much discount do students get?") == "amount"
    assert kind_of("how much fill does it have?") != "amount"


def test_a_chinese_can_i_use_it_carries_the_topic_asked_before():
    resolver = FollowUpResolver(find_product=lambda text: None, asks_for_product_fact=lambda text: False)
    history = [Turn(question="Klarna分期是怎么算的？", products=[])]
    resolution = resolver.resolve("我人在加拿大，能用吗", history)
    assert resolution.rewritten and "klarna" in resolution.question.lower()


def _reader() -> Reader:
    return Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: 1 for t in terms}, 200, ReaderThresholds())


def test_a_payment_method_offered_in_other_places_answers_no_for_this_one():
    passages = [
        passage("Klarna: pay in 30 days or in 3 instalments: available for Netherlands, Belgium, Germany.",
                section="Payment methods", title="Payment"),
        passage("Credit card: available for All zones.", section="Payment methods", title="Payment"),
    ]
    finding = _reader().read("Can I pay with Klarna? I'm ordering from Austria.", passages).findings[0]
    assert finding.answerable and finding.direct == "no"
    assert "Klarna" in finding.evidence[0].sentence.text


def test_the_exception_for_the_shoppers_case_answers_how_long_not_a_duration_under_the_same_heading():
    passages = [
        passage("You can cancel an order within 60 minutes of placing it. Place a second order instead; if both "
                "orders qualify for free shipping, support will refund the second shipping charge within 24 hours.",
                section="Cancelling an order", title="Order changes"),
        passage("An order that has shipped cannot be cancelled. You can return it within 30 days of delivery.",
                section="Cancelling an order", title="Order changes"),
    ]
    finding = _reader().read("how long do i have to cancel an order if it already shipped?", passages).findings[0]
    assert finding.evidence[0].sentence.text == "An order that has shipped cannot be cancelled."


def test_a_sentence_under_a_heading_that_names_the_place_speaks_for_it():
    passages = [
        passage("Zone 1: Netherlands; standard delivery 1-2 working days; fee €4.95.", section="Zones", title="Shipping"),
        passage("Order and pay before 14:00 CET and your order is delivered the same evening by courier.",
                section="Same-day courier in Amsterdam", title="Shipping"),
    ]
    finding = _reader().read("whats the cutoff for same day delivery in amsterdam", passages).findings[0]
    assert "14:00" in finding.evidence[0].sentence.text


def test_each_part_of_a_two_part_question_is_searched_with_the_subject_it_points_to():
    from rag.assistant import Assistant

    searched = Assistant._parts_searched("whats the cutoff for same day delivery in amsterdam and how much is it", None)
    assert searched == ["whats the cutoff for same day delivery in amsterdam",
                        "whats the cutoff for same day delivery in amsterdam how much is it"]
    assert Assistant._parts_searched("how much is the Kestrel Z5?", None) == []


def test_a_used_listing_is_named_only_when_used_is_asked_for():
    from rag.conversation import _second_hand
    from rag.language import MODEL_CODE

    assert _second_hand("Kestrel Z5 Body (Used, Grade C)") and _second_hand("二手相机") and _second_hand("a pre-owned watch")
    assert not _second_hand("Kestrel Z5 Mirrorless Camera Body") and not _second_hand("how useful is it?")
    assert MODEL_CODE.fullmatch("z5") and MODEL_CODE.fullmatch("x-m2") and not MODEL_CODE.fullmatch("kestrel")
    assert not MODEL_CODE.fullmatch("2000")


def test_a_thing_of_the_shoppers_own_is_no_product_search():
    from rag.language import ALREADY_BOUGHT

    assert ALREADY_BOUGHT.search("I want to trade in an old lens of mine")
    assert not ALREADY_BOUGHT.search("I want a lens for portraits")


def test_a_refund_sent_to_a_gift_card_does_not_go_back_to_the_shoppers_card():
    from rag.language import refund_destination
    from rag.reader import _goes_elsewhere

    question = "I paid with a gift card. If I return stuff does the money go back to my bank card?"
    assert refund_destination(question) == "card"  # where it goes, not how it was paid
    assert refund_destination("Purchases paid with a gift card are refunded to a new gift card.") == "gift card"
    assert refund_destination("退款会退回到我的信用卡吗") == "card"
    assert _goes_elsewhere(question, "Purchases paid with a gift card are refunded to a new gift card.")
    # the original payment method may well be the card
    assert not _goes_elsewhere(question, "Refunds go back to your original payment method within 5 business days.")
    finding = _reader().read("I paid with a gift card, will the refund go back to my card?", [
        passage("Purchases paid with a gift card are refunded to a new gift card.", section="Refunds")]).findings[0]
    assert finding.direct == "no"


def test_the_clause_about_the_shoppers_place_says_who_pays():
    passages = [passage("美国境内订单免费退货；美国境外订单的退货运费由顾客承担。", section="退货运费", title="退货政策")]
    finding = _reader().read("我在杭州，退货运费是你们出吗？", passages).findings[0]
    assert finding.direct == "no"
    finding = _reader().read("我在纽约，退货运费是你们出吗？", passages).findings[0]
    assert finding.direct != "no"


def test_duties_included_at_checkout_answer_no_to_paying_them_on_arrival():
    from rag.reader import _says_the_opposite
    from rag.reader.question import analyse

    [part] = analyse("我在多伦多，包裹到了还需要另外交关税吗？").parts
    assert _says_the_opposite(part, "加拿大订单的关税已包含在结账金额中。")
    assert not _says_the_opposite(part, "加拿大订单的关税由收件人支付。")


def test_only_standard_shipping_is_yes_to_shipping_there_and_no_to_express():
    passages = [passage("We ship to PO boxes and APO/FPO addresses with Standard shipping only.", section="Addresses",
                        title="Shipping")]
    assert _reader().read("My husband is deployed, do you ship to APO addresses?", passages).findings[0].direct == "yes"
    assert _reader().read("can I get express shipping to an APO address?", passages).findings[0].direct == "no"


def test_the_same_price_answers_no_to_more_expensive():
    passages = [passage("Expedited and Express are available to Alaska and Hawaii for the same prices as the contiguous "
                        "states.", section="Alaska and Hawaii", title="Shipping")]
    assert _reader().read("Is express more expensive if I live in Hawaii?", passages).findings[0].direct == "no"


def test_a_second_part_with_its_own_policy_word_keeps_its_own_subject():
    from rag.reader.question import analyse

    question = analyse("How long does standard shipping take inside the US, and how long do I have to return stuff?")
    assert question.parts[1].subject == "" and "shipping" not in question.parts[1].terms
    # a part that only points back keeps the first part's subject, and so does one on the same rule
    assert analyse("What does express shipping cost and how long does it take?").parts[1].subject
    assert analyse("寄小件包裹到加拿大运费多少？满多少免运费？").parts[1].entities.get("place") == {"Canada"}


def test_the_place_a_shopper_writes_is_read_as_written():
    from rag.language import CITY_NAMES, place_aliases

    assert place_aliases("whats the cutoff for same day delivery in amsterdam") == {"amsterdam"}
    assert place_aliases("Same-day courier in Amsterdam") == {"amsterdam"}
    assert place_aliases("Zone 1: Netherlands") == {"netherlands"}
    assert "amsterdam" in CITY_NAMES and "netherlands" not in CITY_NAMES


def test_a_count_the_question_bounds_is_checked_against_the_fact():
    from rag.reader.conditions import count_bound_holds

    assert count_bound_holds("does the combo come with more than one battery??", " 3 (each 62.6 Wh)") is True
    assert count_bound_holds("does it have at least 4 pockets?", " 3") is False
    assert count_bound_holds("is it over 2 kg?", " 950 g") is None  # a measure, not a count
    assert count_bound_holds("does it come with a battery?", " 3") is None


def test_the_fact_named_for_what_is_asked_answers_before_one_that_mentions_it():
    binoculars = passage("Halden Explorer 8x42 ED Binoculars (SKU LW-8001) by Halden.\nA compact roof-prism pair. Nitrogen-filled and "
                         "fully waterproof.\nIn the box: Case, neck strap, rain guard, objective caps.\n"
                         "Waterproof: Yes, nitrogen-filled (1 m submersion).", kind="product", title="Halden Explorer 8x42 ED Binoculars")
    finding = _reader().read("are the Halden Explorer 8x42 binoculars waterproof in the rain?", [binoculars]).findings[0]
    assert finding.evidence[0].sentence.field_label.lower().startswith("waterproof")


def test_free_shipping_from_an_amount_is_a_condition_on_the_shoppers_amount():
    from rag.reader.conditions import amount_condition_holds

    zone = "Zone 4: United Kingdom, Switzerland; standard delivery 3–7 working days; free standard shipping from €350."
    assert amount_condition_holds("I live in Zurich and my order is €250. Do I get free shipping?", zone) is False
    assert amount_condition_holds("my order is €400, is shipping free?", zone) is True
    assert amount_condition_holds("can I use Klarna for €2,000?", "Klarna: orders from €35 to €1,500.") is False


def test_only_restricts_what_it_names():
    from rag.reader import _restriction_concerns
    from rag.reader.question import analyse

    sentence = "We ship to PO boxes and APO/FPO addresses with Standard shipping only."
    assert not _restriction_concerns(analyse("do you ship to APO addresses?").parts[0], sentence)
    assert _restriction_concerns(analyse("can I get express to an APO address?").parts[0], sentence)
    assert _restriction_concerns(analyse("can i stack two discount codes?").parts[0], "Only one discount code per order.")


def test_an_order_named_in_passing_is_no_topic_of_its_own():
    resolver = FollowUpResolver(find_product=lambda text: None, asks_for_product_fact=lambda text: False)
    history = [Turn(question="What does Express shipping cost?", products=[])]
    resolution = resolver.resolve("can i use that for an order going to a PO box?", history)
    assert "express" in resolution.question.lower()
