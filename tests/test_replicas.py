"""Two server replicas behind one PostgreSQL: real uvicorn processes on 127.0.0.1 sharing the database and the
published index, each with a data_dir of its own (so nothing can pass through files), asked alternately as a
load balancer would: one conversation, one shopper's rate limit, feedback and handoffs seen from either."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from .conftest import KNOWLEDGE_BASE, free_port, wait_until_up

ADMIN_KEY = "replica-admin"


class Replica:
    def __init__(self, name: str, env: dict[str, str], tmp_path):
        self.port = free_port()
        self.log_path = tmp_path / f"replica-{name}.log"
        self._log = open(self.log_path, "w+")
        env = {**env, "SHOPASSIST_DATA_DIR": str(tmp_path / f"data-{name}")}
        self.process = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
                                        env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, client: str, **kwargs) -> httpx.Response:
        """A request as the proxy forwards it for the shopper at address ``client``."""
        headers = {"X-Forwarded-For": client, **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=120, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._log.close()


@pytest.fixture
def replicas(sample_settings, sample_build, database_url, tmp_path):
    env = {
        **os.environ,
        "SHOPASSIST_KNOWLEDGE_BASE": str(KNOWLEDGE_BASE),
        "SHOPASSIST_INDEX_DIR": str(sample_settings.index_dir),
        "SHOPASSIST_DATABASE_URL": database_url,
        "SHOPASSIST_RATE_LIMIT_BACKEND": "postgres",
        "SHOPASSIST_RATE_LIMIT_PER_MINUTE": "1",  # one request a minute once a burst of 6 is spent
        "SHOPASSIST_RATE_LIMIT_BURST": "6",
        "SHOPASSIST_TRUSTED_PROXIES": '["127.0.0.1"]',  # the test plays the proxy: X-Forwarded-For names shoppers
        "SHOPASSIST_ADMIN_API_KEYS": f'["{ADMIN_KEY}"]',
        "SHOPASSIST_RELOAD_INTERVAL_SECONDS": "0",
    }
    started = [Replica("a", env, tmp_path), Replica("b", env, tmp_path)]
    try:
        for replica in started:
            wait_until_up(f"{replica.url}/readyz", replica.process, replica.log_path)
        yield started
    finally:
        for replica in started:
            replica.stop()


def test_two_replicas_serve_one_conversation_and_hold_one_rate_limit(replicas):
    a, b = replicas
    shopper, admin, hasty = "198.51.100.10", "198.51.100.20", "198.51.100.30"

    first = a.request("POST", "/v1/chat", shopper, json={"message": "How much is the Squall Anorak?"})
    assert first.status_code == 200, first.text
    session = {"X-Session-Token": first.json()["session_token"]}
    session_id = first.json()["session_id"]
    assert first.json()["citations"][0]["chunk_id"] == "product:JK-1120"

    follow_up = b.request("POST", "/v1/chat", shopper, headers=session,
                          json={"message": "Does it come in blue?", "session_id": session_id})
    assert follow_up.status_code == 200, follow_up.text
    assert follow_up.json()["rewritten_query"] == "Does Squall Anorak come in blue?"  # turn 1 on A, resolved on B
    assert follow_up.json()["citations"][0]["chunk_id"] == "product:JK-1120"
    assert "colours:" in follow_up.json()["text"].lower()
    assert b.request("POST", "/v1/chat", shopper, json={"message": "Does it come in blue?", "session_id": session_id},
                     headers={"X-Session-Token": "not-the-token"}).status_code == 404

    rated = a.request("POST", "/v1/feedback", shopper, json={"answer_id": follow_up.json()["answer_id"], "rating": "up"})
    assert rated.status_code == 201, rated.text
    handoff = a.request("POST", "/v1/handoffs", shopper, headers=session, json={"session_id": session_id})
    assert handoff.status_code == 201, handoff.text
    transcript = b.request("GET", f"/v1/sessions/{session_id}", shopper, headers=session).json()
    assert [t["question"] for t in transcript["turns"]] == ["How much is the Squall Anorak?", "Does it come in blue?"]

    key = {"X-API-Key": ADMIN_KEY}
    feedback = b.request("GET", "/v1/admin/feedback", admin, headers=key).json()
    assert [(f["answer_id"], f["rating"]) for f in feedback] == [(follow_up.json()["answer_id"], "up")]
    tickets = b.request("GET", "/v1/admin/handoffs", admin, headers=key).json()
    assert [(t["reference"], t["session_id"], len(t["transcript"])) for t in tickets] \
        == [(handoff.json()["reference"], session_id, 2)]

    statuses = [replica.request("GET", "/v1/search", hasty, params={"q": "tent"}).status_code
                for replica in (a, b, a, b, a, b, a, b)]
    assert statuses == [200] * 6 + [429, 429]  # a burst of 6 in all, whichever replica is asked
    limited = b.request("GET", "/v1/search", hasty, params={"q": "tent"})
    assert limited.json()["error"]["type"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert a.request("GET", "/v1/search", "198.51.100.31", params={"q": "tent"}).status_code == 200  # others unaffected
