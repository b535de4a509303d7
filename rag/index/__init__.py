"""Search index storage: the SearchIndex protocol and its backends.

FAISS + SQLite version directories are the default (``index_backend = "faiss"``); Milvus collections
published through an alias are the other (``index_backend = "milvus"``, rag/index/milvus.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.index.errors import (
    CorruptIndexError,
    IncompatibleIndexError,
    IndexLockedError,
    IndexNotFoundError,
    IndexStoreError,
    IndexWriteError,
)
from rag.index.manifest import FORMAT_VERSION, Manifest
from rag.index.protocol import Changes, Hit, IndexVersions, SearchIndex, VersionWriter, Within

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = [
    "FORMAT_VERSION", "Changes", "CorruptIndexError", "Hit", "IncompatibleIndexError", "IndexLockedError",
    "IndexNotFoundError", "IndexStoreError", "IndexVersions", "IndexWriteError", "Manifest", "SearchIndex",
    "VersionWriter", "Within", "milvus_location", "open_versions",
]


def milvus_location(settings: "Settings") -> str:
    """The Milvus the settings name: ``milvus_uri``, or a milvus-lite file in ``index_dir``."""
    return settings.milvus_uri or str(settings.index_dir / "milvus.db")


def open_versions(settings: "Settings") -> IndexVersions:
    """The index versions the settings name: FAISS + SQLite under ``index_dir``, or Milvus at ``milvus_uri``."""
    if settings.index_backend == "milvus":
        from rag.index.milvus import MilvusVersions  # pymilvus loads only when asked for

        return MilvusVersions.connect(milvus_location(settings), lock_dir=settings.index_dir)
    from rag.index.versions import IndexDirectory

    return IndexDirectory(settings.index_dir)
