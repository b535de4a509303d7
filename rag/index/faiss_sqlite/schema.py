"""Files of a FAISS + SQLite version directory and the SQLite schema.

A row is a chunk's position in every FAISS index and its key in SQLite. Rows never leave this
package: everything outside speaks chunk ids.
"""

from __future__ import annotations

CHUNKS_DB = "chunks.sqlite"


def vectors_file(space: str) -> str:
    return f"vectors.{space}.faiss"


SCHEMA = """
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

INDEXES = (
    "CREATE INDEX identifiers_value ON identifiers(value)",
    "CREATE INDEX identifiers_row ON identifiers(row)",
    "CREATE INDEX variants_row ON variants(row)",
    "CREATE INDEX products_price ON products(price)",
)
