"""docs/architecture.md's "One answer, step by step" names the steps in the order the code runs them.

The answer is traced on a tiny store with the fake embedder: each documented step's function records its call.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexer import build_index
from rag import assistant as assistant_module
from rag.assistant import build_assistant
from rag.conversation import Turn
from rag.embedding import load_embedders
from rag.index.versions import IndexDirectory
from tests.fakes import FAKE_EMBEDDER

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
# Each documented step, with the attribute of the Assistant (or its module) that carries it and the method called.
STEPS = {"Intent": ("router", "route"), "Follow-up": ("resolver", "resolve"), "Filters": (None, "parse_filters"),
         "Retrieve": ("retriever", "retrieve"), "Read": ("reader", "read"), "Compose": ("composer", "compose"),
         "Verify": ("verifier", "verify")}


def documented_steps() -> list[str]:
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## One answer, step by step", 1)[1].split("\n## ", 1)[0]
    return [name for name in re.findall(r"^\d+\. \*\*([\w-]+)\*\*", section, re.M) if name in STEPS]


def test_the_documented_steps_run_in_that_order(fake_settings, monkeypatch):
    (fake_settings.knowledge_base / "policies").mkdir(parents=True)
    (fake_settings.knowledge_base / "policies" / "returns.md").write_text(
        "# Returns\n\nYou can return most items within 30 days of delivery.\n", encoding="utf-8")
    settings = fake_settings.model_copy(update={"multilingual_model": FAKE_EMBEDDER})  # the intent router needs it
    build_index(settings)
    store = IndexDirectory(settings.index_dir).open_current()
    assistant = build_assistant(settings, store, load_embedders(settings))
    calls: list[str] = []

    def traced(step: str, function):
        def call(*args, **kwargs):
            calls.append(step)
            return function(*args, **kwargs)
        return call

    for step, (attribute, method) in STEPS.items():
        if attribute is None:
            monkeypatch.setattr(assistant_module, method, traced(step, getattr(assistant_module, method)))
        else:
            part = getattr(assistant, attribute)
            monkeypatch.setattr(part, method, traced(step, getattr(part, method)))
    answer = assistant.answer("How many days do I have to return items?", history=[Turn(question="Returns?")])
    store.close()
    assert not answer.refused
    assert list(dict.fromkeys(calls)) == documented_steps() == list(STEPS)
