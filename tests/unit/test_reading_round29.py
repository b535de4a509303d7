"""Shopping in a store's own words, budgets, sizes and follow-ups added after the dev15/store9 splits."""

from __future__ import annotations

from rag.constraints import AttributeWishes
from rag.conversation import FollowUpResolver, Turn
from rag.filters import Vocabulary, parse_filters, stated_constraints
from rag.intents import _OWN
from rag.language import NOT_UNISEX, asks_for_product_fact, entities
from rag.models import Product
from rag.reader.question import analyse

PLANTS = Vocabulary(categories=("Houseplants", "Pots & Planters", "Grow Lights"), brands=(), colors=(),
                    kinds=("plant", "pot", "light"), category_words={"light": "Grow Lights"})


def item(sku: str, title: str, category: str, description: str = "", **attributes: str) -> Product:
    return Product(sku=sku, title=title, category=category, price=30, description=description, attributes=attributes)


PALM = item("P1", "Parlour Palm", "Houseplants", pet_safe="Yes", light_needs="Low to medium indirect", humidity="Medium")
FIG = item("P2", "Fiddle Leaf Fig", "Houseplants", pet_safe="No (toxic to cats and dogs)", light_needs="Bright indirect",
           humidity="Low to medium")
LAMP = item("L1", "Halo Ring Grow Light", "Grow Lights", "A clip-on light for a desk plant.", timer="4/8/12 h")
GLAZED = item("T1", "Kiln Ceramic Pot 15 cm", "Pots & Planters", material="Ceramic, matte glaze")
PLAIN = item("T2", "Classic Terracotta Pot 20 cm", "Pots & Planters", material="Unglazed terracotta")


def test_budgets_in_more_words():
    assert stated_constraints("rain jacket for my wife, size S, nothing over $150", PLANTS)["max_price"] == 150
    assert stated_constraints("推荐一顶双人四季帐篷，预算400美元", PLANTS)["max_price"] == 400
    assert stated_constraints("预算400美元左右的帐篷", PLANTS) == {"min_price": 320.0, "max_price": 480.0}
    assert stated_constraints("waterproof trail running shoes in a 9?", PLANTS)["size"] == "9"


def test_a_kind_of_product_the_store_sells_and_a_price_make_a_search():
    assert parse_filters("pet safe plant under $30? my cats chew everything", PLANTS).max_price == 30
    assert parse_filters("are orders under $75 shipped free?", PLANTS).is_empty()
    assert parse_filters("do you have the plant in a 9?", PLANTS).is_empty()  # a size alone asks about one product


def test_the_kind_asked_for_comes_from_the_stores_categories():
    wishes = AttributeWishes.read("need a plant that can handle low light, has to be safe for my dog", [PALM, FIG, LAMP])
    assert wishes.kinds == {"plant"} and wishes.flags == {"pet_safe"}
    assert dict(wishes.values) == {"light_needs": {"low"}}  # "low" of humidity is not what "low light" asks
    assert [p.sku for p in (PALM, FIG, LAMP) if not wishes.unmet_by(p)] == ["P1"]
    assert wishes.asked_part("need a plant that can handle low light") == "need a plant"
    glazed = AttributeWishes.read("any glazed pots with a drainage hole?", [GLAZED, PLAIN, PALM])
    assert [p.sku for p in (GLAZED, PLAIN, PALM) if not glazed.unmet_by(p)] == ["T1"]


def test_a_free_from_word_and_a_choice_of_two_kinds():
    toner = item("C1", "Milky Toner", "Toners", fragrance_free="yes")
    cream = item("C2", "Rich Cream", "Moisturisers", fragrance_free="yes")
    perfume = item("C3", "No.1 Eau de Parfum", "Fragrance")
    wishes = AttributeWishes.read("fragrance-free toner or moisturiser", [toner, cream, perfume])
    assert wishes.kinds == {"toner", "moisturiser"}
    assert [p.sku for p in (toner, cream, perfume) if not wishes.unmet_by(p)] == ["C1", "C2"]


def test_a_bound_after_or_is_no_comparison_and_a_named_topic_keeps_its_own_subject():
    assert analyse("Which packs 40 litres or bigger come with a rain cover?").kind != "compare"
    parts = analyse("when exactly does my card get charged? also do you take bitcoin").parts
    assert len(parts) == 2 and "card" not in parts[1].terms


def test_a_bare_chinese_question_after_a_topic_is_kept():
    assert [p.text for p in analyse("Horizon 3 Backpacking Tent呢，多重").parts] == ["Horizon 3 Backpacking Tent呢", "多重"]


def test_a_sibling_named_with_a_chinese_numeral():
    titles = {"T2": "Horizon 2 Backpacking Tent", "T3": "Horizon 3 Backpacking Tent"}

    def find(text: str):
        return next(((sku, t) for sku, t in titles.items() if t.lower() in text.lower()), None)

    tent = [Turn(question="Horizon 2 帐篷多重？", products=[("T2", titles["T2"])])]
    resolved = FollowUpResolver(find, asks_for_product_fact).resolve("三人的那款呢，多重", tent)
    assert resolved.product == ("T3", titles["T3"]) and "多重" in resolved.question


def test_a_cut_for_women_is_not_unisex_and_an_unknown_payment_is_handed_off():
    assert NOT_UNISEX.search("need a rain jacket for my wife, womens cut, size S")
    assert _OWN.search("the page timed out and now I can't find my order. was I charged or not?")
    assert not _OWN.search("will I be charged for returns?")


def test_cities_name_their_region():
    assert entities("how much to ship pots to kuching")["place"] == {"Sarawak"}
    assert entities("my cousin in penang")["place"] == {"Malaysia"}


def test_a_warranty_in_years_bounds_a_product_but_an_age_does_not():
    from rag.constraints import Bound, fits, measure_bounds

    assert measure_bounds("a grow light with at least a 2 year warranty") == [Bound("years", 2.0, None)]
    assert all(b.measure != "years" for b in measure_bounds("a warm jacket for my 8 year old"))
    two = item("L2", "Bar Grow Light", "Grow Lights", warranty="2 years")
    one = item("L3", "Clip Grow Light", "Grow Lights", warranty="1 year")
    assert [fits(p, "grow light with at least a 2 year warranty") for p in (two, one)] == [True, False]


def test_an_age_range_in_years_stays_an_age():
    from rag.constraints import product_measures

    chair = item("C1", "Kids' Armchair", "Chairs", age="2-7 years", warranty="1 year")
    assert product_measures(chair)["age"] == (2.0, 7.0) and product_measures(chair)["years"] == (1.0, 1.0)


def test_credit_cards_are_said_by_the_card_brands_a_store_lists():
    from rag.reader.evidence import TermIndex

    accepted = TermIndex("We accept Visa, Mastercard, American Express and PayPal.")
    assert accepted.covers("credit") and accepted.covers("信用卡")
    assert not TermIndex("Refunds go to your original payment method.").covers("信用卡")


def test_a_never_answers_whoever_the_shopper_names_but_an_unknown_service_is_still_refused():
    from rag.embedding import EmbedderSet, load_embedder
    from rag.reader import Reader, ReaderThresholds
    from tests.fakes import FAKE_EMBEDDER
    from tests.unit.test_reader_logic import passage

    passages = [passage("We never sell your personal data.", section="Sharing", title="Privacy"),
                passage("We share your address with carriers to deliver your orders.", section="Sharing", title="Privacy")]
    counts = {"sell": 1, "data": 1, "personal": 1, "share": 1, "address": 1}
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: counts[t] for t in terms if t in counts},
                    200, ReaderThresholds(paraphrase_similarity=1.01))
    finding = reader.read("Do you sell my personal data to advertisers?", passages).findings[0]
    assert finding.answerable and finding.direct == "no"
    assert not reader.read("Do you share my address with advertisers?", passages).answerable


def test_a_tent_for_snow_is_a_four_season_one():
    three = item("T1", "Horizon 2 Tent", "Tents", seasons="3-season")
    four = item("T2", "Blizzard 2 Tent", "Tents", seasons="4-season")
    summer = item("T3", "Shade Canopy", "Tents", seasons="summer")
    wishes = AttributeWishes.read("a 2 person tent that can handle snow", [three, four, summer])
    assert dict(wishes.values) == {"seasons": {"4-season"}}
    assert [p.sku for p in (three, four, summer) if not wishes.unmet_by(p)] == ["T2"]


def test_a_shopper_past_the_window_and_the_sentence_for_that_case():
    from rag.language import LATE_CASE, STATES_LATE

    assert LATE_CASE.search("and if I miss that window?") and LATE_CASE.search("what if its been like 3 hours")
    assert not LATE_CASE.search("how long do I have to cancel?")
    assert STATES_LATE.search("If more than 60 minutes have passed, contact support.")
    assert STATES_LATE.search("After that, contact support and we will try to stop it.")
    assert not STATES_LATE.search("You can cancel an order within 60 minutes of placing it.")


def test_a_chinese_base_layer_top_is_a_top():
    from rag.constraints import fits

    crew = item("A1", "Merino 150 Base Layer Crew Women's", "Apparel", gender="women")
    bottoms = item("A2", "Merino 250 Base Layer Bottoms", "Apparel", gender="unisex")
    beanie = item("A3", "Beanie Merino", "Apparel", gender="unisex")
    assert [fits(p, "女款美利奴打底上衣") for p in (crew, bottoms, beanie)] == [True, False, False]
    assert [fits(p, "美利奴羊毛打底") for p in (crew, bottoms, beanie)] == [True, True, False]


def test_a_store_in_a_city_is_a_shop_to_visit_and_looking_at_a_product_asks_nothing():
    from rag.language import services_asked
    from rag.reader.question import key_terms

    assert [service for service, _ in services_asked("do you have a store in Denver?")] == ["collection or a shop to visit"]
    assert "looking" not in key_terms("Looking at the Falcon 10x50 binoculars, how much are they?")


def test_a_duration_asked_of_a_table_with_no_row_named_gets_every_row():
    from rag.embedding import EmbedderSet, load_embedder
    from rag.reader import Reader, ReaderThresholds
    from tests.fakes import FAKE_EMBEDDER
    from tests.unit.test_reader_logic import passage

    table = passage("Backpacks: warranty 5 years.\nJackets: warranty 2 years.\nFootwear: warranty 1 year.\n"
                    "Electronics: warranty 1 year.", section="Warranty periods by category", title="Warranty")
    claim = passage("Email us with photos. We reply within 5 business days.", section="Making a warranty claim",
                    title="Warranty")
    counts = {"warranty": 3, "backpacks": 1, "jackets": 1, "footwear": 1, "electronics": 1, "reply": 1}
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: counts[t] for t in terms if t in counts},
                    200, ReaderThresholds(paraphrase_similarity=1.01, min_similarity=0.0))
    said = [s.sentence.text for s in reader.read("how long is your warranty?", [claim, table]).findings[0].evidence]
    assert len(said) == 4 and all("warranty" in s for s in said)
    jackets = [s.sentence.text for s in reader.read("how long is the warranty on jackets?", [claim, table]).findings[0].evidence]
    assert jackets[0] == "Jackets: warranty 2 years." and len(jackets) < 4
