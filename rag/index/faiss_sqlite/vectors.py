"""FAISS indexes: exact float16 search for small indexes, tuned HNSW graphs for large ones."""

from __future__ import annotations

import faiss
import numpy as np

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
ANN_RECALL_TARGET = 0.95
# Below this many allowed rows, a filtered query is answered exactly from the stored vectors.
EXACT_FILTER_LIMIT = 20_000


def build_faiss_index(vectors: np.ndarray, ann_threshold: int) -> faiss.Index:
    """Exact inner-product search up to ``ann_threshold`` vectors, HNSW above it; vectors stored as float16.

    Vectors are normalised, so inner products are cosines. float16 halves memory, keeps
    recall@10 at 0.999 against float32 and scans faster; unlike SQ8 it needs no per-build
    ranges, so vectors reused by incremental builds come back bit for bit.
    """
    dimension = vectors.shape[1]
    if len(vectors) <= ann_threshold:
        index = faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    if len(vectors):
        index.train(vectors)
        index.add(vectors)
    return index


def tune_hnsw(index: faiss.IndexHNSW, vectors: np.ndarray, samples: int = 200, seed: int = 0) -> dict[str, float]:
    """Raise efSearch until recall@10 against exact search reaches the target; record both.

    Tuning queries sit between two random chunks, plus noise: shopper questions rarely land
    on one chunk, and queries near a single chunk would reach the target with too small an
    efSearch (measured in docs/benchmarks.md against real questions).
    """
    rng = np.random.default_rng(seed)
    first = vectors[rng.integers(len(vectors), size=samples)]
    second = vectors[rng.integers(len(vectors), size=samples)]
    queries = first + second + rng.normal(scale=0.05, size=first.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    recall = 0.0
    for ef in (32, 64, 128, 256, 512, 1024, 2048):
        index.hnsw.efSearch = ef
        _, found = index.search(queries, 10)
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
        if recall >= ANN_RECALL_TARGET:
            break
    return {"efSearch": ef, "recall_at_10": round(recall, 4)}


def index_type_name(index: faiss.Index) -> str:
    return type(faiss.downcast_index(index)).__name__
