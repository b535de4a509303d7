"""Retrieval latency (p50/p99, model load excluded) at 10k and 100k chunks, with and without filters.

    python -m bench.retrieval_latency --sizes 10000 100000 --queries 200

Vectors are real all-MiniLM-L6-v2 embeddings of up to 10,000 generated products;
larger indexes repeat them with small Gaussian noise (search cost depends on the
count and dimension of vectors, not on where they came from). Each query is timed
end to end through the hybrid retriever: query embedding, FAISS, FTS5 and SQLite.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.generate_catalog import generate
from bench.report import write_section
from indexer.chunking import product_chunk
from indexer.pipeline import embed_chunks
from indexer.progress import LogProgress
from rag.embedding import EmbedderSet, load_embedder
from rag.filters import Filters
from rag.models import Product
from rag.retrieval import HybridRetriever
from rag.store import IndexStore, IndexWriter

QUESTIONS = ["waterproof rain shell for hiking", "lightweight tent for two", "warm sleeping bag for winter",
             "trail running shoes with a rock plate", "headlamp with usb-c charging", "daypack with hydration sleeve",
             "merino base layer", "titanium stove for backpacking", "insulated bottle keeps drinks cold",
             "GPS watch battery life"]
FILTERS = Filters(category="Jackets", max_price=150, in_stock=True)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def build(size: int, base_vectors: np.ndarray, work: Path, model: str) -> IndexStore:
    products = generate(size, seed=5)
    chunks = [product_chunk(Product.model_validate(p), "catalog/generated.jsonl") for p in products]
    rng = np.random.default_rng(1)
    repeats = base_vectors[np.arange(size) % len(base_vectors)]
    noise = rng.normal(scale=0.02, size=repeats.shape).astype(np.float32) if size > len(base_vectors) else 0
    vectors = repeats + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    IndexWriter(work).write(chunks, {"primary": vectors.astype(np.float32)}, {"primary": model}, {})
    return IndexStore(work)


def measure(retriever: HybridRetriever, queries: int, filters: Filters | None) -> list[float]:
    for question in QUESTIONS:  # warm caches
        retriever.retrieve(question, 10, filters)
    times = []
    for i in range(queries):
        started = time.perf_counter()
        retriever.retrieve(QUESTIONS[i % len(QUESTIONS)], 10, filters)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    embedder = load_embedder("all-MiniLM-L6-v2")
    base_count = min(max(args.sizes), 10_000)
    base_chunks = [product_chunk(Product.model_validate(p), "x") for p in generate(base_count, seed=5)]
    base = embed_chunks(embedder, base_chunks, LogProgress(), "primary")
    rows = []
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
        try:
            store = build(size, base, work / "v", embedder.name)
            retriever = HybridRetriever(store, EmbedderSet(embedder))
            for label, filters in (("none", None), ("category + price + in stock", FILTERS)):
                times = measure(retriever, args.queries, filters)
                rows.append((size, store.manifest.index_type, label, percentile(times, 50), percentile(times, 99)))
                print(rows[-1])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    body = ["## Retrieval latency", "",
            f"Hybrid retrieval of the top 10, one query at a time, {args.queries} queries per row, after warm-up. "
            "Model load is excluded; query embedding is included.", "",
            "| chunks | FAISS index | filters | p50 ms | p99 ms |", "|---:|---|---|---:|---:|"]
    body += [f"| {size:,} | {kind} | {label} | {p50:.1f} | {p99:.1f} |" for size, kind, label, p50, p99 in rows]
    sizes = " ".join(str(s) for s in args.sizes)
    write_section("retrieval-latency", f"python -m bench.retrieval_latency --sizes {sizes} --queries {args.queries}",
                  "\n".join(body))


if __name__ == "__main__":
    main()
