"""Versions on disk, the indexer's lock and atomic publishing (FAISS + SQLite backend).

Layout of an index root::

    CURRENT                 name of the published version (replaced atomically)
    .lock                   held by the indexer while it runs (the Milvus backend uses it too)
    versions/<name>/        manifest.json, vectors.<space>.faiss, chunks.sqlite
    versions/.tmp-<name>/   a version being written; never loaded, removed on the next run

A version directory is written completely, renamed into place, and only then
named in CURRENT, so readers only ever see whole versions.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.errors import CorruptIndexError, IndexLockedError, IndexNotFoundError
from rag.index.faiss_sqlite.reader import FaissSqliteIndex
from rag.index.faiss_sqlite.writer import IndexWriter, fsync_dir, patch_refusal
from rag.index.manifest import Manifest
from rag.index.protocol import Changes
from rag.models import Chunk

CURRENT = "CURRENT"
VERSIONS = "versions"
TMP_PREFIX = ".tmp-"


def version_name() -> str:
    """A new version's name: its UTC start time, so names sort by age."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


class IndexDirectory:
    """The versioned index root: which version is current, publishing, pruning, locking."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.versions = self.root / VERSIONS

    def __str__(self) -> str:
        return str(self.root)

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

    def open(self, version: str) -> FaissSqliteIndex:
        return FaissSqliteIndex(self.versions / version)

    def open_current(self) -> FaissSqliteIndex:
        return FaissSqliteIndex(self.current_path())

    def complete_versions(self) -> list[str]:
        """Names of the whole versions on disk, newest first."""
        if not self.versions.is_dir():
            return []
        return sorted((p.name for p in self.versions.iterdir() if p.is_dir() and not p.name.startswith(TMP_PREFIX)),
                      reverse=True)

    def new_version_dir(self) -> tuple[str, Path]:
        name = version_name()
        path = self.versions / f"{TMP_PREFIX}{name}"
        path.mkdir(parents=True)
        return name, path

    def new_version(self, ann_threshold: int) -> "FaissVersionWriter":
        return FaissVersionWriter(self, ann_threshold)

    def publish(self, name: str, tmp_path: Path) -> Path:
        """Move a complete version into place, then point CURRENT at it atomically."""
        final = self.versions / name
        os.replace(tmp_path, final)
        fsync_dir(self.versions)
        pointer = self.root / f"{CURRENT}.tmp"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / CURRENT)
        fsync_dir(self.root)
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


class FaissVersionWriter:
    """A version directory being written under versions/.tmp-<name>, then renamed and named in CURRENT."""

    def __init__(self, directory: IndexDirectory, ann_threshold: int):
        self.directory = directory
        self.ann_threshold = ann_threshold
        self.name, self.tmp_path = directory.new_version_dir()
        self.location = str(self.tmp_path)
        self._writer = IndexWriter(self.tmp_path, ann_threshold)

    def patch_refusal(self, previous: FaissSqliteIndex, changes: Changes) -> str | None:
        return patch_refusal(previous, changes, self.ann_threshold)

    def write(self, chunks: list[Chunk], vectors: dict[str, np.ndarray], models: dict[str, str],
              build_settings: dict[str, Any]) -> Manifest:
        return self._writer.write(chunks, vectors, models, build_settings)

    def patch(self, previous: FaissSqliteIndex, changes: Changes, build_settings: dict[str, Any]) -> Manifest:
        return self._writer.patch(previous, changes, build_settings)

    def publish(self) -> None:
        self.directory.publish(self.name, self.tmp_path)

    def discard(self) -> None:
        if self.directory.current_version() == self.name:
            return
        for path in (self.tmp_path, self.directory.versions / self.name):
            shutil.rmtree(path, ignore_errors=True)


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
