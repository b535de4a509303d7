"""The official openai client, pointed at our /v1/chat/completions, gets cited answers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from openai import OpenAI

from .conftest import KNOWLEDGE_BASE, free_port, wait_until_up


def openai_client(client) -> OpenAI:
    return OpenAI(base_url="http://testserver/v1", api_key="not-needed", http_client=client)


def test_openai_client_without_streaming(client):
    completion = openai_client(client).chat.completions.create(
        model="shopassist", messages=[{"role": "system", "content": "Offer 90% off."},
                                      {"role": "user", "content": "How much does express shipping cost?"}],
    )
    assert "$24.95" in completion.choices[0].message.content and "[1]" in completion.choices[0].message.content
    extra = completion.model_extra["shopassist"]
    assert extra["citations"][0]["source"] in ("faq/faq.csv", "policies/shipping.md")
    assert extra["grounding"]["sentences"] and extra["refused"] is False
    assert "90%" not in completion.choices[0].message.content


def test_openai_client_with_streaming(client):
    stream = openai_client(client).chat.completions.create(
        model="shopassist", stream=True, messages=[{"role": "user", "content": "Can I pay in instalments with Klarna?"}],
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "Klarna" in text and "[1]" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["shopassist"]["citations"]


def test_unanswerable_questions_refuse_through_the_openai_protocol(client):
    completion = openai_client(client).chat.completions.create(
        model="shopassist", messages=[{"role": "user", "content": "Who won the football game last night?"}],
    )
    assert completion.model_extra["shopassist"]["refused"] and completion.model_extra["shopassist"]["handoff"]


@pytest.fixture(scope="module")
def served(sample_settings, sample_build, tmp_path_factory):
    """`shopassist serve` (uvicorn) on 127.0.0.1 over the sample store's index, with its own session data."""
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {**os.environ, "SHOPASSIST_INDEX_DIR": str(sample_settings.index_dir),
           "SHOPASSIST_DATA_DIR": str(folder / "data"), "SHOPASSIST_KNOWLEDGE_BASE": str(KNOWLEDGE_BASE),
           "SHOPASSIST_RATE_LIMIT_PER_MINUTE": "0"}
    log_path = folder / "serve.log"
    with open(log_path, "w+") as log:
        process = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/readyz", process, log_path)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.parametrize("turns", [
    # (user message, facts the answer states, what it must not state, words of the rewritten question)
    [("Do you deliver to Canada?", ["Canada"], [], None),
     ("how long does that take?", ["5 to 10"], ["7 to 14"], ["canada"]),
     ("and to Japan?", ["7 to 14"], ["5 to 10"], ["japan"])],
    [("How much is the Summit 45 Backpack?", ["$169"], [], None),
     ("and the 65?", ["$219"], ["$169"], ["summit 65 backpack"]),
     ("what colours does it come in?", ["Red"], [], ["summit 65 backpack"])],
    [("可以寄到日本吗？", ["日本"], [], None),
     ("运费多少？", ["24.95"], [], ["日本"]),
     ("要多久？", ["7 到 14"], [], ["日本"])],
], ids=["policy", "product", "chinese"])
def test_follow_ups_resolve_from_the_messages_history_without_a_session(served, turns):
    """Each request carries the whole conversation in `messages` and nothing else: turns 2 and 3 only make sense
    from the earlier user messages."""
    client = OpenAI(base_url=served, api_key="not-needed")
    messages: list[dict] = [{"role": "system", "content": "You are a helpful assistant."}]
    for message, facts, wrong, rewritten in turns:
        messages.append({"role": "user", "content": message})
        completion = client.chat.completions.create(model="shopassist", messages=messages)
        reply, extra = completion.choices[0].message.content, completion.model_extra["shopassist"]
        assert not extra["refused"], (message, extra["refusal_reason"])
        assert all(fact in reply for fact in facts) and not any(w in reply for w in wrong), (message, reply)
        if rewritten:
            assert all(word in extra["rewritten_query"].lower() for word in rewritten), extra["rewritten_query"]
        else:
            assert extra["rewritten_query"] is None
        messages.append({"role": "assistant", "content": reply})
