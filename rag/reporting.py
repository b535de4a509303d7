"""Write a generated table into a Markdown document, between its own markers, so re-runs replace it."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path


def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def write_section(doc: Path, header: str, name: str, command: str, body: str) -> None:
    """Replace (or append) section ``name`` of ``doc``; ``header`` starts a new document."""
    start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
    section = (
        f"{start}\n{body.rstrip()}\n\nMachine: {machine()}. Measured {time.strftime('%Y-%m-%d')}.\n"
        f"Reproduce: `{command}`\n{end}"
    )
    text = doc.read_text(encoding="utf-8") if doc.exists() else header
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
