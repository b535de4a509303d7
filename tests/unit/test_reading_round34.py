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
