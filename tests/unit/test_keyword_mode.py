"""Keyword retrieval still refuses: the reader, not the passages' cosine, decides whether a question is answered."""

from __future__ import annotations

from indexer import build_index
from rag.assistant import build_assistant
from rag.embedding import load_embedders
from rag.index.versions import IndexDirectory

RETURNS = """# Returns

## Return window

You can return most items within 30 days of delivery for a full refund.

## Refunds

Refunds go back to the original payment method within 5 business days.
"""


def test_keyword_mode_answers_from_bm25_and_still_refuses(fake_settings):
    (fake_settings.knowledge_base / "policies").mkdir(parents=True)
    (fake_settings.knowledge_base / "policies" / "returns.md").write_text(RETURNS, encoding="utf-8")
    settings = fake_settings.model_copy(update={"retrieval_mode": "keyword"})
    build_index(settings)
    store = IndexDirectory(settings.index_dir).open_current()
    assistant = build_assistant(settings, store, load_embedders(settings))
    answered = assistant.answer("How many days do I have to return items?")
    assert not answered.refused and "30 days" in answered.text
    assert all(p.similarity == 0.0 for p in answered.passages)  # BM25 only: no cosine to lean on
    refused = assistant.answer("Do you repair returned items under warranty?")
    assert refused.refused and refused.passages  # passages were found, and the reader still said no
    store.close()
