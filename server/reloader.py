"""Hot reload: swap in a newly published index version without dropping a request.

Requests read `app.state.serving` once and keep that object for their whole
life, so replacing the reference is atomic from their point of view; the old
version is freed when its last request finishes.

A version that cannot be loaded, or whose files are damaged after loading (its probe query fails), is
never served: the newest older version that loads and answers is served instead, and each bad version is
logged once, not on every check.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from rag.index import IndexStoreError, open_versions
from rag.settings import Settings
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
        self._bad: dict[str, str] = {}  # version -> why it cannot be served; each logged once

    def reload(self) -> ReloadResult:
        """Serve the published version if it differs from the served one and is good; if the served version
        stopped answering, fall back to the newest good one. Keeps serving on failure."""
        with self._lock:
            current = self.app.state.serving
            published = open_versions(self.settings).current_version()
            healthy = current is not None and self._answers(current)
            if healthy and published == current.store.version:
                return ReloadResult(current.store.version, changed=False)
            error = None
            if published is not None and published not in self._bad:
                fresh, error = self._load(published)
                if fresh is not None:
                    return self._serve(fresh)
            elif published in self._bad:
                error = self._bad[published]
            if healthy:
                return ReloadResult(current.store.version, changed=False, error=error)
            fallback = self._newest_good(skip={published, current.store.version if current else None})
            if fallback is not None:
                log.warning("serving the previous good index version %s instead", fallback.store.version)
                return self._serve(fallback)
            return ReloadResult(current.store.version if current else "", changed=False,
                                error=error or "no index version can answer")

    def _answers(self, serving: ServingState) -> bool:
        try:
            serving.store.probe()
            return True
        except IndexStoreError as exc:
            self._mark_bad(serving.store.version, str(exc))
            return False

    def _load(self, version: str) -> tuple[ServingState | None, str | None]:
        try:
            return ServingState.load(self.settings, version), None
        except IndexStoreError as exc:
            self._mark_bad(version, str(exc))
            return None, str(exc)

    def _mark_bad(self, version: str, reason: str) -> None:
        if version not in self._bad:
            self._bad[version] = reason
            served = self.app.state.serving.store.version if self.app.state.serving else None
            log.error("index version %s cannot be served (still serving %s): %s", version, served, reason)

    def _newest_good(self, skip: set[str | None]) -> ServingState | None:
        for version in open_versions(self.settings).complete_versions():
            if version in skip or version in self._bad:
                continue
            fresh, _ = self._load(version)
            if fresh is not None:
                return fresh
        return None

    def _serve(self, fresh: ServingState) -> ReloadResult:
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
