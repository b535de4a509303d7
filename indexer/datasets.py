"""Public product-QA sets as retrieval benchmarks: corpus chunks plus judged queries.

- ePQA (dev): every candidate passage of every question is pooled into one corpus;
  graded labels 0/1/2 are the relevance. Product context = the question's ASIN.
- semiPQA attribute ranking (dev): every structured attribute is pooled; binary
  labels. Product context = the question's own candidate attributes.
"""

from __future__ import annotations

import csv
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from indexer.pipeline import embed_chunks
from indexer.progress import Progress, default_progress
from rag.embedding import EmbedderSet
from rag.models import Chunk
from rag.store import IndexStore, IndexStoreError, IndexWriter

log = logging.getLogger(__name__)


@dataclass
class Query:
    id: str
    text: str
    relevance: dict[str, int]  # chunk id -> graded label (> 0 is relevant)
    context: str  # the product the question is about


@dataclass
class RetrievalSet:
    name: str
    chunks: list[Chunk]
    queries: list[Query]
    context_of: dict[str, str] = field(default_factory=dict)  # chunk id -> product context

    @property
    def answerable(self) -> list[Query]:
        return [q for q in self.queries if any(g > 0 for g in q.relevance.values())]


def load_epqa(path: Path) -> RetrievalSet:
    chunks: dict[str, Chunk] = {}
    queries: dict[str, Query] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            chunk_id = f"epqa:{row['qa_pair_id']}"
            chunks[chunk_id] = Chunk(
                id=chunk_id, kind="document", source=f"epqa/{row['source']}", title=row["title"],
                text=row["candidate"].strip(), metadata={"asin": row["ASIN"], "title": row["title"]},
                embed=row["candidate"].strip(),
            )
            query = queries.setdefault(row["qid"], Query(row["qid"], row["question"], {}, row["ASIN"]))
            query.relevance[chunk_id] = int(row["label"])
    return RetrievalSet("ePQA", list(chunks.values()), list(queries.values()),
                        {cid: c.metadata["asin"] for cid, c in chunks.items()})


def load_semipqa(path: Path) -> RetrievalSet:
    chunks: dict[str, Chunk] = {}
    queries: dict[str, Query] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            chunk_id = f"semipqa:{row['qa_pair_id']}"
            text = row["candidate"].strip()
            chunks[chunk_id] = Chunk(id=chunk_id, kind="document", source="semipqa", title="", text=text, embed=text)
            query = queries.setdefault(row["qid"], Query(row["qid"], row["question"], {}, row["qid"]))
            query.relevance[chunk_id] = int(row["label"])
    context_of = {cid: q.context for q in queries.values() for cid in q.relevance}
    return RetrievalSet("semiPQA", list(chunks.values()), list(queries.values()), context_of)


def build_eval_index(
    dataset: RetrievalSet, embedders: EmbedderSet, path: Path, progress: Progress | None = None
) -> IndexStore:
    """Embed and write a dataset's corpus once; reuse it while its format and models still match."""
    if (path / "manifest.json").exists():
        try:
            store = IndexStore(path)
            store.check_models(embedders.models())
            return store
        except IndexStoreError as exc:
            log.info("rebuilding %s: %s", path, exc)
            shutil.rmtree(path)
    progress = progress or default_progress()
    vectors = {
        space: embed_chunks(embedder, dataset.chunks, progress, space)
        for space, embedder in embedders.spaces().items()
    }
    IndexWriter(path).write(dataset.chunks, vectors, embedders.models(), {"dataset": dataset.name})
    return IndexStore(path)


def context_rows(store: IndexStore, dataset: RetrievalSet) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for chunk_id, (row, _, _) in store.hashes().items():
        rows.setdefault(dataset.context_of[chunk_id], []).append(row)
    return rows
