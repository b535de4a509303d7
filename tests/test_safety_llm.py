"""An LLM that fails in any way never costs the shopper an answer: the extractive answer comes back with
status 200 before the answer deadline, and the failure is counted in /metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rag.assistant import build_assistant, llm_budget
from server.app import create_app
from server.state import ServingState

from .fakes import FailingOpenAIServer

QUESTION = "How long do I have to return an item?"
EXPECTED_KIND = {"http_400": "http_4xx", "http_500": "http_5xx", "malformed": "malformed", "slow": "timeout",
                 "silent": "timeout", "empty": "empty", "truncated": "truncated"}


@pytest.fixture(scope="module")
def extractive_text(client):
    body = client.post("/v1/chat", json={"message": QUESTION}).json()
    assert not body["refused"] and "30 days" in body["text"]
    return body["text"]


@pytest.mark.parametrize("kind", FailingOpenAIServer.KINDS)
def test_every_llm_failure_falls_back_to_the_extractive_answer_in_time(kind, sample_settings, serving, extractive_text):
    llm = FailingOpenAIServer(kind)
    try:
        # The deadline is short and the LLM's own timeout long: retries must share one budget that ends first.
        settings = sample_settings.model_copy(update={
            "generator": "openai", "llm_base_url": llm.url, "llm_model": "fake", "llm_timeout_seconds": 30,
            "llm_retries": 2, "llm_latency_budget_seconds": 2, "answer_timeout_seconds": 15,
        })
        assert llm_budget(settings) == 2
        state = ServingState(serving.store, serving.embedders, build_assistant(settings, serving.store, serving.embedders))
        with TestClient(create_app(settings, state)) as client:
            response = client.post("/v1/chat", json={"message": QUESTION})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["text"] == extractive_text
            assert body["grounding"]["fallback"] == "extractive"
            assert body["grounding"]["generation_error"] == EXPECTED_KIND[kind]
            metrics = client.get("/metrics").text
            assert f'shopassist_llm_failures_total{{kind="{EXPECTED_KIND[kind]}"}} 1.0' in metrics
        if kind == "http_500":
            assert llm.calls == 3  # retried, within the budget
        if kind == "http_400":
            assert llm.calls == 1  # a refusal is final
    finally:
        llm.close()


def test_the_llm_budget_always_ends_before_the_answer_deadline(sample_settings):
    for deadline, budget in ((60, 20), (60, 100), (10, 30), (2, 30)):
        settings = sample_settings.model_copy(update={"answer_timeout_seconds": deadline,
                                                      "llm_latency_budget_seconds": budget})
        assert llm_budget(settings) < deadline
        assert llm_budget(settings) <= budget
