"""Embedding backends compared: throughput, query latency and ePQA nDCG@10 for torch, onnx and onnx-int8.

    python -m bench.embedding_backends --products 2000 --runs 3

Throughput is over the chunk texts of generated products (the indexer's own texts, sorted
by length into batches); query latency is one short question at a time. Quality is dense
and hybrid nDCG@10 on pooled ePQA (all 9,770 candidate passages, read from ../shared);
the default backend is adopted only if it loses at most 0.005 nDCG@10 against torch.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from bench.generate_catalog import generate
from bench.report import SHARED, median, percentile, write_section
from evals.datasets import build_eval_index, load_dataset
from evals.retrieval import ranking_metrics
from indexer.chunking import product_chunk
from rag.embedding import BACKENDS, EmbedderSet, load_embedder
from rag.models import Product
from rag.retrieval import DenseRetriever, HybridRetriever
from rag.settings import Settings

QUESTIONS = ["waterproof rain shell for hiking", "how long do I have to return boots?", "lightweight tent for two",
             "is the Summit 2 tent freestanding?", "do you ship to Canada", "warm sleeping bag for winter"]


def throughput(embedder, texts: list[str], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        embedder.embed(texts)
        seconds.append(time.perf_counter() - started)
    return len(texts) / median(seconds)


def query_latency(embedder, repeats: int = 50) -> float:
    for question in QUESTIONS:
        embedder.embed([question])
    times = []
    for i in range(repeats * len(QUESTIONS)):
        started = time.perf_counter()
        embedder.embed([QUESTIONS[i % len(QUESTIONS)]])
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50)


def epqa_ndcg(embedders: EmbedderSet, dataset, work: Path, backend: str, keyword_weight: float) -> dict[str, float]:
    store = build_eval_index(dataset, embedders, work, backend)
    queries = [q.text for q in dataset.answerable]
    result = {}
    for mode, retriever in (("dense", DenseRetriever(store, embedders)),
                            ("hybrid", HybridRetriever(store, embedders, keyword_weight))):
        result[mode] = ranking_metrics(retriever.rank_many(queries, 10), dataset.answerable)["ndcg@10"]
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = Settings()
    texts = [product_chunk(Product.model_validate(p), "catalog/generated.jsonl").embedding_text()
             for p in generate(args.products, seed=3)]
    epqa_dir = SHARED / "epqa"
    dataset = load_dataset(epqa_dir) if epqa_dir.is_dir() else None
    if dataset is None:
        print(f"ePQA not found at {epqa_dir}: quality columns left empty")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as work:
        for backend in reversed(BACKENDS):  # torch first: it is the reference
            embedder = load_embedder(settings.embedding_model, backend, cache_dir=settings.model_cache_dir)
            quality = epqa_ndcg(EmbedderSet(embedder), dataset, Path(work), backend, settings.keyword_weight) if dataset else {}
            rows[backend] = {"rate": throughput(embedder, texts, args.runs), "query": query_latency(embedder), **quality}
            print(backend, rows[backend])
    reference = rows["torch"]
    lines = ["## Embedding backends", "",
             f"all-MiniLM-L6-v2 on {args.products:,} generated product chunks (median of {args.runs} runs) and one "
             "short question at a time; quality on pooled ePQA (9,770 passages). The default is `onnx-int8`.", "",
             "| backend | chunks/s | speed vs torch | query p50 ms | ePQA dense nDCG@10 | hybrid nDCG@10 | dense loss vs torch |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for backend, row in rows.items():
        quality = (f"{row['dense']:.4f} | {row['hybrid']:.4f} | {reference['dense'] - row['dense']:+.4f}"
                   if "dense" in row else "— | — | —")
        lines.append(f"| {backend} | {row['rate']:.0f} | {row['rate'] / reference['rate']:.2f}× | {row['query']:.2f} | "
                     f"{quality} |")
    write_section("embedding-backends",
                  f"python -m bench.embedding_backends --products {args.products} --runs {args.runs}", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
