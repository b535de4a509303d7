"""Writing a FAISS + SQLite version: whole, or as a patch of the previous one (the patch policy).

Rows never move: a patch copies the previous version, appends new vectors and retires the rows of
deleted or re-embedded chunks. Retired rows stay in FAISS, excluded from every search, until a build
writes a whole version again.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import faiss
import numpy as np

from rag.index.chunk_fields import identifiers, product_price, search_text, term_counts, variant_in_stock
from rag.index.faiss_sqlite.reader import FaissSqliteIndex
from rag.index.faiss_sqlite.schema import CHUNKS_DB, INDEXES, SCHEMA, vectors_file
from rag.index.faiss_sqlite.vectors import build_faiss_index, index_type_name, tune_hnsw
from rag.index.manifest import MANIFEST, Manifest
from rag.index.protocol import Changes
from rag.models import Chunk

# A patch that would leave more than this share of FAISS rows retired writes a whole version
# instead: retired rows cost memory, and filtered-out rows slow graph search.
RETIRED_SHARE_MAX = 0.10


def patch_refusal(previous: FaissSqliteIndex, changes: Changes, ann_threshold: int) -> str | None:
    """Why ``changes`` should go into a whole new version rather than a patch of ``previous``; None if none."""
    live = previous.manifest.chunk_count - len(changes.retire) + len(changes.append)
    retired = previous.manifest.retired + len(changes.retire)
    if retired > RETIRED_SHARE_MAX * (live + retired):
        return f"{retired:,} of {live + retired:,} vector rows would be retired (more than {RETIRED_SHARE_MAX:.0%})"
    if (live > ann_threshold) != bool(previous.manifest.ann):
        return f"{live:,} chunks call for {'approximate' if live > ann_threshold else 'exact'} search"
    return None


class IndexWriter:
    """Writes one complete version directory."""

    def __init__(self, path: Path, ann_threshold: int = 20_000):
        self.path = path
        self.ann_threshold = ann_threshold

    def write(
        self,
        chunks: list[Chunk],
        vectors: dict[str, np.ndarray],
        models: dict[str, str],
        build_settings: dict[str, Any],
    ) -> Manifest:
        """``vectors`` and ``models`` are keyed by vector space; rows follow ``chunks``."""
        self.path.mkdir(parents=True, exist_ok=True)
        spaces, ann = {}, {}
        index_type = ""
        for space, matrix in vectors.items():
            if len(chunks) != len(matrix):
                raise ValueError(f"{len(chunks)} chunks but {len(matrix)} {space} vectors")
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
            index = build_faiss_index(matrix, self.ann_threshold)
            if isinstance(index, faiss.IndexHNSW):
                ann[space] = tune_hnsw(index, matrix)
            faiss.write_index(index, str(self.path / vectors_file(space)))
            spaces[space] = {"model": models[space], "dimension": int(matrix.shape[1])}
            index_type = index_type_name(index)
        self._write_chunks(chunks)
        return self._finish(Manifest.create(spaces, dict(Counter(chunk.kind for chunk in chunks)), index_type,
                                            build_settings, ann))

    def patch(self, previous: FaissSqliteIndex, changes: Changes, build_settings: dict[str, Any]) -> Manifest:
        """Write ``previous`` with ``changes`` applied; unchanged chunks are copied, never re-processed."""
        self.path.mkdir(parents=True, exist_ok=True)
        first_new_row = previous.manifest.chunk_count + previous.manifest.retired
        for space in previous.manifest.spaces:
            index = faiss.read_index(str(previous.path / vectors_file(space)))
            if changes.append:
                index.add(np.ascontiguousarray(changes.vectors[space], dtype=np.float32))
            faiss.write_index(index, str(self.path / vectors_file(space)))
        shutil.copyfile(previous.path / CHUNKS_DB, self.path / CHUNKS_DB)
        retired = previous.rows_of(changes.retire)
        rewritten = previous.rows_of([chunk.id for chunk in changes.rewrite])
        dropped = retired + rewritten
        db = sqlite3.connect(self.path / CHUNKS_DB)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            _delete_rows(db, list(zip(dropped, previous.row_chunks(dropped))))
            db.executemany("INSERT INTO retired_rows VALUES (?)", ((row,) for row in retired))
            _insert_rows(db, [*zip(rewritten, changes.rewrite), *enumerate(changes.append, start=first_new_row)])
            db.commit()
            counts = dict(db.execute("SELECT kind, count(*) FROM chunks GROUP BY kind").fetchall())
        finally:
            db.close()
        fsync(self.path / CHUNKS_DB)
        return self._finish(Manifest.create(
            previous.manifest.spaces, counts, previous.manifest.index_type, build_settings,
            previous.manifest.ann, previous.manifest.retired + len(retired),
        ))

    def _finish(self, manifest: Manifest) -> Manifest:
        manifest.write(self.path / MANIFEST)
        fsync_dir(self.path)
        return manifest

    def _write_chunks(self, chunks: list[Chunk]) -> None:
        db = sqlite3.connect(self.path / CHUNKS_DB)
        try:
            db.executescript(SCHEMA)
            _insert_rows(db, list(enumerate(chunks)))
            for statement in INDEXES:
                db.execute(statement)
            db.commit()
        finally:
            db.close()
        fsync(self.path / CHUNKS_DB)


def _insert_rows(db: sqlite3.Connection, rows: list[tuple[int, Chunk]]) -> None:
    """Store chunks at the given rows in every table: chunks, full text, term counts, identifiers, products."""
    db.executemany(
        "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (row, c.id, c.kind, c.source, c.title, c.section, c.text,
             json.dumps(c.metadata, ensure_ascii=False, sort_keys=True), c.content_hash, c.embedding_hash)
            for row, c in rows
        ),
    )
    texts = [(row, search_text(c)) for row, c in rows]
    db.executemany("INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)", texts)
    _count_terms(db, (text for _, text in texts), +1)
    db.executemany(
        "INSERT INTO identifiers VALUES (?, ?)",
        ((value, row) for row, c in rows for value in identifiers(c)),
    )
    products = [(row, c.metadata) for row, c in rows if c.kind == "product"]
    db.executemany(
        "INSERT INTO products VALUES (?, ?, ?, ?, ?)",
        ((row, m.get("category", ""), m.get("brand", ""), product_price(m), int(bool(m.get("in_stock"))))
         for row, m in products),
    )
    db.executemany(  # the stock column says only whether the variant can be bought now
        "INSERT INTO variants VALUES (?, ?, ?, ?)",
        ((row, v.get("size"), v.get("color"), int(variant_in_stock(v)))
         for row, m in products for v in m.get("variants", [])),
    )


def _delete_rows(db: sqlite3.Connection, rows: list[tuple[int, Chunk]]) -> None:
    """Remove chunks from every table; ``rows`` pairs each row with the chunk stored there."""
    texts = [(row, search_text(c)) for row, c in rows]
    # A contentless FTS5 table forgets a row only when given the exact text it indexed.
    db.executemany("INSERT INTO chunks_fts(chunks_fts, rowid, body) VALUES ('delete', ?, ?)", texts)
    _count_terms(db, (text for _, text in texts), -1)
    doomed = json.dumps([row for row, _ in rows])
    for table in ("chunks", "identifiers", "products", "variants"):
        db.execute(f"DELETE FROM {table} WHERE row IN (SELECT value FROM json_each(?))", (doomed,))


def _count_terms(db: sqlite3.Connection, texts: Iterable[str], sign: int) -> None:
    """Add (or with ``sign`` -1, take back) the chunks each term occurs in."""
    db.executemany(
        "INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET chunks = chunks + excluded.chunks",
        ((term, sign * count) for term, count in term_counts(texts).items()),
    )
    if sign < 0:
        db.execute("DELETE FROM terms WHERE chunks <= 0")


def fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
