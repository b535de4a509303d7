"""The two index backends side by side: FAISS + SQLite against Milvus (milvus-lite, embedded) on the same chunks.

    python -m bench.index_backends --sizes 10000 100000 --base 2000 --queries 200

Chunks are generated products and their vectors are made as in bench.retrieval_latency (real all-MiniLM-L6-v2
embeddings of ``--base`` products, blends of two of them beyond that). Each backend writes and publishes one
version through its own writer (build time: writing only, the same vectors, nothing embedded); both choose
exact search up to ``ann_threshold`` (20,000) chunks and HNSW above it. Latency is per query, after warm-up,
one process: "dense" is the backend's top-10 vector search alone, "hybrid" is ``HybridRetriever.retrieve``
(embedding the question, dense and keyword search, identifier lookup, fetching the chunks). Recall@10 is the
dense search's against exact search over the same vectors.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.generate_catalog import generate
from bench.report import percentile, write_section
from bench.retrieval_latency import prepare, synthetic_vectors
from indexer.chunking import product_chunk
from rag.index import SearchIndex
from rag.index.milvus import MilvusVersions
from rag.index.versions import IndexDirectory
from rag.models import Chunk, Product
from rag.retrieval import HybridRetriever


def publish(backend: str, work: Path, chunks: list[Chunk], vectors: np.ndarray, model: str,
            ann_threshold: int) -> tuple[SearchIndex, float]:
    """Write and publish one version; the seconds it took."""
    versions = (IndexDirectory(work / "faiss") if backend == "faiss"
                else MilvusVersions.connect(str(work / "milvus.db"), lock_dir=work))
    started = time.perf_counter()
    writer = versions.new_version(ann_threshold)
    writer.write(chunks, {"primary": vectors}, {"primary": model}, {})
    writer.publish()
    seconds = time.perf_counter() - started
    return versions.open_current(), seconds


def dense_recall(store: SearchIndex, ids: list[str], vectors: np.ndarray, queries: np.ndarray) -> float:
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    return float(np.mean([len({cid for cid, _ in store.search(q, 10, "primary")} & {ids[i] for i in t}) / 10
                          for q, t in zip(queries, truth)]))


def timed(run, items: list) -> list[float]:
    for item in items[:20]:
        run(item)
    times = []
    for item in items:
        started = time.perf_counter()
        run(item)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base", type=int, default=2_000, help="distinct embedded products behind the vectors")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    bench = prepare(args.base, args.queries)
    settings, embedders, base, model, texts, query_vectors = (
        bench.settings, bench.embedders, bench.base, bench.model, bench.texts, bench.query_vectors)
    rows = []
    for size in args.sizes:
        chunks = [product_chunk(Product.model_validate(p), "catalog/generated.jsonl") for p in generate(size, seed=5)]
        vectors = synthetic_vectors(base, size)
        ids = [c.id for c in chunks]
        for backend in ("faiss", "milvus"):
            work = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-"))
            try:
                store, seconds = publish(backend, work, chunks, vectors, model, settings.ann_threshold)
                recall = dense_recall(store, ids, vectors, query_vectors)
                dense = timed(lambda q: store.search(q, 10, "primary"), list(query_vectors))
                retriever = HybridRetriever(store, embedders, settings.keyword_weight)
                hybrid = timed(lambda text: retriever.retrieve(text, 10), texts)
                rows.append((size, backend, store.manifest.index_type, seconds, recall,
                             percentile(dense, 50), percentile(dense, 99), percentile(hybrid, 50),
                             percentile(hybrid, 99)))
                print(rows[-1], flush=True)
                store.close()
            finally:
                shutil.rmtree(work, ignore_errors=True)
        write_table(args, rows)  # after each size, so a long run leaves the sizes it finished


def write_table(args: argparse.Namespace, rows: list[tuple]) -> None:
    body = ["## Index backends: FAISS + SQLite and Milvus", "",
            f"The same generated chunks and vectors written by each backend's writer and searched in one process "
            f"({args.queries} generated shopper questions, after warm-up). Milvus is milvus-lite, embedded; a Milvus "
            "server adds a network hop per call and was not measured here. Dense: the backend's top-10 vector search "
            "alone. Hybrid: `HybridRetriever.retrieve` with embedding the question. Recall@10: dense search against "
            "exact search over the same vectors.", "",
            "| chunks | backend | index | build s | recall@10 | dense p50 ms | dense p99 ms | hybrid p50 ms "
            "| hybrid p99 ms |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    body += [f"| {size:,} | {backend} | {kind} | {seconds:.1f} | {recall:.3f} | {d50:.2f} | {d99:.2f} | {h50:.2f} "
             f"| {h99:.2f} |" for size, backend, kind, seconds, recall, d50, d99, h50, h99 in rows]
    sizes = " ".join(str(s) for s in args.sizes)
    write_section("index-backends",
                  f"python -m bench.index_backends --sizes {sizes} --base {args.base} --queries {args.queries}",
                  "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
