"""Reading another store's words: its English product words for a Chinese question, places it does not list,
idioms that name no colour, weights, and facts that deny what they name."""

from __future__ import annotations

import numpy as np

from rag import language
from rag.filters import Vocabulary, parse_filters
from rag.models import Chunk
from rag.reader import _direct
from rag.reader.evidence import INDIRECT_MATCH, TermIndex, sentences_of
from rag.reader.question import analyse
from rag.reader.translation import CrossLingualTerms, store_kinds, store_words
from tests.unit.test_reader_logic import _scored, passage


class FakeBilingualEmbedder:
    """A few words with made-up vectors: each Chinese word lies near its English word, some nearer than others."""

    name = "fake-bilingual"
    AXES = {"mattress": 0, "rugs": 1, "foam": 2, "time": 3}
    NEAR = {"床垫": ("mattress", 0.8), "地毯": ("rugs", 0.62), "泡沫": ("foam", 0.75), "长时间": ("time", 0.5)}

    def __init__(self):
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 8))
        for row, text in enumerate(texts):
            if text in self.AXES:
                out[row, self.AXES[text]] = 1.0
            elif text in self.NEAR:
                word, cosine = self.NEAR[text]
                out[row, self.AXES[word]] = cosine
                out[row, 7] = np.sqrt(1 - cosine**2)
            else:
                out[row, 6] = 1.0  # far from every store word
        return out


def test_a_chinese_word_is_said_by_the_store_word_nearest_in_meaning():
    embedder = FakeBilingualEmbedder()
    terms = CrossLingualTerms(embedder, ["mattress", "foam", "time", "rugs"], kinds=["rugs", "mattress"])
    found = terms.aliases(["床垫", "泡沫", "地毯", "长时间", "价格", "maren"])
    assert found == {"床垫": ("mattress",), "泡沫": ("foam",), "地毯": ("rugs",)}  # a kind needs less (0.62)
    calls = embedder.calls
    assert terms.aliases(["床垫"]) == {"床垫": ("mattress",)} and embedder.calls == calls  # remembered
    assert CrossLingualTerms(embedder, ["foam", "rugs"]).aliases(["地毯"]) == {}  # 0.62 is not enough for a word


def test_the_store_words_come_from_its_products_and_policies_and_its_kinds_from_its_vocabulary():
    chunks = [Chunk(id="product:1", kind="product", source="c.jsonl", title="Cove Foam Mattress", text="x",
                    metadata={"category": "Mattresses", "attributes": {"firmness": "medium", "pet_friendly": "yes"}}),
              Chunk(id="doc:1", kind="document", source="p.md", title="Returns", text="Unused conflict-free items, one")]
    assert store_words(chunks) == ["conflict", "conflict-free", "cove", "firmness", "foam", "free", "friendly",
                                   "items", "mattress", "mattresses", "pet", "returns", "unused"]  # not a policy's "one"
    assert store_kinds(Vocabulary(categories=("Rugs", "床垫"), brands=(), colors=(), kinds=("mattress",))) == [
        "mattress", "rugs"]


def test_a_text_covers_a_chinese_word_by_its_alias():
    index = TermIndex("Price: $799.00 Oakline Harbor Bookshelf", {"书架": ("bookshelf",)})
    assert index.match("书架") == INDIRECT_MATCH
    assert TermIndex("Price: $799.00 Oakline Harbor Bookshelf").match("书架") == 0.0  # no general word for it


def test_a_place_the_store_does_not_list_is_spoken_of_by_other_countries():
    named = language.entities("We do not currently ship to other countries.")["place"]
    assert language.covers_entity(named, "Mexico")
    assert not language.covers_entity(language.entities("We ship to Japan and China.")["place"], "Mexico")
    assert language.excluded_places("Free freight in the contiguous US") == {"Alaska", "Hawaii", "Puerto Rico"}


def test_idioms_name_no_colour_and_a_thousand_dollars_is_a_budget():
    store = Vocabulary(categories=("Sofas", "Mattresses"), brands=(), colors=("White", "Navy"),
                       category_words={"sofa": "Sofas", "mattress": "Mattresses"})
    assert parse_filters("can I get white-glove delivery for a sofa?", store).color is None
    assert parse_filters("a white sofa under $2000", store).color == "White"
    assert parse_filters("mattress for under a thousand dollars?", store).max_price == 1000


def test_a_weight_is_answered_by_a_weight():
    assert language.ASKS_WEIGHT.search("Alpenblick 8x25 双筒望远镜重多少克？")
    assert language.ASKS_WEIGHT.search("how heavy is the Summit 45?")
    assert not language.STATES_WEIGHT.search("The Alpenblick 8x25 binoculars are light enough for summit days.")
    assert language.STATES_WEIGHT.search("Weight: 1.4 kg.") and language.STATES_WEIGHT.search("重 640 克")


def test_a_fact_that_denies_what_it_names_answers_no():
    lamp = passage("Price: $329.00.\nBulb: 1 x E26 socket; bulb not included.", kind="product",
                   title="Beacon Arc Floor Lamp")
    bulb = next(s for s in sentences_of([lamp]) if s.field_label == "Bulb")
    assert _direct(analyse("Does the Beacon arc floor lamp come with a bulb?").parts[0], _scored(bulb), 0.3) == "no"


def test_which_is_cheaper_in_chinese_is_a_comparison():
    assert analyse("Pebble 陶瓷台灯和 Beacon 弧形落地灯哪个便宜？").kind == "compare"


def test_a_clause_asks_only_when_it_opens_as_a_question():
    part = analyse("Wayfair has the same lamp cheaper, will you match their price?").parts[0]
    assert part.focus == ["match", "price"]
    assert "lighter" in analyse("Ember Down vs Summit Parka - which is lighter?").parts[0].focus


def test_how_many_names_the_thing_counted():
    assert language.HOW_MANY.search("How many reward points do I need?").group(1) == "points"
    assert language.HOW_MANY.search("How many coils are in the Hearth Hybrid?").group(1) == "coils"


def test_a_bare_number_after_a_measure_is_no_price():
    store = Vocabulary(categories=("Sleeping Gear", "Tables"), brands=(), colors=(),
                       category_words={"pad": "Sleeping Gear", "table": "Tables"})
    assert parse_filters("a sleeping pad with an R-value of at least 4", store).min_price is None
    assert parse_filters("a dining table that seats at least 6 under $900", store).model_dump(
        include={"min_price", "max_price"}) == {"min_price": None, "max_price": 900}
    assert parse_filters("bedding for a queen bed, budget is $300", Vocabulary(
        categories=("Beds", "Bedding"), brands=(), colors=())).category == "Bedding"


def test_delivery_services_and_exclusions():
    assert language.services_named("Expedited: 2 business days; Express next day") == {"expedited", "express"}
    assert language.EXCLUSION.search("Items marked Final sale, including clearance items.")
    assert not language.EXCLUSION.search("Wash it on a gentle cycle, no fabric softener.")


def test_instalments_in_chinese_are_the_instalment_word_and_support_says_nothing():
    assert analyse("你们支持分期付款吗？").parts[0].terms == ["分期付款"]
    assert "klarna" in language.synonyms("分期付款")
