"""Shopping guidance: product cards with reasons from the product's own facts, never past a hard filter."""

from __future__ import annotations

import json

from .conftest import KNOWLEDGE_BASE

CATALOG = {json.loads(line)["sku"]: json.loads(line)
           for line in (KNOWLEDGE_BASE / "catalog" / "products.jsonl").read_text().splitlines()}


def test_recommendation_returns_cards_with_reasons(client):
    body = client.post("/v1/chat", json={"message": "running shoes under $120 for wide feet"}).json()
    assert not body["refused"] and body["citations"]
    cards = body["products"]
    assert cards and cards[0]["sku"] == "FW-1085"
    for card in cards:
        product = CATALOG[card["sku"]]
        assert product["category"] == "Footwear" and product["price"] <= 120  # hard filters hold
        assert card["price"] == product["price"] and card["url"] == product["url"]
        assert card["availability"] in ("in stock", "low stock", "out of stock") and card["reason"]
        assert card["currency"] == "USD" and card["original_price"] is None  # no sample shoe is on sale
        assert {v["sku"] for v in card["variants"]} == {v["sku"] for v in product["variants"]}
        assert all("stock" not in v for v in card["variants"])  # states only, never unit counts
    assert "Its width is wide, extra wide." in cards[0]["reason"] and "within your $120 budget." in cards[0]["reason"]


def test_cards_respect_stock_and_price_filters(client):
    body = client.post("/v1/chat", json={"message": "recommend a waterproof jacket under $100 in stock"}).json()
    assert body["products"]
    for card in body["products"]:
        product = CATALOG[card["sku"]]
        assert product["price"] <= 100 and product["attributes"]["waterproof"] == "yes"
        assert any(v["stock"] > 0 for v in product["variants"]) and card["availability"] in ("in stock", "low stock")
        assert "in stock" in card["reason"]


def test_policy_questions_get_no_cards(client):
    assert client.post("/v1/chat", json={"message": "How long do I have to return an item?"}).json()["products"] == []
