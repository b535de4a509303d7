"""Shopping constraints, follow-ups and direct answers added after the dev12/store7 splits."""

from __future__ import annotations

import re
from dataclasses import replace

from rag.compose import _yes_no_first
from rag.constraints import Bound, features, fits, measure_bounds, qualifiers
from rag.conversation import FollowUpResolver, Turn
from rag.filters import Vocabulary, parse_filters, stated_constraints
from rag.index.chunk_fields import colour_names
from rag.index.milvus import variant_keys
from rag.language import OTHER_CHOICES, asks_for_product_fact, numbers_in_words
from rag.models import Product
from rag.reader import _direct
from rag.reader.evidence import sentences_of
from rag.reader.question import analyse
from tests.unit.test_reader_logic import _scored, passage

STORE = Vocabulary(categories=("Jackets", "Tents"), brands=(), colors=("Orange",), category_words={})


def product(sku: str, title: str, **attributes: str) -> Product:
    return Product(sku=sku, title=title, category="Gear", price=float(attributes.pop("price", 100)),
                   description=attributes.pop("description", ""), attributes=attributes)


def test_around_an_amount_is_a_price_band_unless_a_cap_is_stated():
    assert stated_constraints("insulated jacket for a guy, around $70?", STORE) == {"min_price": 56.0, "max_price": 84.0}
    assert stated_constraints("a grinder that can do espresso, budget around 200 euros max", STORE) == {"max_price": 200.0}
    assert stated_constraints("200美元左右的帐篷", STORE)["max_price"] == 240.0
    assert parse_filters("My cart is around $300", STORE).is_empty()  # one amount is one constraint, no search


def test_a_medium_before_a_relative_clause_is_a_size():
    assert stated_constraints("orange rain jacket in a medium that you actually have in stock", STORE)["size"] == "M"


def test_chinese_numerals_before_a_unit_are_numbers():
    assert numbers_in_words("零下十度左右去露营") == "-10度左右去露营"
    assert numbers_in_words("二十五公斤") == "25公斤"
    assert Bound("temperature", None, -10.0) in measure_bounds("零下十度左右去露营，推荐个睡袋")


def test_the_people_a_shopper_lists_fit_one_shared_product():
    request = "looking for a tent that'll fit me, my husband and our toddler"
    assert Bound("people", 3.0, None, stated=False) in measure_bounds(request)
    assert fits(product("T3", "Horizon 3 Tent", capacity="3 people"), request)
    assert not fits(product("T2", "Horizon 2 Tent", capacity="2 people"), request)


def test_a_feature_after_with_needs_no_article_and_company_is_no_feature():
    assert features("need something with GPS for navigating, max $300") == ["gps"]
    assert features("a tent to share with friends") == []
    assert features("stuff to keep him dry when it rains") == ["waterproof"]


def test_a_use_word_before_a_kind_is_waived_like_an_activity():
    pad = product("P1", "Airlite Insulated Sleeping Pad", r_value="4.2")
    request = "winter camping sleeping pad, R-value 4 or more"
    assert not fits(pad, request)
    assert fits(pad, request, waived=frozenset({"activity"}))


def test_a_rain_jacket_is_a_waterproof_one():
    assert qualifiers("orange rain jacket") == ["waterproof"]
    assert not fits(product("J1", "Ridgeback Insulated Jacket", waterproof="no"), "orange rain jacket")
    assert fits(product("J2", "Drizzle Lite Jacket", waterproof="yes"), "orange rain jacket")


def test_a_variant_colour_answers_to_its_last_word():
    assert colour_names("Matte black") == ["matte black", "black"]
    assert "color:black|in_stock" in variant_keys([{"color": "Matte black", "stock": 3}])


LINE = [product("B1", "Summit 45 Backpack", capacity="45 L", price=169),
        product("B2", "Summit 65 Backpack", capacity="65 L", price=219),
        product("S1", "Ridge Runner Trail Shoe", waterproof="no"),
        product("S2", "Ridge Runner GTX Trail Shoe", waterproof="yes")]


def resolver() -> FollowUpResolver:
    def line(title: str) -> list[Product]:
        words = {w for w in title.lower().split() if not re.search(r"\d", w)}
        return [p for p in LINE if len(words ^ {w for w in p.title.lower().split() if not re.search(r"\d", w)}) <= 1]

    def find(text: str) -> tuple[str, str] | None:
        return next(((p.sku, p.title) for p in LINE if p.title.lower() in text.lower()), None)

    return FollowUpResolver(find, asks_for_product_fact, line)


def test_a_better_product_of_the_line_in_focus():
    pack = [Turn(question="how much is the Summit 45 Backpack", products=[("B1", "Summit 45 Backpack")])]
    bigger = resolver().resolve("got anything bigger in that line?", pack)
    assert bigger.product == ("B2", "Summit 65 Backpack") and bigger.question == "how much is the Summit 65 Backpack"
    big = resolver().resolve("and how much is the big one", pack)
    assert big.question == "and how much is Summit 65 Backpack"
    shoe = [Turn(question="how much is the Ridge Runner Trail Shoe", products=[("S1", "Ridge Runner Trail Shoe")])]
    waterproof = resolver().resolve("cool, is there a waterproof version of it?", shoe)
    assert waterproof.product == ("S2", "Ridge Runner GTX Trail Shoe")
    smaller = resolver().resolve("anything smaller?", [Turn(question="Summit 45?", products=[("B1", "Summit 45 Backpack")])])
    assert smaller.product == ("B1", "Summit 45 Backpack")  # nothing smaller in the line: it stays in focus


def test_other_choices_are_asked_in_both_languages():
    assert OTHER_CHOICES.search("does it come in any other colours?")
    assert OTHER_CHOICES.search("还有别的颜色吗")
    assert not OTHER_CHOICES.search("what colours does it come in?")


def test_a_yes_no_part_quoting_an_open_parts_sentence_goes_first():
    class Found:  # the fields _yes_no_first reads
        def __init__(self, direct, sentence):
            self.answerable, self.direct, self.evidence = True, direct, [type("S", (), {"sentence": sentence})()]

    sentence = object()
    topic, asked = Found(None, sentence), Found("no", sentence)
    assert _yes_no_first([topic, asked]) == [asked, topic]
    assert _yes_no_first([topic, Found("no", object())])[0] is topic


def test_doing_without_a_required_thing_is_a_no():
    fact = replace(sentences_of([passage("Subscription: required")])[0], field_label="Subscription",
                   context="Satellite Messenger")
    without = analyse("can I use the Satellite Messenger without paying for a subscription?").parts[0]
    assert _direct(without, _scored(fact), 0.3) == "no"
    needs = analyse("does the Satellite Messenger need a subscription?").parts[0]
    assert _direct(needs, _scored(fact), 0.3) == "yes"


def test_not_a_unisex_one_rules_out_products_for_everyone():
    request = "I need a waterproof jacket cut for women (not a unisex one), size M"
    assert not fits(product("J3", "Drizzle Lite Jacket", waterproof="yes"), request)
    assert fits(product("J4", "Cascade Rain Shell Women's", waterproof="yes", gender="women"), request)


def test_a_latin_abbreviation_in_a_chinese_request_is_a_feature():
    assert "gps" in features("有没有300美元以内的GPS手表，黑色的")
    assert "rain cover" in features("找个40升以上的徒步背包，最好自带防雨罩")
    assert not fits(product("E1", "头灯 300流明"), "有没有300美元以内的GPS手表")


def test_which_one_does_something_faster_compares():
    assert analyse("Titan stove or Jetflow, which one boils water faster?").kind == "compare"


def test_small_talk_is_told_from_questions():
    from rag.language import small_talk

    assert [small_talk(t) for t in ("hi", "Great, thank you!", "好的，谢谢", "thanks, bye", "ok")] == [
        "greeting", "thanks", "thanks", "goodbye", "acknowledgement"]
    assert small_talk("hi, do you ship to canada?") is None
    assert small_talk("thanks for the help, one more question: is it waterproof?") is None


def test_small_talk_sets_no_topic_for_a_follow_up():
    turns = [Turn(question="How much is shipping to Canada?"), Turn(question="ok thanks")]
    assert resolver().resolve("and to Japan?", turns).question == "How much is shipping to Japan?"


def test_store8_measures_kinds_and_exclusions():
    from rag.language import product_kinds

    duvet = product("D1", "Everyday Microfibre Duvet 4.5 Tog", tog="4.5")
    assert fits(duvet, "a duvet, 4.5 tog") and not fits(
        product("D2", "Everyday Microfibre Duvet 10.5 Tog", tog="10.5"), "a duvet, 4.5 tog")
    assert Bound("gsm", 600.0, None) in measure_bounds("bath towels at least 600gsm but under £30 each")
    assert stated_constraints("bath towels at least 600gsm but under £30 each", STORE) == {"max_price": 30.0}
    assert stated_constraints("white percale duvet cover, under a hundred quid", STORE)["max_price"] == 100.0
    assert product_kinds("white percale duvet cover, king size") == ["duvet cover"]
    assert not fits(product("P1", "Duck Feather & Down Pillow Pair"), "pillow for a side sleeper, no feathers or down")
    assert "machine washable" in features("a rug I can just chuck in the washing machine")
    # "双人尺寸" of a duvet is its size, not two people
    assert fits(product("D3", "Everyday Microfibre Duvet 13.5 Tog", tog="13.5"), "至少13.5托的被子，双人尺寸")


def test_a_bare_name_after_the_is_a_sibling_and_a_named_product_asks_its_own_question():
    watch = [Turn(question="is the Trail GPS Watch waterproof?", products=[("EL-3001", "Trail GPS Watch")])]

    def find(text: str):
        titles = {"EL-3001": "Trail GPS Watch", "EL-3002": "Trail GPS Watch Pro", "BP-1001": "Summit 45 Backpack"}
        said = text.lower()
        return max(((sku, t) for sku, t in titles.items() if all(w in said for w in t.lower().split()[:2])),
                   key=lambda found: sum(w in said for w in found[1].lower().split()), default=None)

    resolver = FollowUpResolver(find, asks_for_product_fact)
    assert resolver.resolve("and the Pro?", watch).product == ("EL-3002", "Trail GPS Watch Pro")
    own = resolver.resolve("how much is the summit 45?", watch)
    assert (own.question, own.rewritten) == ("how much is the summit 45?", False)


def test_a_past_got_a_is_no_request_and_send_it_back_is_a_policy_topic():
    from rag.language import POLICY_TOPICS, RECOMMEND_CUES

    told = "got a monogrammed towel with my initials on, turns out I don't like the colour. can I send it back?"
    assert not RECOMMEND_CUES.search(told) and POLICY_TOPICS.search(told)
    assert RECOMMEND_CUES.search("got any tents under $200?")


def test_a_hypothetical_is_no_report_of_the_shoppers_own_order():
    from rag.intents import _HYPOTHETICAL

    assert _HYPOTHETICAL.search("如果已经发货了呢") and _HYPOTHETICAL.search("what if it gets lost in the post?")
    assert not _HYPOTHETICAL.search("my order hasn't arrived")


def test_a_chinese_case_for_the_last_question_goes_before_it():
    from rag.conversation import with_condition

    assert with_condition("下单后还能取消订单吗？", "如果已经发货了") == "如果已经发货了，下单后还能取消订单吗？"
    assert resolver().resolve("如果是用礼品卡付的呢？", [Turn(question="退货期限是多久？")]).question == \
        "如果是用礼品卡付的，退货期限是多久？"
