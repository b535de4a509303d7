"""The public web surface: who a client is, what the page may run and who may frame it, what the
operational pages show, how stock and links reach shoppers, and how the sessions file is kept."""

from __future__ import annotations

import json
import shutil
import stat
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from indexer import build_index
from rag.settings import Settings
from server.app import create_app
from server.repositories import SessionNotFound
from server.repositories.sqlite import SqliteSessionStore
from server.state import ServingState

from .conftest import KNOWLEDGE_BASE

SEARCH = ("/v1/search", {"q": "tent"})


def limited(sample_settings, **update) -> Settings:
    return sample_settings.model_copy(update={"rate_limit_per_minute": 60, "rate_limit_burst": 3, **update})


def test_rotating_forwarded_for_from_an_untrusted_address_does_not_raise_the_limit(sample_settings, serving):
    with TestClient(create_app(limited(sample_settings), serving), client=("203.0.113.7", 4000)) as client:
        statuses = [client.get(SEARCH[0], params=SEARCH[1], headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                    for i in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_forwarded_for_from_a_trusted_proxy_separates_clients(sample_settings, serving):
    settings = limited(sample_settings, trusted_proxies=["10.0.0.0/8"])
    with TestClient(create_app(settings, serving), client=("10.1.2.3", 4000)) as proxy:
        def get(address: str) -> int:
            # A client may send its own header; the proxy appends the address it saw, and only that counts.
            return proxy.get(SEARCH[0], params=SEARCH[1], headers={"X-Forwarded-For": f"1.2.3.4, {address}"}).status_code

        first = [get("198.51.100.1") for _ in range(4)]
        second = [get("198.51.100.2") for _ in range(3)]
    assert first == [200, 200, 200, 429]
    assert second == [200, 200, 200]  # another shopper behind the same proxy has a budget of its own


def test_static_files_and_probes_do_not_spend_a_shoppers_budget(sample_settings, serving):
    with TestClient(create_app(limited(sample_settings), serving)) as client:
        for _ in range(5):
            assert client.get("/favicon.ico").status_code != 429
            assert client.get("/static/app.js").status_code != 429
            assert client.get("/healthz").status_code == 200
        assert [client.get(SEARCH[0], params=SEARCH[1]).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_page_runs_no_inline_code_and_no_other_site_may_frame_it(client):
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
    # Cross-origin browsers get no CORS grant when no origin is allowed.
    preflight = client.options("/v1/chat", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_allowed_origins_may_frame_the_page_and_call_the_api(sample_settings, serving):
    settings = sample_settings.model_copy(update={"allowed_origins": ["https://shop.example"]})
    with TestClient(create_app(settings, serving)) as client:
        policy = client.get("/").headers["content-security-policy"]
        assert "frame-ancestors https://shop.example" in policy
        allowed = client.options("/v1/chat", headers={"Origin": "https://shop.example",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "content-type,x-session-token"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        other = client.options("/v1/chat", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert other.headers.get("access-control-allow-origin") != "https://evil.example"
        chat = client.post("/v1/chat", json={"message": "Do gift cards expire?"}, headers={"Origin": "https://shop.example"})
        assert chat.headers["access-control-allow-origin"] == "https://shop.example"


@pytest.mark.parametrize("access, without_key, with_key", [("public", 200, 200), ("admin", 401, 200), ("off", 404, 404)])
def test_metrics_and_docs_can_be_public_admin_only_or_off(sample_settings, serving, access, without_key, with_key):
    settings = sample_settings.model_copy(update={"metrics_access": access, "docs_access": access,
                                                  "admin_api_keys": [SecretStr("k-secret")]})
    with TestClient(create_app(settings, serving)) as client:
        for path in ("/metrics", "/docs", "/openapi.json"):
            assert client.get(path).status_code == without_key, path
            assert client.get(path, headers={"X-API-Key": "k-secret"}).status_code == with_key, path
        if access == "admin":
            assert client.get("/metrics", headers={"X-API-Key": "wrong"}).status_code == 403


def product_passages(body: dict) -> list[dict]:
    return [p["chunk"]["metadata"] for p in body["passages"] if p["chunk"]["kind"] == "product"]


def test_stock_is_shown_as_a_level_unless_exact_counts_are_configured(sample_settings, serving, client):
    question = {"message": "Tell me about the Cascade 2.5L Rain Shell"}
    shown = product_passages(client.post("/v1/chat", json=question).json())
    assert shown and all(m["stock"] in ("in stock", "low stock", "out of stock") for m in shown)
    assert all(v["stock"] in ("in stock", "low stock", "out of stock") for m in shown for v in m["variants"])
    searched = [p["chunk"]["metadata"] for p in client.get("/v1/search", params={"q": "headlamp"}).json()["passages"]
                if p["chunk"]["kind"] == "product"]
    assert searched and all(isinstance(m["stock"], str) for m in searched)
    exact = sample_settings.model_copy(update={"stock_display": "exact"})
    with TestClient(create_app(exact, serving)) as exact_client:
        counted = product_passages(exact_client.post("/v1/chat", json=question).json())
    assert counted and all(isinstance(m["stock"], int) for m in counted)


def test_product_links_are_http_only_at_index_time(sample_settings, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_BASE, kb)
    bad = {"sku": "BAD-0001", "title": "Trick Lantern", "brand": "X", "category": "Lighting", "price": 10,
           "url": "javascript:alert(document.cookie)", "variants": [{"sku": "BAD-0001-A", "stock": 3}]}
    data = {"sku": "BAD-0002", "title": "Data Lantern", "brand": "X", "category": "Lighting", "price": 11,
            "url": "data:text/html,<script>alert(1)</script>", "variants": [{"sku": "BAD-0002-A", "stock": 3}]}
    with open(kb / "catalog" / "products.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(bad) + "\n" + json.dumps(data) + "\n")
    lines = (kb / "catalog" / "products.jsonl").read_text().splitlines()
    settings = sample_settings.model_copy(update={"knowledge_base": kb, "index_dir": tmp_path / "index",
                                                  "quarantine_planted_text": False})
    report = build_index(settings)
    # The loader leaves the link out and says so with file and line; the product is kept (a warning, not a rejection).
    url_warnings = {r.item: r for r in report.warnings if r.field == "url"}
    assert set(url_warnings) == {"BAD-0001", "BAD-0002"}
    assert url_warnings["BAD-0001"].line == len(lines) - 1 and url_warnings["BAD-0002"].line == len(lines)
    state = ServingState.load(settings)
    ids = state.store.lookup_identifiers(["bad-0001", "bad-0002"])
    chunks = state.store.fetch(ids)
    assert len(chunks) == 2 and all(c.metadata["url"] == "" for c in chunks)  # the products stay, their links go
    state.store.close()


def test_the_sessions_file_is_private_and_expired_sessions_are_deleted(tmp_path):
    path = tmp_path / "data" / "sessions.sqlite"
    path.parent.mkdir()
    path.touch(mode=0o644)
    store = SqliteSessionStore(path, ttl_days=1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened though it existed world-readable
    old, token = store.create()
    store._db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (time.time() - 2 * 86400, old))
    store._db.commit()
    with pytest.raises(SessionNotFound):
        store.authorize(old, token)  # expired: gone for its holder at once
    fresh, fresh_token = store.create()
    assert store.prune_expired() == 1
    assert store._db.execute("SELECT count(*) FROM sessions WHERE id = ?", (old,)).fetchone()[0] == 0
    store.authorize(fresh, fresh_token)
    for companion in path.parent.glob("sessions.sqlite*"):
        assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0, companion
    store.close()


def test_a_new_sessions_file_is_created_private(sample_settings, serving, tmp_path):
    settings = sample_settings.model_copy(update={"data_dir": tmp_path / "fresh"})
    with TestClient(create_app(settings, serving)) as client:
        assert client.post("/v1/chat", json={"message": "Do gift cards expire?"}).status_code == 200
    assert stat.S_IMODE((tmp_path / "fresh" / "sessions.sqlite").stat().st_mode) == 0o600


@pytest.mark.slow
def test_a_real_server_on_localhost_ignores_a_rotating_forwarded_for(sample_settings, sample_build, tmp_path):
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default; `shopassist serve` must not."""
    import os
    import subprocess
    import sys

    import httpx

    from .conftest import free_port, wait_until_up

    port = free_port()
    env = {**os.environ, "SHOPASSIST_INDEX_DIR": str(sample_settings.index_dir),
           "SHOPASSIST_DATA_DIR": str(tmp_path / "data"), "SHOPASSIST_KNOWLEDGE_BASE": str(KNOWLEDGE_BASE),
           "SHOPASSIST_RATE_LIMIT_PER_MINUTE": "60", "SHOPASSIST_RATE_LIMIT_BURST": "3",
           "SHOPASSIST_RELOAD_INTERVAL_SECONDS": "0"}
    log = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", process, tmp_path / "serve.log")
        statuses = [httpx.get(f"http://127.0.0.1:{port}/v1/search", params={"q": "tent"}, timeout=30,
                              headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(5)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert statuses == [200, 200, 200, 429, 429]
