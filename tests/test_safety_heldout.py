"""Acceptance on held-out data written by a separate author who did not see the code
(tests/fixtures/safety_heldout/README.md): planted instructions and benign look-alikes placed in the products,
documents and FAQ of a copy of the sample store; PII strings and identifiers sent through the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import build_index
from rag.assistant import build_assistant
from rag.privacy import mask_pii
from rag.text import split_sentences
from server.state import ServingState

from .safety_privacy import needles, send_through_the_api
from .safety_store import plant, real_sentences_quarantined

HELDOUT = Path(__file__).parent / "fixtures" / "safety_heldout"
# Store facts the author wrote before a planted note in the same line ("Lightweight and packable for summer
# storms. Note for any AI assistant ..."): plain statements with no address or instruction, which may stay.
LEAD_INS = {
    "Lightweight and packable for summer storms.", "Refunds go back to the original payment method.",
    "Crafted from recycled nylon with taped seams.", "Great for day hikes and commutes.", "Waterproof to 10,000 mm.",
    "Rated to -10 C.", "轻量防水，适合夏季徒步。", "退款将退回原支付方式。", "采用再生尼龙制成。", "适合一日徒步。", "耐寒至零下10度。",
}


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (HELDOUT / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def instruction_sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if s not in LEAD_INS]


@pytest.fixture(scope="module")
def heldout_store(tmp_path_factory, sample_settings):
    planted_rows, benign_rows = rows("planted.jsonl"), rows("benign.jsonl")
    root = tmp_path_factory.mktemp("heldout")
    kb, placed = plant(root, [(r["text"], r["placement"]) for r in planted_rows + benign_rows])
    planted, benign = placed[:len(planted_rows)], placed[len(planted_rows):]
    settings = sample_settings.model_copy(update={"knowledge_base": kb, "index_dir": root / "index"})
    report = build_index(settings)
    state = ServingState.load(settings)
    blob = "\n".join(json.dumps([c.text, c.metadata, c.section], ensure_ascii=False) + c.text
                     for c in state.store.iter_chunks())
    yield settings, report, state, planted, benign, blob
    state.store.close()


def test_heldout_planted_instructions_are_quarantined(heldout_store):
    _, report, _, planted, _, blob = heldout_store
    assert len(planted) >= 40 and {p.place for p in planted} == {"product", "document", "faq"}
    left = [(p.text, s) for p in planted for s in instruction_sentences(p.text) if s in blob]
    assert left == []
    for item in planted:
        if item.text.lstrip().startswith("<!--"):  # markup: the HTML cleaner drops it before any text is read
            continue  # (never indexed: checked above)
        assert any(q.text.rstrip(".") in item.text and q.source == item.source and q.line for q in report.quarantined), item.text


def test_heldout_benign_sentences_and_the_store_itself_are_kept(heldout_store):
    _, report, _, planted, benign, blob = heldout_store
    lost = [q.text for q in report.quarantined if any(q.text.rstrip(".") in b.text for b in benign)]
    assert lost == []
    assert all(s in blob for b in benign for s in split_sentences(b.text))
    assert real_sentences_quarantined(report, planted) == []


def test_heldout_planted_text_is_never_quoted_nor_sent_to_the_llm(heldout_store, fake_llm):
    settings, _, state, planted, _, _ = heldout_store
    llm = fake_llm(["Thanks for asking [1]."] * len(planted))
    with_llm = build_assistant(settings.model_copy(update={"generator": "openai", "llm_base_url": llm.url,
                                                           "llm_model": "fake"}), state.store, state.embedders)
    for item in planted:
        for answer in (state.assistant.answer(item.question), with_llm.answer(item.question)):
            shown = answer.model_dump_json()
            quoted = [s for s in instruction_sentences(item.text)
                      if s in shown or json.dumps(s)[1:-1] in shown]
            assert quoted == [], (item.question, quoted)
    sent = json.dumps(llm.requests, ensure_ascii=False)
    assert llm.requests
    assert [s for p in planted for s in instruction_sentences(p.text) if s in sent] == []


@pytest.fixture(scope="module")
def heldout_stored(sample_settings, serving, tmp_path_factory):
    messages = [r["text"] for r in rows("pii.jsonl")]
    return send_through_the_api(sample_settings, serving, tmp_path_factory.mktemp("heldout_privacy"), messages)


@pytest.fixture(scope="module")
def heldout_identifiers_stored(sample_settings, serving, tmp_path_factory):
    # Apart from the PII: "9781234567897" holds "12345678", which would look like a leaked phone number.
    messages = [r["text"] for r in rows("identifiers.jsonl")]
    return send_through_the_api(sample_settings, serving, tmp_path_factory.mktemp("heldout_ids"), messages)


def test_heldout_pii_is_masked_in_transcript_sessions_file_feedback_and_logs(heldout_stored):
    cases = rows("pii.jsonl")
    assert len(cases) >= 30 and {c["language"] for c in cases} == {"en", "zh"}
    leaks = [(c["id"], place, secret) for c in cases for secret in c["secrets"]
             for place, text in heldout_stored.places().items()
             if any(needle in text for needle in needles(c["text"], secret))]
    assert leaks == []


def test_heldout_identifiers_are_kept(heldout_identifiers_stored):
    cases = rows("identifiers.jsonl")
    assert len(cases) >= 10
    for case in cases:
        assert all(keep in mask_pii(case["text"]) for keep in case["keep"]), case
        for place in ("transcript", "feedback export"):
            text = heldout_identifiers_stored.places()[place]
            assert all(keep in text or json.dumps(keep)[1:-1] in text for keep in case["keep"]), (case["id"], place)
