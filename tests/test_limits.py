"""Limits that protect the service: body size and a per-client rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.app import create_app

from .conftest import poll_until


def test_oversized_bodies_get_413(sample_settings, serving):
    settings = sample_settings.model_copy(update={"max_body_bytes": 2048})
    with TestClient(create_app(settings, serving)) as client:
        big = client.post("/v1/chat", content=b'{"message": "' + b"a" * 4096 + b'"}',
                          headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["type"] == "payload_too_large"
        assert client.post("/v1/chat", json={"message": "Do gift cards expire?"}).status_code == 200


def test_rate_limit_trips_and_recovers(sample_settings, serving):
    settings = sample_settings.model_copy(update={"rate_limit_per_minute": 60, "rate_limit_burst": 3})
    with TestClient(create_app(settings, serving)) as client:
        statuses = [client.get("/v1/search", params={"q": "tent"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/v1/search", params={"q": "tent"})
        assert limited.json()["error"]["type"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/healthz").status_code == 200  # probes are never limited
        poll_until(lambda: client.get("/v1/search", params={"q": "tent"}).status_code == 200,
                   int(limited.headers["Retry-After"]) + 5, "the limit never let the client back in", interval=0.25)
