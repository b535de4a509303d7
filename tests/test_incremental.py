"""Re-runs: only changed chunks are embedded, deleted sources disappear, nothing is duplicated."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np

from indexer import build_index
from rag.embedding import EmbedderSet, load_embedders
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import IndexDirectory

from .conftest import KNOWLEDGE_BASE


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


def test_rerun_embeds_only_changes_and_removes_deleted(tmp_path):
    kb = tmp_path / "kb"
    (kb / "catalog").mkdir(parents=True)
    shutil.copy(KNOWLEDGE_BASE / "catalog" / "products.jsonl", kb / "catalog" / "products.jsonl")
    shutil.copytree(KNOWLEDGE_BASE / "policies", kb / "policies")
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index")
    first = build_index(settings)
    assert first.published and first.embedded == first.chunks

    lines = (kb / "catalog" / "products.jsonl").read_text(encoding="utf-8").splitlines()
    products = [json.loads(line) for line in lines]
    for product in products[:3]:  # change 3
        product["description"] += " Now with a lifetime repair promise."
    deleted = [p["sku"] for p in products[3:5]]  # delete 2
    kept = products[:3] + products[5:]
    kept.append({**products[6], "sku": "NEW-0001", "title": "Brand New Trail Lantern",
                 "variants": [{"sku": "NEW-0001-BLK", "color": "Black", "stock": 9}]})  # add 1
    (kb / "catalog" / "products.jsonl").write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in kept) + "\n", encoding="utf-8"
    )
    returns = kb / "policies" / "returns.md"  # edit one section
    returns.write_text(returns.read_text(encoding="utf-8").replace(
        "Exchanges for a different size or colour of the same item are free.",
        "Exchanges for a different size or colour of the same item are free, once per order.",
    ), encoding="utf-8")

    embedders = counting(settings)
    second = build_index(settings, embedders=embedders)

    assert (second.added, second.updated, second.deleted) == (1, 4, 2)
    assert second.unchanged == first.chunks - 4 - 2
    assert second.chunks == first.chunks - 2 + 1
    assert second.embedded == 5
    assert embedders.primary.texts == 5 and embedders.multilingual.texts == 5

    store = IndexDirectory(settings.index_dir).open_current()
    ids = [chunk.id for chunk in store.iter_chunks()]
    assert not [i for i, n in Counter(ids).items() if n > 1]
    assert "product:NEW-0001" in ids
    retriever = HybridRetriever(store, embedders)
    for sku in deleted:
        assert f"product:{sku}" not in ids
        assert store.rows_for_identifiers([sku]) == []
        assert all(p.chunk.id != f"product:{sku}" for p in retriever.retrieve(sku, 10))
    changed = next(c for c in store.iter_chunks() if c.id == f"product:{products[0]['sku']}")
    assert "lifetime repair promise" in changed.text


def test_price_and_stock_changes_update_text_without_re_embedding(tmp_path):
    kb = tmp_path / "kb"
    (kb / "catalog").mkdir(parents=True)
    lines = (KNOWLEDGE_BASE / "catalog" / "products.jsonl").read_text(encoding="utf-8").splitlines()[:10]
    (kb / "catalog" / "products.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index")
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
    repriced = next(c for c in IndexDirectory(settings.index_dir).open_current().iter_chunks()
                    if c.id == f"product:{products[0]['sku']}")
    assert "Price: $1,234.50 USD." in repriced.text


def test_changed_embedding_settings_force_a_full_rebuild(tmp_path):
    kb = tmp_path / "kb"
    (kb / "policies").mkdir(parents=True)
    shutil.copy(KNOWLEDGE_BASE / "policies" / "warranty.md", kb / "policies" / "warranty.md")
    settings = Settings(knowledge_base=kb, index_dir=tmp_path / "index")
    first = build_index(settings)
    rerun = build_index(settings.model_copy(update={"chunk_size": 400}))
    assert rerun.rebuild_reason and "chunk_size 800 -> 400" in rerun.rebuild_reason
    assert rerun.embedded == rerun.chunks and rerun.chunks > first.chunks
    full = build_index(settings.model_copy(update={"chunk_size": 400}), full=True)
    assert full.rebuild_reason == "--full was given" and full.embedded == full.chunks
