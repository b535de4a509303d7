"""Safe publishing: killed runs, locks, corrupt files, hot reload under traffic, pruning; on each index backend
(FAISS + SQLite folders named in CURRENT, Milvus collections named by an alias) where the test is not about files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import build_index
from rag.index import CorruptIndexError, IndexLockedError, milvus_location, open_versions
from rag.index.faiss_sqlite import FaissSqliteIndex
from rag.index.faiss_sqlite.schema import CHUNKS_DB, vectors_file
from rag.index.versions import IndexDirectory
from rag.settings import Settings
from server.app import create_app
from server.state import ServingState

from .conftest import INDEX_BACKENDS, poll_until

ADMIN = {"X-API-Key": "test-admin-key"}


def write_products(path: Path, count: int, prefix: str = "GEN") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps({
                "sku": f"{prefix}-{i:05d}", "title": f"Trail Item {i} {prefix}", "brand": "Acme",
                "category": "Gear", "price": 10 + i % 90, "description": f"Useful outdoor item number {i}.",
                "variants": [{"sku": f"{prefix}-{i:05d}-A", "color": "Black", "stock": i % 3}],
            }) + "\n")


def make_settings(tmp_path: Path, **extra) -> Settings:
    return Settings(
        knowledge_base=tmp_path / "kb", index_dir=tmp_path / "index", multilingual_model=None,
        admin_api_keys=["test-admin-key"], reload_interval_seconds=0, rate_limit_per_minute=0, **extra,
    )


@pytest.fixture(params=INDEX_BACKENDS)
def backend(request) -> str:
    return request.param


def test_killed_indexer_leaves_last_version_serving_and_next_run_recovers(tmp_path, backend):
    settings = make_settings(tmp_path, index_backend=backend)
    write_products(settings.knowledge_base / "catalog" / "products.jsonl", 20)
    first = build_index(settings)

    write_products(settings.knowledge_base / "catalog" / "products.jsonl", 4000, prefix="BIG")
    env = {**os.environ, "SHOPASSIST_KNOWLEDGE_BASE": str(settings.knowledge_base),
           "SHOPASSIST_INDEX_DIR": str(settings.index_dir), "SHOPASSIST_MULTILINGUAL_MODEL": "",
           "SHOPASSIST_INDEX_BACKEND": backend}
    if backend == "milvus":
        from rag.index.milvus import release_client

        release_client(milvus_location(settings))  # milvus-lite: one process at a time per file
    # Every GEN product gives way to BIG ones: a deletion the operator means.
    process = subprocess.Popen([sys.executable, "-m", "server.cli", "index", "--allow-deletions"], env=env,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        for line in process.stderr:  # wait until embedding is under way, then kill
            if "Embedding (primary):" in line and " 0/" not in line:
                break
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    versions = open_versions(settings)
    assert versions.current_version() == first.version
    store = versions.open_current()
    [chunk] = store.fetch(store.lookup_identifiers(["GEN-00001"]))
    abandoned = versions.new_version(settings.ann_threshold)  # written, never published: a kill before publishing
    abandoned.write([chunk], {space: store.vectors([chunk.id], space) for space in store.manifest.spaces},
                    {space: info["model"] for space, info in store.manifest.spaces.items()}, {})
    serving = ServingState.load(settings)
    assert serving.store.version == first.version
    answer = serving.assistant.answer("Tell me about GEN-00003")
    assert answer.citations[0].chunk_id == "product:GEN-00003"

    recovered = build_index(settings, allow_deletions=True)
    assert abandoned.name in " ".join(recovered.removed_incomplete) and recovered.published
    assert abandoned.name not in versions.complete_versions()
    if backend == "faiss":
        assert not any(p.name.startswith(".tmp-") for p in IndexDirectory(settings.index_dir).versions.iterdir())
    assert open_versions(settings).open_current().lookup_identifiers(["BIG-03999"])


def test_a_second_indexer_is_refused_naming_the_holder(tmp_path, backend):
    settings = make_settings(tmp_path, index_backend=backend)
    write_products(settings.knowledge_base / "catalog" / "products.jsonl", 3)
    with open_versions(settings).lock():
        with pytest.raises(IndexLockedError, match=f"pid {os.getpid()}"):
            build_index(settings)
    assert build_index(settings).published  # released on exit


def test_old_versions_are_pruned(tmp_path, backend):
    settings = make_settings(tmp_path, keep_versions=2, index_backend=backend)
    products = settings.knowledge_base / "catalog" / "products.jsonl"
    versions = []
    for n in (3, 4, 5, 6):
        write_products(products, n)
        versions.append(build_index(settings).version)
    assert sorted(open_versions(settings).complete_versions()) == versions[-2:]
    if backend == "faiss":
        assert sorted(p.name for p in IndexDirectory(settings.index_dir).versions.iterdir()) == versions[-2:]


def copy_with_damage(settings: Settings, damage) -> Path:
    """Publish a damaged copy of the current version as a new version, the way a bad disk would."""
    directory = IndexDirectory(settings.index_dir)
    source = directory.current_path()
    name, tmp = directory.new_version_dir()
    for item in source.iterdir():
        (tmp / item.name).write_bytes(item.read_bytes())
    damage(tmp)
    return directory.publish(name, tmp)


def truncate_faiss(path: Path) -> None:
    file = path / vectors_file("primary")
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def damage_sqlite(path: Path) -> None:
    data = bytearray((path / CHUNKS_DB).read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    (path / CHUNKS_DB).write_bytes(bytes(data))


@pytest.mark.parametrize("damage, message", [(truncate_faiss, "cannot read FAISS vectors"),
                                             (damage_sqlite, "chunk database .* is damaged")])
def test_corrupt_index_fails_clearly_and_a_running_server_keeps_its_version(tmp_path, damage, message):
    settings = make_settings(tmp_path)
    write_products(settings.knowledge_base / "catalog" / "products.jsonl", 10)
    good = build_index(settings).version
    with TestClient(create_app(settings)) as client:
        bad = copy_with_damage(settings, damage)
        with pytest.raises(CorruptIndexError, match=message):
            FaissSqliteIndex(bad)
        response = client.post("/v1/admin/reload", headers=ADMIN)
        assert response.status_code == 409
        assert good in response.json()["error"]["message"]
        assert client.get("/readyz").json()["index_version"] == good
        assert client.post("/v1/chat", json={"message": "Tell me about GEN-00004"}).status_code == 200


def test_requests_never_fail_while_a_new_version_is_published(tmp_path, backend):
    settings = make_settings(tmp_path, index_backend=backend)
    products = settings.knowledge_base / "catalog" / "products.jsonl"
    write_products(products, 30)
    first = build_index(settings).version
    failures, versions_seen, done = [], set(), threading.Event()

    with TestClient(create_app(settings)) as client:
        def shopper():
            while not done.is_set():
                response = client.post("/v1/chat", json={"message": "Tell me about GEN-00007"})
                if response.status_code != 200 or not response.json()["citations"]:
                    failures.append(response.text)
                versions_seen.add(client.get("/readyz").json()["index_version"])

        thread = threading.Thread(target=shopper)
        thread.start()
        try:
            poll_until(lambda: first in versions_seen, 60, "the shopper never got an answer")
            write_products(products, 60)
            second = build_index(settings).version
            assert client.post("/v1/admin/reload", headers=ADMIN).json() == {"version": second, "changed": True}
            poll_until(lambda: second in versions_seen, 60, "the shopper never got an answer from the new version")
        finally:
            done.set()
            thread.join(timeout=60)
    assert failures == []
    assert {first, second} <= versions_seen


def test_the_server_watches_for_new_versions(tmp_path, backend):
    settings = make_settings(tmp_path, index_backend=backend).model_copy(update={"reload_interval_seconds": 0.2})
    products = settings.knowledge_base / "catalog" / "products.jsonl"
    write_products(products, 5)
    build_index(settings)
    with TestClient(create_app(settings)) as client:
        write_products(products, 8)
        second = build_index(settings).version
        poll_until(lambda: client.get("/readyz").json()["index_version"] == second, 30,
                   "the watcher never picked up the new version")


def test_admin_endpoints_need_a_valid_key(client):
    for method, path in (("get", "/v1/admin/index"), ("post", "/v1/admin/reload")):
        missing = getattr(client, method)(path)
        assert missing.status_code == 401 and missing.json()["error"]["type"] == "unauthorized"
        wrong = getattr(client, method)(path, headers={"X-API-Key": "guess"})
        assert wrong.status_code == 403 and wrong.json()["error"]["type"] == "forbidden"
