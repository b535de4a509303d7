"""Hot reload: swap in a newly published index version without dropping a request.

Requests read `app.state.serving` once and keep that object for their whole
life, so replacing the reference is atomic from their point of view; the old
version is freed when its last request finishes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from rag.settings import Settings
from rag.store import IndexDirectory, IndexStoreError
from server.state import ServingState

log = logging.getLogger("shopassist.server")


@dataclass
class ReloadResult:
    version: str
    changed: bool
    error: str | None = None


class IndexReloader:
    def __init__(self, app: FastAPI, settings: Settings):
        self.app = app
        self.settings = settings
        self._lock = threading.Lock()  # one load at a time, whoever asks

    def reload(self) -> ReloadResult:
        """Load the published version if it differs from the served one; keep serving on failure."""
        with self._lock:
            current = self.app.state.serving
            published = IndexDirectory(self.settings.index_dir).current_version()
            if current is not None and published == current.store.version:
                return ReloadResult(current.store.version, changed=False)
            try:
                fresh = ServingState.load(self.settings)
            except IndexStoreError as exc:
                log.error("new index version %s not loaded, still serving %s: %s",
                          published, current.store.version if current else None, exc)
                return ReloadResult(current.store.version if current else "", changed=False, error=str(exc))
            self.app.state.serving = fresh
            log.info("now serving index version %s", fresh.store.version)
            return ReloadResult(fresh.store.version, changed=True)

    async def watch(self) -> None:
        interval = self.settings.reload_interval_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(self.reload)
            except Exception:  # the watcher must outlive any one bad check
                log.exception("index watch failed")
