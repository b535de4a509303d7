"""A loaded FAISS + SQLite version: the default SearchIndex."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable, Iterator

import faiss
import numpy as np

from rag.filters import Filters, Vocabulary, category_words
from rag.index.chunk_fields import query_words, selective_words
from rag.index.errors import CorruptIndexError
from rag.index.faiss_sqlite.products import ProductColumns
from rag.index.faiss_sqlite.schema import CHUNKS_DB, vectors_file
from rag.index.faiss_sqlite.vectors import EXACT_FILTER_LIMIT
from rag.index.manifest import MANIFEST, Manifest
from rag.index.protocol import Hit, Within
from rag.models import Chunk

FILTERS_REMEMBERED = 32  # filters whose allowed rows are kept: one question searches with them three times


def fts_query(words: Iterable[str]) -> str:
    """An FTS5 OR-query over ``words``, each quoted so no syntax leaks in."""
    return " OR ".join(f'"{word}"' for word in words)


class FaissSqliteIndex:
    """A version directory: FAISS vectors per space, chunks, full text and product facts in SQLite."""

    def __init__(self, path: Path):
        self.path = path
        self.version = path.name
        self.manifest = Manifest.read(path / MANIFEST)
        self.manifest.check_format(str(path))
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
        self._allowed: OrderedDict[str, list[int]] = OrderedDict()
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
        self.manifest.check_models(wanted, str(self.path))

    def __len__(self) -> int:
        return self.manifest.chunk_count

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def _query_one(self, sql: str, params: Iterable[Any] = ()) -> tuple:
        return self._query(sql, params)[0]

    # Rows and ids: rows stay inside this package.

    def rows_of(self, ids: list[str]) -> list[int]:
        """Rows of the chunks ``ids`` that exist, in that order."""
        if not ids:
            return []
        found = dict(self._query_in("SELECT id, row FROM chunks WHERE id IN ({marks})", ids))
        return [found[i] for i in ids if i in found]

    def ids_of(self, rows: list[int]) -> list[str]:
        if not rows:
            return []
        found = dict(self._query_in("SELECT row, id FROM chunks WHERE row IN ({marks})", rows))
        return [found[r] for r in rows]

    def _query_in(self, sql: str, values: list) -> list[tuple]:
        """``sql`` with ``{marks}`` standing for ``values``, in parts SQLite's variable limit allows."""
        found = []
        for start in range(0, len(values), 30_000):
            part = values[start : start + 30_000]
            found += self._query(sql.format(marks=",".join("?" * len(part))), part)
        return found

    def _hits(self, scored: list[tuple[int, float]]) -> list[Hit]:
        return list(zip(self.ids_of([row for row, _ in scored]), (score for _, score in scored)))

    def allowed_rows(self, within: Within) -> list[int] | None:
        """None for every chunk; else the rows a search may return."""
        if within is None:
            return None
        if isinstance(within, Filters):
            key = within.model_dump_json()
            with self._lock:
                if key in self._allowed:
                    self._allowed.move_to_end(key)
                    return self._allowed[key]
            rows = self.filtered_rows(within)
            with self._lock:
                self._allowed[key] = rows
                if len(self._allowed) > FILTERS_REMEMBERED:
                    self._allowed.popitem(last=False)
            return rows
        return self.rows_of(list(within))

    # Search.

    def search(self, vector: np.ndarray, k: int, space: str, within: Within = None) -> list[Hit]:
        return self._hits(self.search_rows(vector, k, space, self.allowed_rows(within)))

    def search_rows(self, vector: np.ndarray, k: int, space: str, rows: list[int] | None) -> list[tuple[int, float]]:
        """Rows and cosine scores of the ``k`` nearest chunks in one vector space, among ``rows`` if given."""
        query = vector.reshape(1, -1).astype(np.float32)
        if rows is None:
            return self._search_many_rows(query, k, space)[0]
        if not rows:
            return []
        if len(rows) <= EXACT_FILTER_LIMIT or space not in self.manifest.ann:
            # Exact over the allowed rows: a filter can never cost recall.
            k = min(k, len(rows))
            candidates = np.asarray(rows, dtype=np.int64)
            similarity = self._row_vectors(rows, space) @ query[0]
            best = np.argsort(-similarity)[:k]
            return [(int(candidates[i]), float(similarity[i])) for i in best]
        selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64))
        params = self._search_params(space, selector, k)
        scores, found = self._indexes[space].search(query, min(k, len(rows)), params=params)
        return [(int(r), float(s)) for r, s in zip(found[0], scores[0]) if r >= 0]

    def search_many(self, vectors: np.ndarray, k: int, space: str) -> list[list[Hit]]:
        """One FAISS call for the batch, both cores."""
        found = self._search_many_rows(vectors, k, space)
        ids = dict(zip(rows := list({row for hits in found for row, _ in hits}), self.ids_of(rows)))
        return [[(ids[row], score) for row, score in hits] for hits in found]

    def _search_many_rows(self, vectors: np.ndarray, k: int, space: str) -> list[list[tuple[int, float]]]:
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

    def keyword_search(self, text: str, k: int, within: Within = None) -> list[Hit]:
        return self._hits(self.keyword_rows(text, k, self.allowed_rows(within)))

    def keyword_rows(self, text: str, k: int, rows: list[int] | None = None) -> list[tuple[int, float]]:
        """Rows and BM25 scores (higher is better) of the best keyword matches, among ``rows`` if given."""
        words = query_words(text)
        if not words or rows == []:
            return []
        query = fts_query(selective_words(words, self.document_counts(words)))
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
        if not terms:
            return {}
        return dict(self._query_in("SELECT term, chunks FROM terms WHERE term IN ({marks})", terms))

    def lookup_identifiers(self, candidates: list[str], within: Within = None) -> list[str]:
        rows = self.identifier_rows(candidates)
        allowed = self.allowed_rows(within)
        if allowed is not None:
            allowed_set = set(allowed)
            rows = [row for row in rows if row in allowed_set]
        return self.ids_of(rows)

    def identifier_rows(self, candidates: list[str]) -> list[int]:
        if not candidates:
            return []
        found = self._query_in("SELECT DISTINCT row FROM identifiers WHERE value IN ({marks})",
                               [c.lower() for c in candidates])
        return [r[0] for r in found]

    # Products.

    def matching(self, filters: Filters) -> list[str]:
        return self.ids_of(self.allowed_rows(filters))

    def filtered_rows(self, filters: Filters) -> list[int]:
        """Rows of the products that satisfy every filter.

        Category, brand, price and stock are checked on in-memory columns (milliseconds for a
        million products); attribute, size and colour filters then query SQLite for the rows left.
        """
        per_variant = [("upper(v.size) = upper(?)", filters.size),
                       ("(lower(v.color) = lower(?) OR lower(v.color) LIKE '% ' || lower(?))", filters.color)]
        # a colour matches a variant's colour or its last word ("Matte black" is black), as chunk_fields.colour_names
        per_variant = [(clause, value) for clause, value in per_variant if value is not None]
        if filters.in_stock and per_variant:
            per_variant.append(("v.stock > ?", 0))
        rows = self._products.matching(filters, check_stock=bool(filters.in_stock) and not per_variant)
        where = [("lower(json_extract(c.metadata, ?)) = lower(?)", (f'$.attributes."{name}"', value))
                 for name, value in filters.attributes.items()]
        if per_variant:
            where.append((f"EXISTS (SELECT 1 FROM variants v WHERE v.row = p.row AND "
                          f"{' AND '.join(clause for clause, _ in per_variant)})",
                          tuple(value for clause, value in per_variant for _ in range(clause.count("?")))))
        if not where or not rows:
            return rows
        sql = (f"SELECT p.row FROM products p JOIN chunks c ON c.row = p.row "
               f"WHERE p.row IN (SELECT value FROM json_each(?)) AND {' AND '.join(clause for clause, _ in where)} "
               "ORDER BY p.row")
        return [r[0] for r in self._query(sql, [json.dumps(rows), *(v for _, values in where for v in values)])]

    def vocabulary(self) -> Vocabulary:
        def distinct(sql: str) -> tuple[str, ...]:
            return tuple(r[0] for r in self._query(sql) if r[0])

        return Vocabulary(
            categories=distinct("SELECT DISTINCT category FROM products"),
            brands=distinct("SELECT DISTINCT brand FROM products"),
            colors=distinct("SELECT DISTINCT color FROM variants"),
            kinds=kinds_of(distinct("SELECT DISTINCT title FROM chunks WHERE kind = 'product'")),
            category_words=category_words(self._query(
                "SELECT c.title, p.category FROM products p JOIN chunks c ON c.row = p.row")),
        )

    def product_sources(self) -> dict[str, str]:
        return dict(self._query("SELECT id, source FROM chunks WHERE kind = 'product'"))

    # Chunks.

    def fetch(self, ids: list[str]) -> list[Chunk]:
        if not ids:
            return []
        found = {row[0]: chunk_of(row) for row in self._query_in(
            "SELECT id, kind, source, title, section, text, metadata FROM chunks WHERE id IN ({marks})", ids)}
        return [found[i] for i in ids if i in found]

    def row_chunks(self, rows: list[int]) -> list[Chunk]:
        return self.fetch(self.ids_of(rows))

    def sections_of(self, source: str) -> list[Chunk]:
        """Every chunk of one document, in order: the exception a rule's section leaves to another."""
        return [chunk_of(row) for row in self._query(
            "SELECT id, kind, source, title, section, text, metadata FROM chunks "
            "WHERE source = ? AND kind = 'document' ORDER BY row", (source,))]

    def hashes(self) -> dict[str, tuple[str, str]]:
        return {cid: (content, embedding)
                for cid, content, embedding in self._query("SELECT id, content_hash, embedding_hash FROM chunks")}

    def vectors(self, ids: list[str], space: str) -> np.ndarray:
        return self._row_vectors(self.rows_of(ids), space)

    def _row_vectors(self, rows: list[int], space: str) -> np.ndarray:
        if not rows:
            return np.zeros((0, self._indexes[space].d), dtype=np.float32)
        return self._indexes[space].reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def iter_chunks(self) -> Iterator[Chunk]:
        for row in self._query("SELECT id, kind, source, title, section, text, metadata FROM chunks ORDER BY row"):
            yield chunk_of(row)

    def probe(self) -> None:
        """Answer a small query from every part of the version (chunks, full text, each vector space);
        CorruptIndexError when any fails, e.g. a file damaged in place after it was loaded."""
        try:
            first = self._query("SELECT row, id, title FROM chunks ORDER BY row LIMIT 1")
            if not first:
                return
            row, cid, title = first[0]
            if not self.fetch([cid]):
                raise CorruptIndexError("its first chunk cannot be read")
            self.keyword_rows(title, 1)
            for space in self._indexes:
                if not self.search_rows(self._row_vectors([row], space)[0], 1, space, None):
                    raise CorruptIndexError(f"no {space} vector answers")
        except (sqlite3.Error, RuntimeError, ValueError) as exc:
            raise CorruptIndexError(f"index {self.path} cannot answer a probe query: {exc}") from exc

    def close(self) -> None:
        self._db.close()


def kinds_of(titles: Iterable[str]) -> tuple[str, ...]:
    """What products are, from the last word of their names ("binoculars", "tent")."""
    return tuple(sorted({title.split()[-1].lower() for title in titles
                         if title.split() and title.split()[-1].isalpha()}))


def chunk_of(row: tuple) -> Chunk:
    cid, kind, source, title, section, text, metadata = row
    return Chunk(
        id=cid, kind=kind, source=source, title=title, section=section, text=text,
        metadata=json.loads(metadata),
    )
