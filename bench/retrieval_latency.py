"""Retrieval at 10k, 100k and 1M chunks: latency, queries/s, ANN recall, index size and memory.

    python -m bench.retrieval_latency --sizes 10000 100000 1000000 --base 20000 --queries 300

Chunks are generated products. Their vectors start from real all-MiniLM-L6-v2 (onnx-int8)
embeddings of ``--base`` distinct generated products, cached under var/bench/; larger
indexes add blends of two of those vectors (mostly one, partly another, plus a little
noise), since embedding a million texts would take over an hour on two cores. Search cost
depends on the count and dimension of the vectors; recall is measured against exact
search over the very same vectors, for real embedded questions. Model load is excluded; each timed query includes embedding it,
FAISS, FTS5 keyword search and fetching the chunks from SQLite. Memory is the resident
set the opened index adds to a fresh process (after one query pass); size is the
version directory on disk.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from bench.generate_catalog import generate
from bench.report import ROOT, percentile, write_section
from indexer.chunking import product_chunk
from indexer.pipeline import embed_chunks
from indexer.progress import LogProgress
from rag.embedding import EmbedderSet, load_embedders
from rag.filters import Filters
from rag.index.faiss_sqlite import FaissSqliteIndex, IndexWriter
from rag.models import Product
from rag.retrieval import HybridRetriever
from rag.settings import Settings

FILTERS = Filters(category="Jackets", max_price=150, in_stock=True)
CACHE = ROOT / "var" / "bench"


def questions(count: int) -> list[str]:
    """Shopper-like questions about generated products, none identical to a chunk."""
    asks = ["do you have a {b} {c} under {p} dollars", "{c} by {b} for {w}", "is the {t} good for {w}?",
            "lightweight {c} from {b}", "{t} sizes and colours"]
    out = []
    for i, p in enumerate(generate(count, seed=99)):
        out.append(asks[i % len(asks)].format(b=p["brand"], c=p["category"].lower(), p=int(p["price"]) + 10,
                                              t=p["title"], w=p["title"].split()[-1].lower()))
    return out


def base_vectors(embedder, count: int) -> tuple[np.ndarray, str]:
    """``count`` embedded generated products (cached in var/), and the model that embedded them."""
    cache = CACHE / f"base-{embedder.name}-{count}.npy"
    if not cache.exists():
        chunks = [product_chunk(Product.model_validate(p), "x") for p in generate(count, seed=5)]
        vectors = embed_chunks(embedder, chunks, LogProgress(), "primary")
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return np.load(cache), embedder.name


@dataclass
class QueryBench:
    """What both index benchmarks start from: the settings, the primary embedder, the embedded product base behind
    the synthetic vectors, and the benchmark questions with their vectors."""

    settings: Settings
    embedders: EmbedderSet
    base: np.ndarray
    model: str
    texts: list[str]
    query_vectors: np.ndarray


def prepare(base_count: int, queries: int) -> QueryBench:
    settings = Settings(multilingual_model=None)
    embedders = EmbedderSet(load_embedders(settings).primary)
    base, model = base_vectors(embedders.primary, base_count)
    texts = questions(queries)
    return QueryBench(settings, embedders, base, model, texts, embedders.primary.embed(texts))


def synthetic_vectors(base: np.ndarray, size: int) -> np.ndarray:
    """``base`` first, then blends of two random base vectors (60-90% of one) with a little noise."""
    rng = np.random.default_rng(1)
    vectors = base[np.arange(size) % len(base)].copy()
    extra = size - len(base)
    if extra > 0:
        first = base[rng.integers(len(base), size=extra)]
        second = base[rng.integers(len(base), size=extra)]
        share = rng.uniform(0.6, 0.9, size=(extra, 1)).astype(np.float32)
        noise = rng.normal(scale=0.01, size=first.shape).astype(np.float32)
        vectors[len(base):] = share * first + (1 - share) * second + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def build(size: int, base: np.ndarray, path: Path, model: str, ann_threshold: int) -> tuple[list, np.ndarray]:
    chunks = [product_chunk(Product.model_validate(p), "catalog/generated.jsonl") for p in generate(size, seed=5)]
    vectors = synthetic_vectors(base, size)
    started = time.perf_counter()
    IndexWriter(path, ann_threshold).write(chunks, {"primary": vectors}, {"primary": model}, {})
    print(f"{size:,} chunks written in {time.perf_counter() - started:.0f}s", flush=True)
    return chunks, vectors


def ann_recall(store, ids: list[str], vectors: np.ndarray, queries: np.ndarray) -> float:
    """Dense recall@10 of ``store`` (any SearchIndex) against exact search; ``ids`` follow ``vectors``."""
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    found = store.search_many(queries, 10, "primary")
    return float(np.mean([len({cid for cid, _ in hits} & {ids[i] for i in t}) / 10 for hits, t in zip(found, truth)]))


def time_single(retriever: HybridRetriever, texts: list[str], filters: Filters | None) -> list[float]:
    for text in texts[:20]:
        retriever.retrieve(text, 10, filters)
    times = []
    for text in texts:
        started = time.perf_counter()
        retriever.retrieve(text, 10, filters)
        times.append((time.perf_counter() - started) * 1000)
    return times


def time_batched(retriever: HybridRetriever, texts: list[str], batch: int) -> list[float]:
    retriever.rank_many(texts[:batch], 10)
    times = []
    for start in range(0, len(texts) - batch + 1, batch):
        started = time.perf_counter()
        retriever.rank_many(texts[start : start + batch], 10)
        times.append((time.perf_counter() - started) * 1000)
    return times


MEMORY_PROBE = """
import json, sys
from rag.embedding import EmbedderSet, load_embedders
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.index.faiss_sqlite import FaissSqliteIndex

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

embedders = EmbedderSet(load_embedders(Settings(multilingual_model=None)).primary)
texts = json.loads(sys.argv[2])
embedders.primary.embed(texts)
before = rss()
store = FaissSqliteIndex(__import__("pathlib").Path(sys.argv[1]))
retriever = HybridRetriever(store, embedders)
for text in texts:
    retriever.retrieve(text, 10)
print(json.dumps({"index_mb": rss() - before}))
"""


def memory_added(path: Path, texts: list[str]) -> float:
    """Resident MB that opening and querying the index adds to a fresh process with the model loaded."""
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), json.dumps(texts[:50])],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])["index_mb"]


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--base", type=int, default=20_000, help="distinct embedded products behind the vectors")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    bench = prepare(args.base, args.queries)
    settings, embedders, base, model, texts, query_vectors = (
        bench.settings, bench.embedders, bench.base, bench.model, bench.texts, bench.query_vectors)
    rows, resources = [], []
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
        try:
            chunks, vectors = build(size, base, work / "v", model, settings.ann_threshold)
            store = FaissSqliteIndex(work / "v")
            ann = store.manifest.ann.get("primary", {})
            recall = ann_recall(store, [c.id for c in chunks], vectors, query_vectors)
            del vectors, chunks
            retriever = HybridRetriever(store, embedders, settings.keyword_weight)
            kind = f"{store.manifest.index_type}" + (f", efSearch {int(ann['efSearch'])}" if ann else "")
            for label, times, per_batch in (
                ("single", time_single(retriever, texts, None), 1),
                ("single, category + price + in stock", time_single(retriever, texts, FILTERS), 1),
                (f"batches of {args.batch}", time_batched(retriever, texts, args.batch), args.batch),
            ):
                qps = 1000 * per_batch * len(times) / sum(times)
                rows.append((size, kind, recall, label, percentile(times, 50), percentile(times, 99), qps))
                print(rows[-1], flush=True)
            store.close()
            resources.append((size, disk_mb(work / "v"), memory_added(work / "v", texts)))
            print(resources[-1], flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    body = ["## Retrieval latency and scale", "",
            f"Hybrid retrieval of the top 10 for {args.queries} generated shopper questions, one at a time or in "
            f"batches of {args.batch} (`rank_many`: one embedding call and one FAISS search per batch), after warm-up, "
            "one process. p50/p99 are per query for single rows and per batch for batched rows. Recall@10 is the "
            "dense search's against exact search over the same vectors.", "",
            "| chunks | FAISS index | ANN recall@10 | queries | p50 ms | p99 ms | queries/s |",
            "|---:|---|---:|---|---:|---:|---:|"]
    body += [f"| {size:,} | {kind} | {recall:.3f} | {label} | {p50:.2f} | {p99:.2f} | {qps:.0f} |"
             for size, kind, recall, label, p50, p99, qps in rows]
    body += ["", "Index size on disk and memory (float16 vectors, SQLite chunks with FTS5):", "",
             "| chunks | on disk MB | MB per million chunks | resident MB added | resident MB per million chunks |",
             "|---:|---:|---:|---:|---:|"]
    body += [f"| {size:,} | {disk:.0f} | {disk / size * 1e6:.0f} | {rss:.0f} | {rss / size * 1e6:.0f} |"
             for size, disk, rss in resources]
    sizes = " ".join(str(s) for s in args.sizes)
    write_section("retrieval-latency",
                  f"python -m bench.retrieval_latency --sizes {sizes} --base {args.base} --queries {args.queries} "
                  f"--batch {args.batch}", "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
