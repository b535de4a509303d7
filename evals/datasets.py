"""Public product-QA sets as retrieval benchmarks: corpus chunks plus judged queries.

A dataset is a folder of the evaluation datasets directory (``eval_datasets_dir``): its name is the folder's
name, its title the first heading of its README, and its file the one CSV or TSV whose header holds
``qid``, ``question``, ``candidate`` and ``label``. Every candidate of every question is pooled into one
corpus; labels (graded 0/1/2 in ePQA, 0/1 in semiPQA) are the relevance. A question's product context is its
``ASIN`` column where there is one (ePQA), else its own candidates (semiPQA).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from indexer import embed_chunks
from indexer.progress import Progress, default_progress
from rag.embedding import EmbedderSet
from rag.index import IndexStoreError, SearchIndex
from rag.index.faiss_sqlite import FaissSqliteIndex, IndexWriter
from rag.models import Chunk

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = frozenset({"qid", "question", "candidate", "label"})


class DatasetError(ValueError):
    """A dataset folder or file that cannot be read, with the path and line named."""


@dataclass
class Query:
    id: str
    text: str
    relevance: dict[str, int]  # chunk id -> graded label (> 0 is relevant)
    context: str  # the product the question is about


@dataclass
class RetrievalSet:
    name: str  # the dataset folder's name, as `--datasets` takes it
    chunks: list[Chunk]
    queries: list[Query]
    context_of: dict[str, str] = field(default_factory=dict)  # chunk id -> product context
    title: str = ""  # for tables: the README's heading

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def answerable(self) -> list[Query]:
        return [q for q in self.queries if any(g > 0 for g in q.relevance.values())]

    def corpus_hash(self) -> str:
        """Changes whenever any passage's id or embedded text changes: the evaluation index must be rebuilt."""
        digest = hashlib.sha256()
        for chunk in self.chunks:
            digest.update(f"{chunk.id}\0{chunk.embedding_text()}\0".encode())
        return digest.hexdigest()


def dataset_file(folder: Path) -> Path:
    """The folder's one table of judged question-candidate pairs."""
    for path in sorted(folder.iterdir()):
        if path.suffix in (".csv", ".tsv") and REQUIRED_COLUMNS <= set(_header(path)):
            return path
    raise DatasetError(f"{folder}: no .csv or .tsv file with columns {', '.join(sorted(REQUIRED_COLUMNS))}")


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle, delimiter=_delimiter(path)), [])


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix == ".tsv" else ","


def _title(folder: Path) -> str:
    readme = folder / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return ""


def load_dataset(folder: Path) -> RetrievalSet:
    """Read a dataset folder (see the module docstring)."""
    path = dataset_file(folder)
    name = folder.name
    chunks: dict[str, Chunk] = {}
    queries: dict[str, Query] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle, delimiter=_delimiter(path)), start=2):
            try:
                chunk_id = f"{name}:{row.get('qa_pair_id') or line}"
                text = row["candidate"].strip()
                asin = row.get("ASIN")
                metadata = {"asin": asin, "title": row.get("title", "")} if asin else {}
                chunks[chunk_id] = Chunk(id=chunk_id, kind="document", source=f"{name}/{row.get('source') or path.name}",
                                         title=row.get("title") or "", text=text, metadata=metadata, embed=text)
                query = queries.setdefault(row["qid"], Query(row["qid"], row["question"], {}, asin or row["qid"]))
                query.relevance[chunk_id] = int(row["label"])
            except (KeyError, TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{line}: {exc!r}") from exc
    context_of = {cid: q.context for q in queries.values() for cid in q.relevance}
    return RetrievalSet(name, list(chunks.values()), list(queries.values()), context_of, _title(folder))


def available_datasets(root: Path) -> list[str]:
    """The dataset folders under ``root`` that hold a readable table, by name."""
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            dataset_file(folder)
        except DatasetError:
            continue
        found.append(folder.name)
    return found


def eval_index_path(cache: Path, dataset: RetrievalSet, embedders: EmbedderSet, backend: str) -> Path:
    """One folder per dataset, models and backend; the corpus hash inside it decides whether it is still good."""
    models = "-".join(embedders.models().values())
    return cache / re.sub(r"[^\w.+-]", "_", f"{dataset.name}-{models}-{backend}")


def build_eval_index(
    dataset: RetrievalSet, embedders: EmbedderSet, cache: Path, backend: str, progress: Progress | None = None,
    index_backend: str = "faiss",
) -> SearchIndex:
    """Embed and write a dataset's corpus once; reuse it while its passages, models and backend are the same.

    The index is kept under ``cache`` and keyed by the corpus' content hash, the models and the backend: change
    one passage and the next run embeds the corpus again instead of reporting the old numbers. With
    ``index_backend`` "milvus", a milvus-lite collection beside it is written from the FAISS index's vectors, so
    both backends rank the very same vectors.
    """
    if index_backend == "milvus":
        from rag.index.milvus import milvus_copy

        return milvus_copy(build_eval_index(dataset, embedders, cache, backend, progress),
                           eval_index_path(cache, dataset, embedders, backend).with_suffix(".milvus.db"))
    path = eval_index_path(cache, dataset, embedders, backend)
    key = {"dataset": dataset.name, "corpus_sha256": dataset.corpus_hash(), "backend": backend}
    if (path / "manifest.json").exists():
        try:
            store = FaissSqliteIndex(path)
            store.check_models(embedders.models())
            if all(store.manifest.build_settings.get(k) == v for k, v in key.items()):
                return store
            store.close()
            log.info("rebuilding %s: its corpus or backend changed", path)
        except IndexStoreError as exc:
            log.info("rebuilding %s: %s", path, exc)
        shutil.rmtree(path)
    progress = progress or default_progress()
    vectors = {
        space: embed_chunks(embedder, dataset.chunks, progress, space)
        for space, embedder in embedders.spaces().items()
    }
    IndexWriter(path).write(dataset.chunks, vectors, embedders.models(), key)
    return FaissSqliteIndex(path)


def context_ids(store: SearchIndex, dataset: RetrievalSet) -> dict[str, list[str]]:
    """The chunk ids of each product context."""
    ids: dict[str, list[str]] = {}
    for chunk_id in store.hashes():
        ids.setdefault(dataset.context_of[chunk_id], []).append(chunk_id)
    return ids
