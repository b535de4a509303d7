"""FAQ matching over HTTP on the sample store: an FAQ asked in other words is answered from that FAQ, cited first;
a question no FAQ asks is answered as before, from retrieval."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("message, faq_question, fact", [
    ("Do your gift cards have an expiry date?", "Do gift cards expire?", "never expire"),
    ("Is there a warranty on backpacks?", "What warranty do backpacks have?", "5-year warranty"),
    ("退货后多久能收到退款？", "退货需要多久退款？", "5 个工作日"),
    ("能寄到中国吗？", "可以寄到中国吗？", "24.95"),
    # Close in words to "Do you ship to Canada?", but the entry that names Japan is the international one.
    ("Do you ship to Japan?", "Do you ship internationally?", "Japan"),
])
def test_an_faq_in_other_words_is_answered_from_that_faq(client, message, faq_question, fact):
    body = client.post("/v1/chat", json={"message": message}).json()
    assert body["outcome"] == "answered", body
    assert body["faq"]["question"] == faq_question and body["faq"]["score"] > 0
    first = body["citations"][0]
    assert first["chunk_id"] == body["faq"]["chunk_id"] and first["chunk_id"].startswith("faq:")
    assert first["section"] == faq_question
    assert body["passages"][0]["chunk"]["id"] == first["chunk_id"]
    assert fact in body["text"]


@pytest.mark.parametrize("message", [
    "Is the Beacon 400 Headlamp waterproof?",  # a product question
    "这款帐篷有多重？",
])
def test_a_question_no_faq_asks_is_not_matched(client, message):
    body = client.post("/v1/chat", json={"message": message}).json()
    assert body["faq"] is None
    assert all(p["space"] != "faq" for p in body["passages"])


def test_faq_matching_can_be_turned_off(sample_settings, serving):
    from rag.assistant import build_assistant

    assistant = build_assistant(sample_settings.model_copy(update={"faq_matching": False}), serving.store,
                                serving.embedders)
    assert assistant.faq is None
    assert assistant.answer("Do your gift cards have an expiry date?").faq is None


def test_the_shipped_adapter_maps_the_multilingual_space_and_can_be_turned_off(sample_settings, serving):
    from rag.assistant import build_assistant
    from rag.faq_adapter import SHIPPED_ADAPTER

    adapted = build_assistant(sample_settings, serving.store, serving.embedders).faq
    assert adapted.adapter is not None and adapted.adapter.source == str(SHIPPED_ADAPTER)
    plain = build_assistant(sample_settings.model_copy(update={"faq_adapter": False}), serving.store,
                            serving.embedders).faq
    assert plain.adapter is None
    question = "退货后多久能收到退款？"
    assert adapted.signals([question])["multilingual"].tolist() != plain.signals([question])["multilingual"].tolist()
    assert plain.match(question).entry.question == adapted.match(question).entry.question == "退货需要多久退款？"
