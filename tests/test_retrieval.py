"""Retrieval a shopper can trust: identifiers, hard filters, Chinese questions, product context; on each index
backend (FAISS + SQLite, Milvus: the backend_* fixtures)."""

from __future__ import annotations

import json

import pytest

from rag.filters import Filters

from .conftest import KNOWLEDGE_BASE

CATALOG = [json.loads(line) for line in (KNOWLEDGE_BASE / "catalog" / "products.jsonl").read_text().splitlines()]


def chat(client, message: str, **extra) -> dict:
    response = client.post("/v1/chat", json={"message": message, **extra})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("sku", ["JK-1022", "FW-1029", "EL-1008", "BP-1029-BLA"])
def test_exact_sku_ranks_that_product_first(backend_client, sku):
    answer = chat(backend_client, f"Do you have {sku}?")
    first = answer["passages"][0]["chunk"]
    assert sku == first["metadata"]["sku"] or sku in first["metadata"]["variant_skus"]
    assert answer["citations"][0]["chunk_id"] == first["id"]


def test_nearby_sku_is_not_confused(backend_serving):
    passages = backend_serving.assistant.retriever.retrieve("price of JK-1008", 5)
    assert passages[0].chunk.id == "product:JK-1008"
    assert passages[0].exact_match and not any(p.exact_match for p in passages[1:])


def matching_jackets(max_price: float) -> set[str]:
    return {
        f"product:{p['sku']}" for p in CATALOG
        if p["category"] == "Jackets" and p["price"] <= max_price
        and p["attributes"].get("waterproof") == "yes" and any(v["stock"] > 0 for v in p["variants"])
    }


def test_filters_in_text_return_only_matching_products_and_k_of_them(backend_client):
    expected = matching_jackets(100)
    assert len(expected) >= 5  # the sample store has enough to fill k
    answer = chat(backend_client, "waterproof jacket under $100 in stock")
    assert answer["filters"] == {"category": "Jackets", "max_price": 100.0, "in_stock": True,
                                 "attributes": {"waterproof": "yes"}}
    ids = [p["chunk"]["id"] for p in answer["passages"]]
    assert len(ids) == 5 and set(ids) <= expected
    assert all(c["chunk_id"] in expected for c in answer["citations"])


def test_filters_return_fewer_only_when_fewer_exist(backend_serving):
    filters = Filters(category="Jackets", max_price=40, in_stock=True)
    passages = backend_serving.assistant.retriever.retrieve("jacket", 5, filters)
    expected = {f"product:{p['sku']}" for p in CATALOG if p["category"] == "Jackets" and p["price"] <= 40
                and any(v["stock"] > 0 for v in p["variants"])}
    assert {p.chunk.id for p in passages} == expected and 0 < len(expected) < 5


def test_explicit_api_filters_and_variant_level_matching(backend_client):
    answer = chat(backend_client, "something warm for winter", filters={"category": "Footwear", "size": "10", "color": "Black"})
    assert answer["passages"]
    for passage in answer["passages"]:
        variants = passage["chunk"]["metadata"]["variants"]
        assert any(v.get("size") == "10" and v.get("color") == "Black" for v in variants)


def test_filters_that_match_nothing_refuse_with_a_reason(backend_client):
    answer = chat(backend_client, "tents under $1", filters={"category": "Tents", "max_price": 1})
    assert answer["refused"] and answer["handoff"] and "no product matches" in answer["refusal_reason"]


def test_chinese_price_filter(backend_client):
    answer = chat(backend_client, "有没有50元以下的背包？")
    assert answer["filters"]["max_price"] == 50.0 and answer["filters"]["category"] == "Backpacks"
    assert all(p["chunk"]["metadata"]["price"] <= 50 for p in answer["passages"])


def test_policy_questions_mentioning_prices_are_not_filtered(backend_client):
    answer = chat(backend_client, "Is standard shipping free on orders over $75?")
    assert answer["filters"] is None and not answer["refused"]
    assert answer["citations"][0]["source"] in ("policies/shipping.md", "faq/faq.csv")


def test_chinese_question_about_the_return_window_cites_the_returns_policy(backend_client):
    answer = chat(backend_client, "退货期限是多少天？")
    assert not answer["refused"] and "30" in answer["text"]
    assert {c["source"] for c in answer["citations"]} & {"policies/returns.zh.md", "policies/returns.md"}


def test_chinese_question_finds_an_english_only_answer(backend_client):
    answer = chat(backend_client, "礼品卡会过期吗？")  # gift cards are only described in English
    assert not answer["refused"]
    assert {c["source"] for c in answer["citations"]} <= {"policies/payment.md", "faq/faq.csv"}
    assert "expire" in answer["text"]


def test_english_question_finds_a_chinese_named_product(backend_client):
    answer = chat(backend_client, "How much is the Qingshan waterproof jacket?")
    assert answer["citations"][0]["chunk_id"] == "product:JK-1113" and "$99.00" in answer["text"]


def test_a_latin_name_in_a_chinese_question_names_its_product_before_chinese_kind_words(backend_client):
    # 羽绒 睡袋 零下5度 shares two Chinese words of the question; the Nightfall 20 is the product named
    answer = chat(backend_client, "Nightfall 20 那个羽绒睡袋有加长款吗？")
    assert answer["citations"][0]["chunk_id"] == "product:SL-1001" and "Long" in answer["text"]


def test_product_context_question_cites_that_product(backend_client):
    answer = chat(backend_client, "does this come in blue?", product_sku="JK-1120")
    assert answer["citations"][0]["chunk_id"] == "product:JK-1120"
    assert "colours:" in answer["text"].lower()
    other = chat(backend_client, "what is it made of?", product_sku="FW-1029")
    assert other["citations"][0]["chunk_id"] == "product:FW-1029" and "leather" in other["text"]


def test_batched_ranking_matches_one_query_at_a_time(backend_serving):
    """Evaluation ranks whole query sets in one batch; the ranking must not depend on it."""
    from rag.retrieval import DenseRetriever, HybridRetriever

    questions = ["How long do I have to return an item?", "waterproof jacket", "退货期限是多少天？",
                 "Does the Summit 2 tent fit two people?"]
    for retriever in (HybridRetriever(backend_serving.store, backend_serving.embedders), DenseRetriever(backend_serving.store, backend_serving.embedders)):
        batched = retriever.rank_many(questions, 5)
        for question, passages in zip(questions, batched):
            single = retriever.rank(question, 5)
            assert [p.chunk.id for p in passages] == [p.chunk.id for p in single]
            assert [p.space for p in passages] == [p.space for p in single]


@pytest.mark.parametrize("filters", [
    Filters(brand="northpeak"),
    Filters(brand="No Such Brand"),
    Filters(min_price=100, max_price=200),
    Filters(category="jacket", attributes={"waterproof": "yes"}, in_stock=True),
    Filters(size="M", color="Orange", in_stock=True),
    Filters(color="Green"),  # "Forest Green" is green too
    Filters(category="Footwear", size="10"),
])
def test_filtered_products_match_a_plain_scan_of_the_catalog(backend_serving, filters):
    """Each backend's product filter (FAISS: in-memory columns plus SQLite; Milvus: a boolean expression) must
    agree with reading every product's facts."""
    store = backend_serving.store
    products = store.matching(Filters())

    def wanted(meta: dict) -> bool:
        variants = [v for v in meta.get("variants", [])
                    if (filters.size is None or str(v.get("size", "")).upper() == filters.size.upper())
                    and (filters.color is None or filters.color.lower() in (
                        str(v.get("color", "")).lower(), str(v.get("color", "")).lower().rpartition(" ")[2]))]
        price = meta.get("price")
        return all([
            filters.category is None or filters.category.lower() in meta.get("category", "").lower(),
            filters.brand is None or meta.get("brand", "").lower() == filters.brand.lower(),
            filters.min_price is None or (price is not None and price >= filters.min_price),
            filters.max_price is None or (price is not None and price <= filters.max_price),
            all(str(meta.get("attributes", {}).get(k, "")).lower() == v.lower() for k, v in filters.attributes.items()),
            not (filters.size or filters.color) or bool(variants),
            not filters.in_stock or (any(v.get("stock", 0) > 0 for v in variants) if (filters.size or filters.color)
                                     else bool(meta.get("in_stock"))),
        ])

    expected = [chunk.id for chunk in store.fetch(products) if wanted(chunk.metadata)]
    assert len(products) == sum(1 for c in store.iter_chunks() if c.kind == "product")
    assert store.matching(filters) == expected
    assert expected or filters.brand == "No Such Brand"  # each case but one selects something
