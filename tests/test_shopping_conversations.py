"""Five-turn shopping conversations over HTTP: a preference stated in turn 1 still filters the cards in turn 4, until
the shopper changes it; an upset shopper is offered a person. Every card is checked against the catalog files."""

from __future__ import annotations

import json

import pytest

from .conftest import KNOWLEDGE_BASE
from .test_conversations import ask

CATALOG = {json.loads(line)["sku"]: json.loads(line)
           for line in (KNOWLEDGE_BASE / "catalog" / "products.jsonl").read_text(encoding="utf-8").splitlines()}


def audience_of(product: dict) -> str:
    said = f"{product['attributes'].get('gender', '')} {product['title']}".lower()
    return next((name for name in ("kids", "women", "men") if name in said.replace("'", "")), "everyone")


def check_cards(body: dict, size: str | None, max_price: float | None, audience: str) -> None:
    """Every card is a catalog product that comes in ``size``, costs at most ``max_price`` and suits ``audience``."""
    assert body["products"], body["text"]
    for card in body["products"]:
        product = CATALOG[card["sku"]]
        if size is not None:
            assert any(v.get("size") == size for v in product["variants"]), (card["sku"], size)
        if max_price is not None:
            assert product["price"] <= max_price, (card["sku"], product["price"])
        assert audience_of(product) in (audience, "everyone"), (card["sku"], audience_of(product))
        assert card["reason"].endswith((".", "。")) and not card["reason"][0].islower()  # whole sentences


CONVERSATIONS = {
    "english": [
        "Looking for a rain jacket for my wife. She wears a medium, and our budget is $100.",
        "How long do I have to return something?",
        "Do you ship to Canada?",
        "Can you recommend some hiking pants?",
        "She's actually a large now. Any rain jackets?",
    ],
    "chinese": [
        "想给老公买一件冲锋衣，他穿L码，预算100美元以内",
        "退货期限是多久？",
        "可以寄到加拿大吗？",
        "推荐几条徒步裤",
        "预算不限，有没有冲锋衣推荐？",
    ],
}
# What turn 1 states: the size, the budget and who it is for.
STATED = {"english": ("M", 100.0, "women"), "chinese": ("L", 100.0, "men")}


@pytest.mark.parametrize("language", CONVERSATIONS)
def test_a_preference_stated_in_turn_one_filters_the_cards_in_turn_four(client, language):
    size, budget, audience = STATED[language]
    session: dict = {}
    replies = [ask(client, message, session) for message in CONVERSATIONS[language]]
    first, second, third, fourth, fifth = replies
    assert first["filters"] | {"size": size, "max_price": budget, "audience": audience} == first["filters"]
    check_cards(first, size, budget, audience)
    assert not second["products"] and not third["products"]  # store questions in between
    assert fourth["filters"]["size"] == size and fourth["filters"]["max_price"] == budget
    assert fourth["filters"]["audience"] == audience and fourth["filters"]["category"] == "Apparel"
    check_cards(fourth, size, budget, audience)
    for card in fourth["products"]:
        assert "hiking" in CATALOG[card["sku"]]["title"].lower()
    if language == "english":  # the shopper changes the size: the new one holds, the budget stays
        assert fifth["filters"]["size"] == "L" and fifth["filters"]["max_price"] == budget
        check_cards(fifth, "L", budget, audience)
    else:  # "预算不限" takes the budget back; size and audience stay
        assert "max_price" not in fifth["filters"] and fifth["filters"]["size"] == size
        check_cards(fifth, size, None, audience)


def test_a_preference_no_product_meets_is_named(client):
    session: dict = {}
    ask(client, "I need a rain jacket for my husband, size M, budget $150", session)
    boots = ask(client, "Any hiking boots?", session)
    assert boots["products"] and "size" not in boots["filters"]
    assert "earlier preference (size M)" in boots["text"]
    for card in boots["products"]:
        assert CATALOG[card["sku"]]["price"] <= 150 and audience_of(CATALOG[card["sku"]]) in ("men", "everyone")


def test_no_memory_across_sessions(client):
    ask(client, "Looking for a rain jacket for my wife, she wears a medium, budget $100", {})
    fresh = ask(client, "Can you recommend some hiking pants?", {})
    assert "size" not in (fresh["filters"] or {}) and "max_price" not in (fresh["filters"] or {})


@pytest.mark.parametrize("message, language", [("This is ridiculous, your service is terrible.", "en"),
                                               ("你们的服务太差了，回答全是废话", "zh")])
def test_a_complaint_is_offered_a_person(client, sample_settings, message, language):
    body = ask(client, message, {})
    assert body["intent"] == "complaint" and body["upset"] and body["handoff"]
    assert sample_settings.upset_offer_messages[language] in body["text"]
    assert body["outcome"] != "handed_off" and body["handoff_ticket"] is None  # offered, not opened


def test_a_second_refusal_in_a_row_offers_a_person(client, sample_settings):
    session: dict = {}
    first = ask(client, "Do you sell kayaks?", session)
    assert first["refused"] and not first["upset"]
    second = ask(client, "What about canoes then?", session)
    assert second["refused"] and second["upset"] and second["text"] == sample_settings.upset_offer_messages["en"]


def test_a_request_no_product_meets_says_which_constraint(client):
    body = ask(client, "recommend a headlamp with at least 5000 lumens", {})
    assert body["refused"] and not body["products"]
    assert body["text"].startswith("We have no product that also meets the measure you gave.")
