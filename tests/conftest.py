"""Shared fixtures: one real index of the sample store, built once per test session."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from indexer import build_index  # noqa: E402
from rag.embedding import register_embedder  # noqa: E402
from rag.settings import Settings  # noqa: E402
from server.app import create_app  # noqa: E402
from server.state import ServingState  # noqa: E402

from .fakes import FAKE_EMBEDDER, WordLengthEmbedder  # noqa: E402

register_embedder(FAKE_EMBEDDER, WordLengthEmbedder)

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_BASE = ROOT / "knowledge_base"
GOLDEN = ROOT / "tests" / "golden" / "store.jsonl"


UNIT_TESTS = Path(__file__).resolve().parent / "unit"


def pytest_collection_modifyitems(items):
    """Every test outside tests/unit uses the real models, an index, a process or a browser: it is `slow`.
    `pytest -m "not slow"` runs the unit layer only (tests/unit/conftest.py keeps real models out of it)."""
    for item in items:
        if UNIT_TESTS not in Path(item.path).parents:
            item.add_marker(pytest.mark.slow)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Bounded polling: return as soon as ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g}s"
        time.sleep(interval)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    """Poll ``url`` until it answers 200; fail with the process log if it dies or never does."""

    def up() -> bool:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    poll_until(up, timeout, f"{url} never came up", interval=0.3)


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory) -> Settings:
    base = tmp_path_factory.mktemp("sample")
    # The suite sends hundreds of requests from one client: rate limiting is tested on its own.
    return Settings(knowledge_base=KNOWLEDGE_BASE, index_dir=base / "index", data_dir=base / "data",
                    rate_limit_per_minute=0)


@pytest.fixture(scope="session")
def sample_build(sample_settings):
    return build_index(sample_settings)


@pytest.fixture(scope="session")
def serving(sample_settings, sample_build) -> ServingState:
    return ServingState.load(sample_settings)


@pytest.fixture(scope="session")
def client(sample_settings, serving):
    with TestClient(create_app(sample_settings, serving)) as test_client:
        yield test_client


INDEX_BACKENDS = ["faiss", "milvus"]


@pytest.fixture(scope="session")
def milvus_sample_settings(sample_settings, tmp_path_factory) -> Settings:
    """The sample store in milvus-lite (a file under the test's folder), built once per test session."""
    base = tmp_path_factory.mktemp("sample-milvus")
    settings = sample_settings.model_copy(update={"index_backend": "milvus", "index_dir": base / "index",
                                                  "data_dir": base / "data"})
    build_index(settings)
    return settings


@pytest.fixture(scope="session", params=INDEX_BACKENDS)
def backend_settings(request, sample_settings, sample_build) -> Settings:
    """The sample store's settings, once per index backend."""
    return sample_settings if request.param == "faiss" else request.getfixturevalue("milvus_sample_settings")


@pytest.fixture(scope="session")
def backend_serving(backend_settings, serving) -> ServingState:
    return serving if backend_settings.index_backend == "faiss" else ServingState.load(backend_settings)


@pytest.fixture(scope="session")
def backend_client(backend_settings, backend_serving):
    with TestClient(create_app(backend_settings, backend_serving)) as test_client:
        yield test_client


@pytest.fixture
def fake_llm():
    """Start a scripted OpenAI-compatible server: ``fake_llm(["reply 1", ...])``."""
    from .fakes import FakeOpenAIServer

    servers = []

    def start(replies: list[str]) -> FakeOpenAIServer:
        servers.append(FakeOpenAIServer(replies))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL 15 cluster for the session (tests/postgres.py); fails loudly if it cannot start."""
    from .postgres import PostgresUnavailable, ThrowawayPostgres

    try:
        cluster = ThrowawayPostgres(free_port())
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL could not start: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(postgres, request) -> str:
    """A fresh, empty database in that cluster for one test."""
    import re
    import secrets

    name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40] + "_" + secrets.token_hex(3)
    return postgres.create_database(name)
