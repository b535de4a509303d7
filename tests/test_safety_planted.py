"""Planted instructions, phrased in ways no string in the code contains (tests/fixtures/safety_dev), placed in
the sample store's products, documents and FAQ: all are quarantined with file and line, none reaches a
shopper or the LLM, and no real sentence of the store is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import build_index
from rag.assistant import build_assistant
from server.state import ServingState

from .safety_store import PLACES, plant, real_sentences_quarantined, surviving

DEV = Path(__file__).parent / "fixtures" / "safety_dev" / "planted_dev.jsonl"


@pytest.fixture(scope="module")
def planted_store(tmp_path_factory, sample_settings):
    variants = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    root = tmp_path_factory.mktemp("planted_dev")
    kb, planted = plant(root, [(text, PLACES[i % len(PLACES)]) for i, text in enumerate(variants)])
    settings = sample_settings.model_copy(update={"knowledge_base": kb, "index_dir": root / "index"})
    report = build_index(settings)
    state = ServingState.load(settings)
    yield settings, report, state, planted
    state.store.close()


def test_the_sample_store_has_nothing_quarantined(sample_build):
    assert sample_build.quarantined == []


def test_every_planted_variant_is_quarantined_with_its_file_and_line(planted_store):
    settings, report, state, planted = planted_store
    assert len(planted) >= 30 and {p.place for p in planted} == {"product", "document", "faq"}
    assert surviving(state.store, planted) == []
    assert real_sentences_quarantined(report, planted) == []
    for item in planted:
        entries = [q for q in report.quarantined if q.text in item.text]
        assert entries, item.text
        assert all(q.source == item.source and q.line for q in entries), (item, entries)
        lines = (settings.knowledge_base / item.source).read_text(encoding="utf-8").splitlines()
        assert any(entries[0].text in lines[q.line - 1] or json.dumps(entries[0].text)[1:-1] in lines[q.line - 1]
                   for q in entries)


def test_planted_text_is_never_quoted_nor_sent_to_the_llm(planted_store, fake_llm):
    settings, _, state, planted = planted_store
    llm = fake_llm(["Gift wrapping is available at checkout [1]."] * len(planted))
    assistant = build_assistant(settings.model_copy(update={"generator": "openai", "llm_base_url": llm.url,
                                                            "llm_model": "fake"}),
                                state.store, state.embedders)
    for item in planted:
        for answer in (state.assistant.answer(item.question), assistant.answer(item.question)):
            shown = answer.model_dump_json()
            assert not any(sentence in shown for sentence in _sentences(item.text)), (item.question, answer.text)
    sent = json.dumps(llm.requests, ensure_ascii=False)
    assert llm.requests and not [p.text for p in planted if any(s in sent for s in _sentences(p.text))]


def _sentences(text: str) -> list[str]:
    from rag.text import split_sentences

    return [json.dumps(s, ensure_ascii=False)[1:-1] for s in split_sentences(text)] + split_sentences(text)
