"""Progress for long steps: bars on a terminal, plain log lines elsewhere."""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from typing import Iterator, Protocol

log = logging.getLogger("shopassist.indexer")


class Progress(Protocol):
    def step(self, name: str, total: int) -> "Step": ...


class Step(Protocol):
    def advance(self, n: int = 1) -> None: ...


class _LogStep:
    """Logs at start, every ~10%, and at the end, so CI logs stay short."""

    def __init__(self, name: str, total: int):
        self.name, self.total, self.done = name, total, 0
        self._next = max(total // 10, 1)
        self._started = time.monotonic()
        log.info("%s: 0/%d", name, total)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.done >= self._next or self.done == self.total:
            log.info("%s: %d/%d (%.1fs)", self.name, self.done, self.total, time.monotonic() - self._started)
            self._next = self.done + max(self.total // 10, 1)


class LogProgress:
    @contextmanager
    def step(self, name: str, total: int) -> Iterator[_LogStep]:
        yield _LogStep(name, total)


class _RichStep:
    def __init__(self, bar, task):
        self._bar, self._task = bar, task

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)


class RichProgress:
    @contextmanager
    def step(self, name: str, total: int) -> Iterator[_RichStep]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            transient=False,
        ) as bar:
            yield _RichStep(bar, bar.add_task(name, total=total))


def default_progress() -> Progress:
    return RichProgress() if sys.stderr.isatty() else LogProgress()
