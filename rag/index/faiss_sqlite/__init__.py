"""The default backend: FAISS vectors per space and SQLite (chunks, FTS5 keywords, product facts) per version."""

from rag.index.faiss_sqlite.reader import FaissSqliteIndex
from rag.index.faiss_sqlite.writer import IndexWriter

__all__ = ["FaissSqliteIndex", "IndexWriter"]
