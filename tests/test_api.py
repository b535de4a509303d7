"""The chat API's contract: answers, and bad input turned into 4xx JSON errors, never a 500."""

from __future__ import annotations

import json

import pytest


def test_health_and_readiness(client, serving):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["index_version"] == serving.store.version


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/v1/chat" in spec["paths"]


def test_chat_answer_shape(client):
    body = client.post("/v1/chat", json={"message": "How much does express shipping cost?"}).json()
    assert body["refused"] is False
    assert "$24.95" in body["text"]
    citation = body["citations"][0]
    assert {"number", "chunk_id", "source", "title", "snippet", "score"} <= set(citation)
    assert body["passages"] and body["passages"][0]["rank"] == 1
    assert body["session_id"]


def test_a_session_continues_only_with_its_token(client):
    first = client.post("/v1/chat", json={"message": "Do gift cards expire?"}).json()
    assert len(first["session_id"]) >= 32 and len(first["session_token"]) >= 32
    follow = client.post("/v1/chat", json={"message": "Can I pay with Klarna?", "session_id": first["session_id"]},
                         headers={"X-Session-Token": first["session_token"]})
    assert follow.status_code == 200 and follow.json()["session_id"] == first["session_id"]
    assert follow.json()["session_token"] is None
    for headers in ({}, {"X-Session-Token": "guess"}):
        stolen = client.post("/v1/chat", json={"message": "hi", "session_id": first["session_id"]}, headers=headers)
        assert stolen.status_code == 404 and stolen.json()["error"]["type"] == "not_found"
    made_up = client.post("/v1/chat", json={"message": "hi", "session_id": "abc_123"}, headers={"X-Session-Token": "x"})
    assert made_up.status_code == 404


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"message": ""}, "message"),
        ({"message": 42}, "message"),
        ({"message": ["a"]}, "message"),
        ({}, "message"),
        ({"message": "hi", "session_id": "../../etc"}, "session_id"),
    ],
)
def test_invalid_requests_get_422_json(client, payload, field):
    response = client.post("/v1/chat", json=payload)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert any(f["field"] == field for f in error["fields"])


def test_blank_and_overlong_messages_are_rejected(client, sample_settings):
    blank = client.post("/v1/chat", json={"message": "   \n "})
    assert blank.status_code == 422 and "empty" in blank.json()["error"]["message"]
    long = client.post("/v1/chat", json={"message": "a" * (sample_settings.max_message_chars + 1)})
    assert long.status_code == 422 and str(sample_settings.max_message_chars) in long.json()["error"]["message"]


def test_malformed_json_and_wrong_method(client):
    broken = client.post("/v1/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["error"]["type"] == "validation_error"
    assert client.get("/v1/chat").json()["error"]["type"] == "method_not_allowed"
    assert client.get("/nope").status_code == 404


def test_search_endpoint_returns_scored_passages_with_filters(client):
    plain = client.get("/v1/search", params={"q": "return window", "k": 3}).json()
    assert len(plain["passages"]) == 3 and plain["filters"] is None
    assert plain["passages"][0]["score"] >= plain["passages"][1]["score"]
    filtered = client.get("/v1/search", params={"q": "jacket", "category": "Jackets", "max_price": 60, "k": 5}).json()
    assert filtered["filters"] == {"category": "Jackets", "max_price": 60.0, "attributes": {}}
    assert filtered["passages"] and all(p["chunk"]["metadata"]["price"] <= 60 for p in filtered["passages"])
    assert client.get("/v1/search", params={"q": "", "k": 3}).status_code == 422


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_chat_stream_sends_verified_sentences_then_the_answer(client):
    with client.stream("POST", "/v1/chat/stream", json={"message": "Can I pay in instalments with Klarna?"}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and kinds[:-1] and set(kinds[:-1]) == {"sentence"}
    final = events[-1][1]
    assert final["citations"] and final["session_id"] and final["grounding"]["sentences"]
    streamed = " ".join(data["text"] for kind, data in events if kind == "sentence")
    assert "Klarna" in streamed and "[1]" in streamed


def test_slow_answers_time_out_with_504(sample_settings, serving):
    from fastapi.testclient import TestClient

    from server.app import create_app

    settings = sample_settings.model_copy(update={"answer_timeout_seconds": 0.001})
    with TestClient(create_app(settings, serving)) as slow:
        response = slow.post("/v1/chat", json={"message": "How long do I have to return an item?"})
    assert response.status_code == 504 and response.json()["error"]["message"].startswith("the answer took too long")
