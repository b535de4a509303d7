"""The on-disk index: versioned directories of FAISS vectors, SQLite chunks and a manifest.

Layout of an index root::

    CURRENT                 name of the published version (replaced atomically)
    .lock                   held by the indexer while it runs
    versions/<name>/        manifest.json, vectors.<space>.faiss, chunks.sqlite
    versions/.tmp-<name>/   a version being written; never loaded, removed on the next run

A version directory is written completely, renamed into place, and only then
named in CURRENT, so readers only ever see whole versions.

A row is a chunk's position in every FAISS index and its key in SQLite. Rows never
move: an incremental build copies the previous version and patches it, appending new
vectors and retiring the rows of deleted or re-embedded chunks. Retired rows stay in
FAISS, excluded from every search, until a build writes a whole version again.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import faiss
import numpy as np

from rag.filters import Filters, Vocabulary, category_words
from rag.models import Chunk
from rag.product_record import identifier_forms
from rag.text import content_words, tokens

FORMAT_VERSION = 3  # 2: float16 vectors, term document counts; 3: retired rows
MANIFEST = "manifest.json"

def vectors_file(space: str) -> str:
    return f"vectors.{space}.faiss"

CHUNKS_DB = "chunks.sqlite"
CURRENT = "CURRENT"
VERSIONS = "versions"
TMP_PREFIX = ".tmp-"


class IndexStoreError(Exception):
    """Base for index problems; the message is meant for the operator, one line."""


class IndexNotFoundError(IndexStoreError):
    pass


class IncompatibleIndexError(IndexStoreError):
    pass


class CorruptIndexError(IndexStoreError):
    pass


class IndexLockedError(IndexStoreError):
    pass


@dataclass(frozen=True)
class Manifest:
    format_version: int
    spaces: dict[str, dict[str, Any]]  # space -> {"model": name, "dimension": d}
    chunk_count: int
    counts_by_kind: dict[str, int]
    built_at: str
    index_type: str
    build_settings: dict[str, Any]
    # Approximate search only: per space, the efSearch chosen and the recall@10 it measured.
    ann: dict[str, dict[str, float]] = field(default_factory=dict)
    # FAISS rows no chunk uses any more; each index holds chunk_count + retired vectors.
    retired: int = 0

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise CorruptIndexError(f"cannot read index manifest {path}: {exc}") from exc

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=2, sort_keys=True), encoding="utf-8")


def search_text(chunk: Chunk) -> str:
    """Text for the keyword index: Chinese is pre-segmented so FTS5 sees words."""
    fields = [chunk.title, chunk.section, chunk.text, str(chunk.metadata.get("sku", ""))]
    fields.extend(chunk.metadata.get("variant_skus", []))
    return " ".join(tokens(" ".join(fields)))


def identifiers(chunk: Chunk) -> set[str]:
    """Exact product identifiers (SKU, variant SKUs, GTIN, MPN) in every form a shopper may type them."""
    if chunk.kind != "product":
        return set()
    meta = chunk.metadata
    values = [meta.get("sku"), meta.get("gtin"), meta.get("mpn"), *meta.get("variant_skus", [])]
    values += [v.get("gtin") for v in meta.get("variants", [])]
    return {form for v in values if v for form in identifier_forms(str(v))}


def fts_query(words: Iterable[str]) -> str:
    """An FTS5 OR-query over ``words``, each quoted so no syntax leaks in."""
    return " OR ".join(f'"{word}"' for word in words)


# A query word found in more chunks than this is left to dense search: its BM25 weight is
# small, and matching it would make a keyword search score a large share of a big index.
KEYWORD_TERM_MAX_CHUNKS = 5_000
# A patch that would leave more than this share of FAISS rows retired writes a whole version
# instead: retired rows cost memory, and filtered-out rows slow graph search.
RETIRED_SHARE_MAX = 0.10


@dataclass
class Changes:
    """An incremental update of a version, by row."""

    retire: list[int]  # rows whose chunk is gone or got a new vector
    rewrite: list[tuple[int, Chunk]]  # rows whose chunk changed but keeps its vector
    append: list[Chunk]  # chunks that get new rows, with their vectors below
    vectors: dict[str, np.ndarray]  # per space, rows follow ``append``


def patch_refusal(previous: "IndexStore", changes: Changes, ann_threshold: int) -> str | None:
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
        return self._finish(spaces, dict(Counter(chunk.kind for chunk in chunks)), index_type, build_settings, ann, 0)

    def patch(self, previous: "IndexStore", changes: Changes, build_settings: dict[str, Any]) -> Manifest:
        """Write ``previous`` with ``changes`` applied; unchanged chunks are copied, never re-processed."""
        self.path.mkdir(parents=True, exist_ok=True)
        first_new_row = previous.manifest.chunk_count + previous.manifest.retired
        for space in previous.manifest.spaces:
            index = faiss.read_index(str(previous.path / vectors_file(space)))
            if changes.append:
                index.add(np.ascontiguousarray(changes.vectors[space], dtype=np.float32))
            faiss.write_index(index, str(self.path / vectors_file(space)))
        shutil.copyfile(previous.path / CHUNKS_DB, self.path / CHUNKS_DB)
        dropped = changes.retire + [row for row, _ in changes.rewrite]
        db = sqlite3.connect(self.path / CHUNKS_DB)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            _delete_rows(db, list(zip(dropped, previous.chunks(dropped))))
            db.executemany("INSERT INTO retired_rows VALUES (?)", ((row,) for row in changes.retire))
            _insert_rows(db, [*changes.rewrite, *enumerate(changes.append, start=first_new_row)])
            db.commit()
            counts = dict(db.execute("SELECT kind, count(*) FROM chunks GROUP BY kind").fetchall())
        finally:
            db.close()
        _fsync(self.path / CHUNKS_DB)
        return self._finish(
            previous.manifest.spaces, counts, previous.manifest.index_type, build_settings,
            previous.manifest.ann, previous.manifest.retired + len(changes.retire),
        )

    def _finish(
        self, spaces: dict, counts: dict[str, int], index_type: str, build_settings: dict[str, Any],
        ann: dict, retired: int,
    ) -> Manifest:
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            spaces=spaces,
            chunk_count=sum(counts.values()),
            counts_by_kind=counts,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            index_type=index_type,
            build_settings=build_settings,
            ann=ann,
            retired=retired,
        )
        manifest.write(self.path / MANIFEST)
        _fsync_dir(self.path)
        return manifest

    def _write_chunks(self, chunks: list[Chunk]) -> None:
        db = sqlite3.connect(self.path / CHUNKS_DB)
        try:
            db.executescript(
                """
                PRAGMA journal_mode = OFF;
                PRAGMA synchronous = OFF;
                CREATE TABLE chunks (
                    row INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    source TEXT NOT NULL,
                    title TEXT NOT NULL,
                    section TEXT NOT NULL,
                    text TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    embedding_hash TEXT NOT NULL
                );
                CREATE VIRTUAL TABLE chunks_fts USING fts5(
                    body, content='', tokenize='unicode61 remove_diacritics 2'
                );
                CREATE TABLE terms (term TEXT PRIMARY KEY, chunks INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE identifiers (value TEXT NOT NULL, row INTEGER NOT NULL);
                CREATE TABLE products (
                    row INTEGER PRIMARY KEY, category TEXT, brand TEXT, price REAL, in_stock INTEGER
                );
                CREATE TABLE variants (row INTEGER NOT NULL, size TEXT, color TEXT, stock INTEGER);
                CREATE TABLE retired_rows (row INTEGER PRIMARY KEY);
                """
            )
            _insert_rows(db, list(enumerate(chunks)))
            db.execute("CREATE INDEX identifiers_value ON identifiers(value)")
            db.execute("CREATE INDEX identifiers_row ON identifiers(row)")
            db.execute("CREATE INDEX variants_row ON variants(row)")
            db.execute("CREATE INDEX products_price ON products(price)")
            db.commit()
        finally:
            db.close()
        _fsync(self.path / CHUNKS_DB)


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
        ((row, m.get("category", ""), m.get("brand", ""), m.get("selling_price", m.get("price")),
          int(bool(m.get("in_stock")))) for row, m in products),
    )
    db.executemany(  # the stock column says only whether the variant can be bought now
        "INSERT INTO variants VALUES (?, ?, ?, ?)",
        ((row, v.get("size"), v.get("color"), int(v.get("in_stock", (v.get("stock") or 0) > 0)))
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
    chunks_with = Counter(term for text in texts for term in set(text.split()))
    db.executemany(
        "INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET chunks = chunks + excluded.chunks",
        ((term, sign * count) for term, count in chunks_with.items()),
    )
    if sign < 0:
        db.execute("DELETE FROM terms WHERE chunks <= 0")


def build_faiss_index(vectors: np.ndarray, ann_threshold: int) -> faiss.Index:
    """Exact inner-product search up to ``ann_threshold`` vectors, HNSW above it; vectors stored as float16.

    Vectors are normalised, so inner products are cosines. float16 halves memory, keeps
    recall@10 at 0.999 against float32 and scans faster; unlike SQ8 it needs no per-build
    ranges, so vectors reused by incremental builds come back bit for bit.
    """
    dimension = vectors.shape[1]
    if len(vectors) <= ann_threshold:
        index = faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    if len(vectors):
        index.train(vectors)
        index.add(vectors)
    return index


HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
ANN_RECALL_TARGET = 0.95
# Below this many allowed rows, a filtered query is answered exactly from the stored vectors.
EXACT_FILTER_LIMIT = 20_000


def tune_hnsw(index: faiss.IndexHNSW, vectors: np.ndarray, samples: int = 200, seed: int = 0) -> dict[str, float]:
    """Raise efSearch until recall@10 against exact search reaches the target; record both.

    Tuning queries sit between two random chunks, plus noise: shopper questions rarely land
    on one chunk, and queries near a single chunk would reach the target with too small an
    efSearch (measured in docs/benchmarks.md against real questions).
    """
    rng = np.random.default_rng(seed)
    first = vectors[rng.integers(len(vectors), size=samples)]
    second = vectors[rng.integers(len(vectors), size=samples)]
    queries = first + second + rng.normal(scale=0.05, size=first.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    recall = 0.0
    for ef in (32, 64, 128, 256, 512, 1024, 2048):
        index.hnsw.efSearch = ef
        _, found = index.search(queries, 10)
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
        if recall >= ANN_RECALL_TARGET:
            break
    return {"efSearch": ef, "recall_at_10": round(recall, 4)}


def index_type_name(index: faiss.Index) -> str:
    return type(faiss.downcast_index(index)).__name__


class ProductColumns:
    """Product facts as numpy columns, for filters that must stay fast at a million products."""

    def __init__(self, products: list[tuple]):
        rows, categories, brands, prices, in_stock = zip(*products) if products else ((),) * 5
        self.rows = np.asarray(rows, dtype=np.int64)
        self.categories, self.category_codes = np.unique([(c or "").lower() for c in categories], return_inverse=True)
        self.brands, self.brand_codes = np.unique([(b or "").lower() for b in brands], return_inverse=True)
        self.prices = np.asarray([np.nan if p is None else p for p in prices], dtype=np.float64)
        self.in_stock = np.asarray(in_stock, dtype=bool)

    def matching(self, filters: Filters, check_stock: bool) -> list[int]:
        keep = np.ones(len(self.rows), dtype=bool)
        if filters.category is not None:  # "jacket" matches "Jackets" and "Rain Jackets"
            wanted = [i for i, name in enumerate(self.categories) if filters.category.lower() in name]
            keep &= np.isin(self.category_codes, wanted)
        if filters.brand is not None:
            keep &= np.isin(self.brand_codes, np.flatnonzero(self.brands == filters.brand.lower()))
        with np.errstate(invalid="ignore"):  # an unknown price matches no price filter
            if filters.min_price is not None:
                keep &= self.prices >= filters.min_price
            if filters.max_price is not None:
                keep &= self.prices <= filters.max_price
        if check_stock:
            keep &= self.in_stock
        return self.rows[keep].tolist()


class IndexStore:
    """A loaded, read-only index version. Safe to share between threads."""

    def __init__(self, path: Path):
        self.path = path
        self.version = path.name
        self.manifest = Manifest.read(path / MANIFEST)
        if self.manifest.format_version != FORMAT_VERSION:
            raise IncompatibleIndexError(
                f"index {path} has format version {self.manifest.format_version}, this "
                f"ShopAssist reads version {FORMAT_VERSION}: rebuild it with `shopassist index --full`"
            )
        self._indexes: dict[str, faiss.Index] = {}
        for space in self.manifest.spaces:
            file = path / vectors_file(space)
            try:
                self._indexes[space] = faiss.read_index(str(file))
            except RuntimeError as exc:
                raise CorruptIndexError(f"cannot read FAISS vectors {file}: {exc}") from exc
            if space in self.manifest.ann:
                faiss.downcast_index(self._indexes[space]).hnsw.efSearch = int(self.manifest.ann[space]["efSearch"])
        self._db = self._open_db(path / CHUNKS_DB)
        self._lock = threading.Lock()
        self._products = ProductColumns(
            self._query("SELECT row, category, brand, price, in_stock FROM products ORDER BY row")
        )
        rows = self._query_one("SELECT count(*) FROM chunks")[0]
        retired = np.asarray([r[0] for r in self._query("SELECT row FROM retired_rows")], dtype=np.int64)
        for space, index in self._indexes.items():
            if not (index.ntotal - len(retired) == rows == self.manifest.chunk_count
                    and len(retired) == self.manifest.retired):
                raise CorruptIndexError(
                    f"index {path} is inconsistent: manifest says {self.manifest.chunk_count} chunks, "
                    f"FAISS ({space}) holds {index.ntotal} vectors of which {len(retired)} retired, "
                    f"SQLite holds {rows} chunks; rebuild it with `shopassist index --full`"
                )
        # Searches over every chunk skip retired rows; both selectors must stay referenced.
        self._retired = faiss.IDSelectorBatch(retired) if len(retired) else None
        self._live = faiss.IDSelectorNot(self._retired) if self._retired is not None else None

    @staticmethod
    def _open_db(path: Path) -> sqlite3.Connection:
        if not path.is_file():
            raise CorruptIndexError(f"chunk database {path} is missing")
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            status = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise CorruptIndexError(f"chunk database {path} is damaged: {exc}") from exc
        if status != "ok":
            raise CorruptIndexError(f"chunk database {path} is damaged: {status}")
        return db

    def check_models(self, wanted: dict[str, str]) -> None:
        """Refuse to serve vectors from other models than the ones queries will use."""
        built = {space: info["model"] for space, info in self.manifest.spaces.items()}
        if built != wanted:
            raise IncompatibleIndexError(
                f"index {self.path} was built with embedding models {built}, but settings ask for "
                f"{wanted}: rebuild it with `shopassist index --full`, or change the settings back"
            )

    def __len__(self) -> int:
        return self.manifest.chunk_count

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def _query_one(self, sql: str, params: Iterable[Any] = ()) -> tuple:
        return self._query(sql, params)[0]

    def search(self, vector: np.ndarray, k: int, space: str, rows: list[int] | None = None) -> list[tuple[int, float]]:
        """Rows and cosine scores of the ``k`` nearest chunks in one vector space.

        With ``rows``, only those chunks compete, so k results come back whenever
        k rows are allowed.
        """
        query = vector.reshape(1, -1).astype(np.float32)
        if rows is None:
            return self.search_many(query, k, space)[0]
        if not rows:
            return []
        if len(rows) <= EXACT_FILTER_LIMIT or space not in self.manifest.ann:
            # Exact over the allowed rows: a filter can never cost recall.
            k = min(k, len(rows))
            candidates = np.asarray(rows, dtype=np.int64)
            similarity = self.vectors(rows, space) @ query[0]
            best = np.argsort(-similarity)[:k]
            return [(int(candidates[i]), float(similarity[i])) for i in best]
        selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64))
        params = self._search_params(space, selector, k)
        scores, found = self._indexes[space].search(query, min(k, len(rows)), params=params)
        return [(int(r), float(s)) for r, s in zip(found[0], scores[0]) if r >= 0]

    def search_many(self, vectors: np.ndarray, k: int, space: str) -> list[list[tuple[int, float]]]:
        """``search`` for a batch of query vectors over every chunk: one FAISS call, both cores."""
        k = min(k, len(self))
        if k <= 0:
            return [[] for _ in vectors]
        params = None if self._live is None else self._search_params(space, self._live, k)
        scores, found = self._indexes[space].search(np.ascontiguousarray(vectors, dtype=np.float32), k, params=params)
        return [[(int(r), float(s)) for r, s in zip(rows, values) if r >= 0] for rows, values in zip(found, scores)]

    def _search_params(self, space: str, selector: faiss.IDSelector, k: int) -> faiss.SearchParameters:
        """Search parameters limiting results to ``selector``; graph search keeps its tuned effort."""
        if space not in self.manifest.ann:
            return faiss.SearchParameters(sel=selector)
        return faiss.SearchParametersHNSW(sel=selector, efSearch=max(int(self.manifest.ann[space]["efSearch"]), 4 * k))

    def keyword_search(self, text: str, k: int, rows: list[int] | None = None) -> list[tuple[int, float]]:
        """Rows and BM25 scores (higher is better) of the best keyword matches, among ``rows`` if given."""
        words = list(dict.fromkeys(word.replace('"', "") for word in content_words(text)))
        if not words or rows == []:
            return []
        counts = dict(self._query(f"SELECT term, chunks FROM terms WHERE term IN ({','.join('?' * len(words))})", words))
        query = fts_query(w for w in words if 0 < counts.get(w, 0) <= KEYWORD_TERM_MAX_CHUNKS)
        if not query:
            return []
        # "+rowid" keeps SQLite from probing the full-text index once per allowed row, which is
        # a hundred times slower than matching once and filtering.
        restrict = "" if rows is None else " AND +rowid IN (SELECT value FROM json_each(?))"
        params = (query,) + (() if rows is None else (json.dumps(rows),)) + (k,)
        found = self._query(
            f"SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?{restrict} "
            "ORDER BY bm25(chunks_fts) LIMIT ?",
            params,
        )
        return [(int(row), float(score)) for row, score in found]

    def document_counts(self, terms: list[str]) -> dict[str, int]:
        """How many chunks hold each term (terms no chunk holds are left out)."""
        if not terms:
            return {}
        return dict(self._query(f"SELECT term, chunks FROM terms WHERE term IN ({','.join('?' * len(terms))})", terms))

    def filtered_rows(self, filters: Filters) -> list[int]:
        """Rows of the products that satisfy every filter.

        Category, brand, price and stock are checked on in-memory columns (milliseconds for a
        million products); attribute, size and colour filters then query SQLite for the rows left.
        """
        per_variant = [("upper(v.size) = upper(?)", filters.size), ("lower(v.color) = lower(?)", filters.color)]
        per_variant = [(clause, value) for clause, value in per_variant if value is not None]
        if filters.in_stock and per_variant:
            per_variant.append(("v.stock > ?", 0))
        rows = self._products.matching(filters, check_stock=bool(filters.in_stock) and not per_variant)
        where = [("lower(json_extract(c.metadata, ?)) = lower(?)", (f'$.attributes."{name}"', value))
                 for name, value in filters.attributes.items()]
        if per_variant:
            where.append((f"EXISTS (SELECT 1 FROM variants v WHERE v.row = p.row AND "
                          f"{' AND '.join(clause for clause, _ in per_variant)})",
                          tuple(value for _, value in per_variant)))
        if not where or not rows:
            return rows
        sql = (f"SELECT p.row FROM products p JOIN chunks c ON c.row = p.row "
               f"WHERE p.row IN (SELECT value FROM json_each(?)) AND {' AND '.join(clause for clause, _ in where)} "
               "ORDER BY p.row")
        return [r[0] for r in self._query(sql, [json.dumps(rows), *(v for _, values in where for v in values)])]

    def product_rows(self) -> list[int]:
        return [r[0] for r in self._query("SELECT row FROM products ORDER BY row")]

    def vocabulary(self) -> Vocabulary:
        """The categories, brands and colours this index sells, for reading filters out of text."""
        def distinct(sql: str) -> tuple[str, ...]:
            return tuple(r[0] for r in self._query(sql) if r[0])

        return Vocabulary(
            categories=distinct("SELECT DISTINCT category FROM products"),
            brands=distinct("SELECT DISTINCT brand FROM products"),
            colors=distinct("SELECT DISTINCT color FROM variants"),
            kinds=tuple(sorted({title.split()[-1].lower() for title in distinct(
                "SELECT DISTINCT title FROM chunks WHERE kind = 'product'") if title.split()[-1].isalpha()})),
            category_words=category_words(self._query(
                "SELECT c.title, p.category FROM products p JOIN chunks c ON c.row = p.row")),
        )

    def probe(self) -> None:
        """Answer a small query from every part of the version (chunks, full text, each vector space);
        CorruptIndexError when any fails, e.g. a file damaged in place after it was loaded."""
        try:
            first = self._query("SELECT row, title FROM chunks ORDER BY row LIMIT 1")
            if not first:
                return
            row, title = first[0]
            if not self.chunks([row]):
                raise CorruptIndexError("its first chunk cannot be read")
            self.keyword_search(title, 1)
            for space in self._indexes:
                if not self.search(self.vectors([row], space)[0], 1, space):
                    raise CorruptIndexError(f"no {space} vector answers")
        except (sqlite3.Error, RuntimeError, ValueError) as exc:
            raise CorruptIndexError(f"index {self.path} cannot answer a probe query: {exc}") from exc

    def product_sources(self) -> dict[str, str]:
        """Product chunk id -> the file it came from."""
        return dict(self._query("SELECT id, source FROM chunks WHERE kind = 'product'"))

    def rows_for_identifiers(self, candidates: list[str]) -> list[int]:
        """Rows of products whose SKU, variant SKU, GTIN or MPN equals one of ``candidates`` (lookup forms,
        see ``rag.product_record.identifier_forms``)."""
        if not candidates:
            return []
        marks = ",".join("?" * len(candidates))
        found = self._query(
            f"SELECT DISTINCT row FROM identifiers WHERE value IN ({marks})",
            [c.lower() for c in candidates],
        )
        return [r[0] for r in found]

    def sections_of(self, source: str) -> list[Chunk]:
        """Every chunk of one document, in order: the exception a rule's section leaves to another."""
        return self.chunks([r[0] for r in self._query(
            "SELECT row FROM chunks WHERE source = ? AND kind = 'document' ORDER BY row", (source,))])

    def chunks(self, rows: list[int]) -> list[Chunk]:
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {
            row[0]: _chunk(row[1:])
            for row in self._query(
                f"SELECT row, id, kind, source, title, section, text, metadata FROM chunks "
                f"WHERE row IN ({marks})",
                rows,
            )
        }
        return [found[row] for row in rows if row in found]

    def hashes(self) -> dict[str, tuple[int, str, str]]:
        """chunk id -> (row, content hash, embedding hash), for incremental builds."""
        return {
            cid: (row, content, embedding)
            for row, cid, content, embedding in self._query("SELECT row, id, content_hash, embedding_hash FROM chunks")
        }

    def vectors(self, rows: list[int], space: str) -> np.ndarray:
        if not rows:
            return np.zeros((0, self._indexes[space].d), dtype=np.float32)
        return self._indexes[space].reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def iter_chunks(self) -> Iterator[Chunk]:
        for row in self._query("SELECT id, kind, source, title, section, text, metadata FROM chunks ORDER BY row"):
            yield _chunk(row)

    def close(self) -> None:
        self._db.close()


def _chunk(row: tuple) -> Chunk:
    cid, kind, source, title, section, text, metadata = row
    return Chunk(
        id=cid, kind=kind, source=source, title=title, section=section, text=text,
        metadata=json.loads(metadata),
    )


class IndexDirectory:
    """The versioned index root: which version is current, publishing, pruning, locking."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.versions = self.root / VERSIONS

    def current_version(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def current_path(self) -> Path:
        name = self.current_version()
        if name is None:
            raise IndexNotFoundError(
                f"no index at {self.root}: build one with `shopassist index`"
            )
        path = self.versions / name
        if not path.is_dir():
            raise CorruptIndexError(f"{self.root / CURRENT} names version {name}, which is missing")
        return path

    def open_current(self) -> IndexStore:
        return IndexStore(self.current_path())

    def complete_versions(self) -> list[str]:
        """Names of the whole versions on disk, newest first."""
        if not self.versions.is_dir():
            return []
        return sorted((p.name for p in self.versions.iterdir() if p.is_dir() and not p.name.startswith(TMP_PREFIX)),
                      reverse=True)

    def new_version_dir(self) -> tuple[str, Path]:
        name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.versions / f"{TMP_PREFIX}{name}"
        path.mkdir(parents=True)
        return name, path

    def publish(self, name: str, tmp_path: Path) -> Path:
        """Move a complete version into place, then point CURRENT at it atomically."""
        final = self.versions / name
        os.replace(tmp_path, final)
        _fsync_dir(self.versions)
        pointer = self.root / f"{CURRENT}.tmp"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / CURRENT)
        _fsync_dir(self.root)
        return final

    def remove_incomplete(self) -> list[str]:
        """Delete versions left half-written by a killed run."""
        removed = []
        if self.versions.is_dir():
            for path in self.versions.glob(f"{TMP_PREFIX}*"):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return removed

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest ``keep`` complete versions; never the current one."""
        current = self.current_version()
        names = sorted(self.complete_versions())
        doomed = [n for n in names[: max(len(names) - keep, 0)] if n != current]
        for name in doomed:
            shutil.rmtree(self.versions / name, ignore_errors=True)
        return doomed

    def lock(self) -> "IndexLock":
        return IndexLock(self.root / ".lock")


class IndexLock:
    """An exclusive advisory lock; the kernel releases it if the holder dies."""

    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def __enter__(self) -> "IndexLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise IndexLockedError(
                f"index {self.path.parent} is locked by {holder}; wait for that run to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.truncate(0)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
