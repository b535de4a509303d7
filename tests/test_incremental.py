"""Re-runs: only changed chunks are embedded, deleted sources disappear, nothing is duplicated; on each index
backend (FAISS + SQLite patches rows, Milvus copies the unchanged rows into a new collection)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from indexer import build_index
from rag.embedding import EmbedderSet, load_embedders
from rag.index import open_versions
from rag.retrieval import HybridRetriever
from rag.settings import Settings

from .conftest import INDEX_BACKENDS, KNOWLEDGE_BASE


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


def counting(settings: Settings) -> EmbedderSet:
    real = load_embedders(settings)
    return EmbedderSet(CountingEmbedder(real.primary), CountingEmbedder(real.multilingual))


def copy_store(kb: Path) -> None:
    (kb / "catalog").mkdir(parents=True)
    shutil.copy(KNOWLEDGE_BASE / "catalog" / "products.jsonl", kb / "catalog" / "products.jsonl")
    shutil.copytree(KNOWLEDGE_BASE / "policies", kb / "policies")


def edit_store(kb: Path) -> tuple[list[dict], list[str]]:
    """Change 3 products, delete 2, add 1 and edit one policy section; return the old products and deleted SKUs."""
    lines = (kb / "catalog" / "products.jsonl").read_text(encoding="utf-8").splitlines()
    products = [json.loads(line) for line in lines]
    kept = [dict(p) for p in products[:3]] + products[5:]
    for product in kept[:3]:
        product["description"] += " Now with a lifetime repair promise."
    kept.append({**products[6], "sku": "NEW-0001", "title": "Brand New Trail Lantern",
                 "variants": [{"sku": "NEW-0001-BLK", "color": "Black", "stock": 9}]})
    (kb / "catalog" / "products.jsonl").write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in kept) + "\n", encoding="utf-8"
    )
    returns = kb / "policies" / "returns.md"
    returns.write_text(returns.read_text(encoding="utf-8").replace(
        "Exchanges for a different size or colour of the same item are free.",
        "Exchanges for a different size or colour of the same item are free, once per order.",
    ), encoding="utf-8")
    return products, [p["sku"] for p in products[3:5]]


@pytest.fixture(params=INDEX_BACKENDS)
def backend(request) -> str:
    return request.param


def test_rerun_embeds_only_changes_and_removes_deleted(tmp_path, backend):
    kb = tmp_path / "kb"
    copy_store(kb)
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index", index_backend=backend)
    first = build_index(settings)
    assert first.published and first.embedded == first.chunks

    products, deleted = edit_store(kb)
    embedders = counting(settings)
    second = build_index(settings, embedders=embedders)

    assert (second.added, second.updated, second.deleted) == (1, 4, 2)
    assert second.unchanged == first.chunks - 4 - 2
    assert second.chunks == first.chunks - 2 + 1
    assert second.embedded == 5
    assert embedders.primary.texts == 5 and embedders.multilingual.texts == 5

    assert second.patched
    store = open_versions(settings).open_current()
    ids = [chunk.id for chunk in store.iter_chunks()]
    assert not [i for i, n in Counter(ids).items() if n > 1]
    assert "product:NEW-0001" in ids
    retriever = HybridRetriever(store, embedders)
    for sku in deleted:
        assert f"product:{sku}" not in ids
        assert store.lookup_identifiers([sku]) == []
        assert all(p.chunk.id != f"product:{sku}" for p in retriever.retrieve(sku, 10))
    changed = next(c for c in store.iter_chunks() if c.id == f"product:{products[0]['sku']}")
    assert "lifetime repair promise" in changed.text


QUERIES = ["waterproof rain jacket", "how long is the warranty", "exchange for a different size",
           "trail lantern", "退货政策", "free shipping threshold", "lifetime repair promise"]


def ranking(store, embedders, query: str) -> list[tuple[str, float]]:
    return [(p.chunk.id, round(p.score, 4)) for p in HybridRetriever(store, embedders).retrieve(query, 8)]


@pytest.mark.parametrize("ann_threshold", [20_000, 50], ids=["exact", "hnsw"])
def test_a_patched_faiss_version_answers_like_a_fresh_build(tmp_path, ann_threshold):
    """Rows of deleted or re-embedded chunks are retired, never returned; keyword statistics stay exact.

    The float ONNX backend gives a text the same vector in any batch; int8 quantizes
    activations per batch, so its vectors move slightly with their batch-mates.
    """
    kb = tmp_path / "kb"
    copy_store(kb)
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index", ann_threshold=ann_threshold,
                        embedding_backend="onnx")
    build_index(settings)
    edit_store(kb)
    rerun = build_index(settings)
    fresh = build_index(settings.model_copy(update={"index_dir": tmp_path / "fresh"}))
    assert rerun.patched and not fresh.patched

    patched_store = open_versions(settings).open_current()
    fresh_store = open_versions(settings.model_copy(update={"index_dir": tmp_path / "fresh"})).open_current()
    assert patched_store.manifest.retired == 2 + 4  # deleted, and updated with new vectors
    assert patched_store.manifest.counts_by_kind == fresh_store.manifest.counts_by_kind
    assert bool(patched_store.manifest.ann) == (ann_threshold == 50)

    def table(store, sql):
        return Counter(store._query(sql))

    for sql in ("SELECT term, chunks FROM terms", "SELECT value FROM identifiers",
                "SELECT category, brand, price, in_stock FROM products", "SELECT size, color, stock FROM variants"):
        assert table(patched_store, sql) == table(fresh_store, sql), sql

    embedders = load_embedders(settings)
    retired = {r[0] for r in patched_store._query("SELECT row FROM retired_rows")}
    for query in QUERIES:
        assert ranking(patched_store, embedders, query) == ranking(fresh_store, embedders, query), query
        vector = embedders.primary.embed([query])[0]
        found = patched_store.search_rows(vector, 10, "primary", None)
        assert len(found) == 10 and not retired & {row for row, _ in found}
        assert [s for _, s in patched_store.keyword_search(query, 10)] == pytest.approx(
            [s for _, s in fresh_store.keyword_search(query, 10)])


def test_a_patched_milvus_version_answers_like_a_fresh_build(tmp_path):
    """Deleted and re-embedded chunks are gone from the copied collection; term counts stay exact."""
    kb = tmp_path / "kb"
    copy_store(kb)
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index", index_backend="milvus",
                        embedding_backend="onnx")
    build_index(settings)
    edit_store(kb)
    rerun = build_index(settings)
    fresh_settings = settings.model_copy(update={"index_dir": tmp_path / "fresh"})
    fresh = build_index(fresh_settings)
    assert rerun.patched and not fresh.patched
    patched_store = open_versions(settings).open_current()
    fresh_store = open_versions(fresh_settings).open_current()
    assert patched_store.manifest.counts_by_kind == fresh_store.manifest.counts_by_kind
    assert patched_store.hashes() == fresh_store.hashes()
    assert patched_store.vocabulary() == fresh_store.vocabulary()
    terms = sorted({word for chunk in fresh_store.iter_chunks() for word in chunk.text.lower().split()})
    assert patched_store.document_counts(terms) == fresh_store.document_counts(terms)
    embedders = load_embedders(settings)
    for query in QUERIES:
        assert [cid for cid, _ in ranking(patched_store, embedders, query)] == [
            cid for cid, _ in ranking(fresh_store, embedders, query)], query


def test_many_retired_rows_make_the_next_run_write_a_whole_version(tmp_path):
    kb = tmp_path / "kb"
    copy_store(kb)
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index")
    first = build_index(settings)
    catalog = kb / "catalog" / "products.jsonl"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    catalog.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    assert build_index(settings).refused  # half the products gone: a truncated export, unless the operator says so
    report = build_index(settings, allow_deletions=True)
    store = open_versions(settings).open_current()
    assert report.deleted > 0.1 * first.chunks and not report.patched
    assert store.manifest.retired == 0 and len(store) == report.chunks


def test_price_and_stock_changes_update_text_without_re_embedding(tmp_path, backend):
    kb = tmp_path / "kb"
    (kb / "catalog").mkdir(parents=True)
    lines = (KNOWLEDGE_BASE / "catalog" / "products.jsonl").read_text(encoding="utf-8").splitlines()[:10]
    (kb / "catalog" / "products.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index", index_backend=backend)
    build_index(settings)
    products = [json.loads(line) for line in lines]
    products[0]["price"] = 1234.5
    products[1]["variants"][0]["stock"] += 7
    (kb / "catalog" / "products.jsonl").write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in products) + "\n", encoding="utf-8"
    )
    embedders = counting(settings)
    report = build_index(settings, embedders=embedders)
    assert (report.updated, report.embedded, embedders.primary.texts) == (2, 0, 0)
    repriced = next(c for c in open_versions(settings).open_current().iter_chunks()
                    if c.id == f"product:{products[0]['sku']}")
    assert "Price: $1,234.50." in repriced.text


def test_changed_embedding_settings_force_a_full_rebuild(tmp_path, backend):
    kb = tmp_path / "kb"
    (kb / "policies").mkdir(parents=True)
    shutil.copy(KNOWLEDGE_BASE / "policies" / "warranty.md", kb / "policies" / "warranty.md")
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index", index_backend=backend)
    first = build_index(settings)
    rerun = build_index(settings.model_copy(update={"chunk_size": 400}))
    assert rerun.rebuild_reason and "chunk_size 800 -> 400" in rerun.rebuild_reason
    assert rerun.embedded == rerun.chunks and rerun.chunks > first.chunks
    full = build_index(settings.model_copy(update={"chunk_size": 400}), full=True)
    assert full.rebuild_reason == "--full was given" and full.embedded == full.chunks
