"""Shopping cards go to the products that say the most of what was asked for, in English or through the store's
English words for a Chinese request (tuned on dev23/store17)."""

from __future__ import annotations

from indexer.chunking import product_chunk
from rag.constraints import words_said
from rag.filters import Filters
from rag.models import Passage
from rag.product_record import Product
from rag.recommend import product_cards

SYNTHETIC = Product(sku="J-1", title="Loft Synthetic Jacket", category="Jackets", price=120,
                    description="An insulated jacket with synthetic fill that stays warm when wet.")
GLOVES = Product(sku="G-1", title="Insulated Ski Gloves", category="Gloves", price=79,
                 description="Warm gloves for cold days on the slopes.")
PISTON = Product(sku="P-1", title="Kaze Demonstrator", category="Fountain Pens", price=68,
                 attributes={"fill_system": "Piston"})
CARTRIDGE = Product(sku="P-2", title="Classic Fountain Pen", category="Fountain Pens", price=42,
                    attributes={"fill_system": "Cartridge/converter"})
SHELL = Product(sku="S-1", title="青山 防水冲锋衣", category="Jackets", price=99)


def _passages(*products: Product) -> list[Passage]:
    return [Passage(chunk=product_chunk(p, "catalog.jsonl"), score=1.0, similarity=0.5, rank=rank)
            for rank, p in enumerate(products, start=1)]


def test_a_product_is_counted_for_each_word_of_the_request_it_says():
    request = "synthetic insulated layer for a man under $150"
    assert words_said(SYNTHETIC, request) == 2  # synthetic, insulated
    assert words_said(GLOVES, request) == 1
    # the Chinese word is written in its name (and counts with the word inside it, 冲锋)
    assert words_said(SHELL, "有黄色的冲锋衣吗 要M码") > words_said(SYNTHETIC, "有黄色的冲锋衣吗 要M码") == 0
    assert words_said(PISTON, "想买一支活塞上墨的钢笔", glosses=("piston", "fountain pen")) == 3
    assert words_said(CARTRIDGE, "想买一支活塞上墨的钢笔", glosses=("piston", "fountain pen")) == 2


def test_cards_go_to_the_products_that_say_the_most_of_the_request():
    cards = product_cards(_passages(GLOVES, SYNTHETIC), "synthetic insulated layer under $150", Filters(max_price=150))
    assert [card.sku for card in cards] == ["J-1"]
    cards = product_cards(_passages(CARTRIDGE, PISTON), "想买一支活塞上墨的钢笔，预算150加元以内", Filters(max_price=150),
                          glosses=("piston", "fountain pen"))
    assert [card.sku for card in cards] == ["P-1"]


def test_a_superlative_ranks_by_its_measure_not_by_the_words_said():
    cheap = Product(sku="H-1", title="Trail Headlamp", category="Headlamps", price=25)
    dear = Product(sku="H-2", title="Beacon Headlamp", category="Headlamps", price=39,
                   description="Our brightest headlamp, the cheapest way to see the trail at night.")
    cards = product_cards(_passages(dear, cheap), "cheapest headlamp pls", Filters())
    assert [card.sku for card in cards] == ["H-1"]


def test_points_gone_from_the_shoppers_own_account_are_handed_off():
    from rag.intents import _HOW_TO, _OWN

    for message in ("我账户里的积分怎么突然少了500分？麻烦帮我查一下", "我的积分怎么突然清零了？上个月账户里还有800多分",
                    "my points disappeared after I returned something"):
        assert _OWN.search(message) and not _HOW_TO.search(message), message
    assert _HOW_TO.search("我的积分可以怎么用") and not _OWN.search("积分怎么用？")


def test_the_uk_written_in_lower_case_is_a_place_but_us_is_a_pronoun():
    from rag.language import entities

    assert entities("free shipping to the uk?") == {"place": {"United Kingdom"}}
    assert entities("can you ship it to us?") == {}


def test_a_comparison_of_two_places_asks_each_place_the_same_thing():
    from rag.reader.question import analyse

    question = analyse("Which has the lower free-shipping threshold, Canada or the UK?")
    assert question.kind == "compare"
    assert [sorted(p.entities["place"]) for p in question.parts] == [["Canada"], ["United Kingdom"]]
    assert all("lower" not in p.terms and "free-shipping" in p.terms for p in question.parts)


def test_comparison_sides_leave_out_the_lead_and_by_how_much():
    from rag.reader.question import comparison_sides

    assert comparison_sides("which is lighter, the Kestrel 8x42 or the Falcon 10x50, and by how much") == [
        "Kestrel 8x42", "the Falcon 10x50"]
    assert comparison_sides("which one's warmer, the nightfall 20 or the qingshan down bag") == [
        "nightfall 20", "the qingshan down bag"]


def test_a_hyphenated_term_the_store_never_writes_is_read_as_its_words():
    from rag.embedding import EmbedderSet, load_embedder
    from rag.reader import Reader, ReaderThresholds
    from tests.fakes import FAKE_EMBEDDER
    from tests.unit.test_reader_logic import passage

    written = {"free", "shipping", "threshold", "orders", "canada"}
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: int(t in written) for t in terms}, 200,
                    ReaderThresholds(min_similarity=0.0))
    reading = reader.read("what's the free-shipping threshold to Canada?",
                          [passage("Shipping to Canada is free on orders of $150 or more.", title="Shipping")])
    assert "free-shipping" not in reading.question.terms and {"free", "shipping"} <= set(reading.question.terms)
    assert reading.findings[0].answerable


def test_a_chinese_follow_up_names_a_sibling_by_its_mark():
    from rag.language import VARIANT_REFERENCE

    assert VARIANT_REFERENCE.search("那个Pro版呢").group("zh") == "Pro"
    assert VARIANT_REFERENCE.search("那GTX防水那款呢").group("zh") == "GTX"
    assert VARIANT_REFERENCE.search("三人的那款呢") is None  # a number written in words is read first
    assert VARIANT_REFERENCE.search("3人的那款呢").group("zh") == "3人"


def test_a_question_of_its_own_about_the_bigger_one_is_asked_of_the_sibling():
    from rag.conversation import _ASKS_OF_IT

    assert _ASKS_OF_IT.match("how heavy is the bigger one?")
    assert not _ASKS_OF_IT.match("is there a bigger one?")
    assert not _ASKS_OF_IT.match("anything lighter in that line?")
