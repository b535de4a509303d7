"""The follow-up resolver: product references, siblings by a mark in their name, a new subject in the same slot,
and an elliptical question that carries the last topic. ``find_product`` is a small title matcher over a few
catalog titles (the real one ranks the index by embedding)."""

from __future__ import annotations

import re

import pytest

from rag.conversation import FollowUpResolver, Turn, follow_up_subject, swap_object, swap_slot
from rag.language import asks_for_product_fact
from rag.models import Answer, Citation

TITLES = {
    "BP-1001": "Summit 45 Backpack", "BP-1002": "Summit 65 Backpack", "FW-2001": "Ridge Runner Trail Shoe",
    "FW-2002": "Ridge Runner GTX Trail Shoe", "EL-3001": "Trail GPS Watch", "EL-3002": "Trail GPS Watch Pro",
    "JK-1120": "Squall Anorak", "JK-1015": "Stormline GORE-TEX Jacket", "SB-4001": "Nightfall 20 Down Sleeping Bag",
}


def title_matcher(text: str) -> tuple[str, str] | None:
    """The product whose title shares the most words with the text, all of its numbers included."""
    words = set(re.findall(r"[\w-]+", text.lower()))
    best, best_shared = None, 0
    for sku, title in TITLES.items():
        name = title.lower().split()
        if any(w.isdigit() and w not in words for w in name):
            continue
        shared = sum(w in words for w in name) - 0.01 * len(name)  # the tighter name wins a tie
        if shared > best_shared:
            best, best_shared = (sku, title), shared
    return best


@pytest.fixture
def resolver() -> FollowUpResolver:
    return FollowUpResolver(title_matcher, asks_for_product_fact)


def about(question: str, *products: str) -> Turn:
    return Turn(question=question, products=[(sku, TITLES[sku]) for sku in products])


@pytest.mark.parametrize("previous, follow_up, rewritten", [
    ("How much is standard shipping in the US?", "and express?", "How much is express shipping in the US?"),
    ("What's the warranty on backpacks?", "and sleeping bags?", "What's the warranty on sleeping bags?"),
    ("what's the warranty on backpacks", "ok and on headlamps?", "what's the warranty on headlamps"),
    ("How much is shipping to Canada?", "and to Japan?", "How much is shipping to Japan?"),
    ("换货要收费吗？", "那退货呢？", "退货要收费吗？"),
    ("你们支持支付宝吗？", "微信支付呢？", "你们支持微信支付吗？"),
    ("寄到英国运费多少？", "那寄到澳大利亚呢？", "寄到澳大利亚运费多少？"),
])
def test_a_new_subject_in_the_same_slot_asks_the_last_question_again(resolver, previous, follow_up, rewritten):
    resolution = resolver.resolve(follow_up, [about(previous)])
    assert (resolution.question, resolution.rewritten, resolution.product) == (rewritten, True, None)


@pytest.mark.parametrize("previous, follow_up, carried", [
    ("Do you deliver to Canada?", "how long does that take", ["canada"]),
    ("寄到日本运费多少？", "那大概多久能到？", ["日本"]),
])
def test_an_elliptical_question_carries_the_last_topic(resolver, previous, follow_up, carried):
    resolution = resolver.resolve(follow_up, [about(previous)])
    assert resolution.rewritten and resolution.question.startswith(follow_up.rstrip("?？ "))
    assert all(word in resolution.question.lower() for word in carried)


@pytest.mark.parametrize("previous, sku, follow_up, rewritten, target", [
    ("Is the Summit 45 Backpack in stock?", "BP-1001", "what about the 65?", "Is the Summit 65 Backpack in stock?",
     "BP-1002"),
    ("how heavy is the Ridge Runner Trail Shoe?", "FW-2001", "and the GTX version?",
     "how heavy is the Ridge Runner GTX Trail Shoe?", "FW-2002"),
    ("How much is the Trail GPS Watch?", "EL-3001", "and the pro version?", "How much is the Trail GPS Watch Pro?",
     "EL-3002"),
    ("how much is the trail gps watch", "EL-3001", "is the pro version waterproof too?",
     "is Trail GPS Watch Pro waterproof too?", "EL-3002"),
    ("Summit 45 背包多少钱？", "BP-1001", "65升那款呢？", "Summit 65 Backpack 背包多少钱？", "BP-1002"),
])
def test_a_sibling_is_found_by_the_mark_in_its_name(resolver, previous, sku, follow_up, rewritten, target):
    resolution = resolver.resolve(follow_up, [about(previous, sku)])
    assert (resolution.question, resolution.product_sku) == (rewritten, target)


def test_product_references_keep_working(resolver):
    history = [about("How much is the Squall Anorak?", "JK-1120")]
    assert resolver.resolve("Does it come in blue?", history).question == "Does Squall Anorak come in blue?"
    moved = resolver.resolve("What about the Stormline GORE-TEX Jacket?", [*history, about("Does Squall Anorak come in blue?", "JK-1120")])
    assert (moved.question, moved.product_sku) == ("Does Stormline GORE-TEX Jacket come in blue?", "JK-1015")
    history += [about("Does Stormline GORE-TEX Jacket come in blue?", "JK-1015")]
    assert resolver.resolve("What about the other one?", history).product_sku == "JK-1120"
    # A mark the product in focus has no sibling for ("the long one") stays with that product.
    long_one = resolver.resolve("is the long one in stock?", [about("what temp is the Nightfall 20 rated to?", "SB-4001")])
    assert long_one.product_sku == "SB-4001"


def test_a_product_named_as_the_new_subject_is_not_a_slot_swap(resolver):
    resolution = resolver.resolve("what about the Squall Anorak?", [about("Is the jacket waterproof?", "JK-1015")])
    assert (resolution.question, resolution.product_sku) == ("Is the Squall Anorak waterproof?", "JK-1120")


def test_a_question_of_its_own_is_left_alone(resolver):
    history = [about("How much is standard shipping?")]
    resolution = resolver.resolve("Which payment methods do you accept for gift cards?", history)
    assert (resolution.question, resolution.rewritten) == ("Which payment methods do you accept for gift cards?", False)


def test_subjects_and_slots():
    assert follow_up_subject("ok and on headlamps?") == "on headlamps"
    assert follow_up_subject("那退货呢？") == "退货"
    assert follow_up_subject("how long does that take?") is None
    assert follow_up_subject("express?") == "express" and follow_up_subject("really?") is None
    assert swap_slot("How much is shipping?", "Canada") is None  # nothing in that slot to replace
    assert swap_slot("What does delivery to the US cost?", "Australia") == "What does delivery to Australia cost?"
    assert follow_up_subject("and if I want to cancel altogether, is there a fee?") is None
    assert follow_up_subject("what if it already shipped") == "if it already shipped"


@pytest.mark.parametrize("previous, follow_up, rewritten", [
    ("Can I pay in instalments?", "what about for a preorder?", "Can I pay in instalments for a preorder?"),
    ("How much is shipping?", "ok and if I'm in Canada?", "How much is shipping if I'm in Canada?"),
    ("How much is standard shipping to Vancouver?", "and to Seattle?", "How much is standard shipping to Seattle?"),
    ("can I ship to a PO box?", "express?", "can I ship to a PO box by express?"),
])
def test_a_condition_is_added_to_the_last_question(resolver, previous, follow_up, rewritten):
    assert resolver.resolve(follow_up, [about(previous)]).question == rewritten


def test_a_question_after_a_product_turn_is_about_that_product(resolver):
    resolution = resolver.resolve("and how long does one game take?", [about("Tell me about the Squall Anorak", "JK-1120")])
    assert (resolution.question, resolution.product_sku) == ("and how long does one game take? (Squall Anorak)", "JK-1120")
    policy = resolver.resolve("how long does shipping take?", [about("Tell me about the Squall Anorak", "JK-1120")])
    assert policy.product is None


def test_a_product_fact_after_a_refused_turn_is_about_the_product_that_turn_named(resolver):
    resolution = resolver.resolve("what colours?", [about("Do you carry the Squall Anorak?")])  # refused: no products
    assert (resolution.question, resolution.product_sku) == ("what colours? (Squall Anorak)", "JK-1120")


def test_a_turn_keeps_the_resolved_question_and_the_cited_products():
    cited = [Citation(number=1, chunk_id="product:JK-1120", source="catalog/products.jsonl", title="Squall Anorak",
                      snippet="Squall Anorak — colours: Yellow, Orange.", score=0.8),
             Citation(number=2, chunk_id="doc:policies/returns.md#window", source="policies/returns.md",
                      title="Returns", snippet="30 days.", score=0.7)]
    turn = Turn.after("does it come in blue?", Answer(text="No.", citations=cited,
                                                      rewritten_query="does Squall Anorak come in blue?"))
    assert (turn.question, turn.products) == ("does Squall Anorak come in blue?", [("JK-1120", "Squall Anorak")])
    assert Turn.after("hi", Answer(text="Hello!")).question == "hi"


def test_a_follow_up_that_tells_its_own_case_keeps_it(resolver):
    history = [Turn(question="how long do I have to return stuff?", products=[])]
    resolved = resolver.resolve("What about a Squall Anorak I've already worn on a hike?", history)
    assert resolved.question == "how long do I have to return stuff (a Squall Anorak I've already worn on a hike)?"


def test_its_warranty_finds_the_product_the_last_question_named(resolver):
    history = [Turn(question="Does the Squall Anorak come with a stuff sack?", products=[])]
    assert resolver.resolve("how long is the warranty on it?", history).question == \
        "how long is the warranty on Squall Anorak?"


def test_a_chinese_category_word_replaces_the_last_product_kind(resolver):
    history = [Turn(question="背包的保修期是多久？", products=[])]
    assert "背包" not in resolver.resolve("那电子产品呢？", history).question


@pytest.mark.parametrize("previous, subject, rewritten", [
    ("How long do you keep my chat logs?", "my order history", "How long do you keep my order history?"),
    ("do you price match other shops?", "ebay", "do you price match ebay?"),
    ("What is the warranty on tents?", "the Squall Anorak", None),  # a kind of product is a slot: swap_slot's job
    ("How long does shipping to Canada take?", "returns", None),  # it does not end on its topic
])
def test_a_subject_in_no_slot_takes_the_place_of_what_the_last_question_ended_on(previous, subject, rewritten):
    assert swap_object(previous, subject) == rewritten


@pytest.mark.parametrize("history, follow_up, rewritten", [
    ([about("Looking at the Summit 45 and the Summit 65", "BP-1002")], "which one is lighter?",
     "which one is lighter, the Summit 45 Backpack or the Summit 65 Backpack?"),
    ([about("how heavy is the Trail GPS Watch?", "EL-3001"), about("and the Squall Anorak?", "JK-1120")],
     "which weighs less?", "which weighs less, the Squall Anorak or the Trail GPS Watch?"),
    ([about("我在看 Summit 45 和 Summit 65", "BP-1001")], "哪个更轻？", "Summit 45 Backpack和Summit 65 Backpack哪个更轻？"),
])
def test_a_comparison_that_names_no_product_compares_the_two_the_conversation_named(resolver, history, follow_up,
                                                                                   rewritten):
    resolution = resolver.resolve(follow_up, history)
    assert (resolution.question, resolution.rewritten) == (rewritten, True)


def test_a_comparison_with_one_product_in_the_conversation_is_not_made_a_pair(resolver):
    resolution = resolver.resolve("which one is lighter?", [about("is the Squall Anorak waterproof?", "JK-1120")])
    assert "Squall Anorak or" not in resolution.question


@pytest.mark.parametrize("previous, follow_up, rewritten", [
    ("is the Squall Anorak in stock?", "what about the black one", "is the Squall Anorak in stock in black?"),
    ("Squall Anorak 有货吗？", "黑色的呢？", "Squall Anorak 有货吗（黑色）？"),
])
def test_a_colour_asks_the_last_question_again_of_that_colour(resolver, previous, follow_up, rewritten):
    resolution = resolver.resolve(follow_up, [about(previous, "JK-1120")])
    assert (resolution.question, resolution.product_sku) == (rewritten, "JK-1120")


def test_a_comparison_naming_a_word_both_compared_products_share_still_compares_them(resolver):
    history = [about("Looking at the Trail GPS Watch vs the Trail GPS Watch Pro")]
    resolution = resolver.resolve("which has better battery in gps mode", history)
    assert resolution.question == "which has better battery in gps mode, the Trail GPS Watch or the Trail GPS Watch Pro?"
    # A question that names two products of its own compares those.
    assert not resolver.resolve("is the Summit 45 lighter than the Summit 65?", history).rewritten
