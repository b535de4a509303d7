"""Write one benchmark's table into docs/benchmarks.md, between its own markers."""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEvery table below is written by the command shown with it. Times are medians over the stated runs.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_section(name: str, command: str, body: str) -> None:
    """Replace (or append) the section called ``name`` in docs/benchmarks.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = (
        f"{start}\n{body.rstrip()}\n\nMachine: {machine()}. Measured {time.strftime('%Y-%m-%d')}.\n"
        f"Reproduce: `{command}`\n{end}"
    )
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
