"""Personal data in shopper messages (dev cases, tests/fixtures/safety_dev) is masked in the transcript, the
sessions file, the feedback export and the logs; GTINs, SKUs and order numbers are kept, and a GTIN asked
in chat finds its product."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer import build_index
from server.state import ServingState

from .conftest import KNOWLEDGE_BASE
from .safety_privacy import json_forms, needles, send_through_the_api

DEV = Path(__file__).parent / "fixtures" / "safety_dev"


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DEV / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def stored(sample_settings, serving, tmp_path_factory):
    messages = [case["text"] for case in load("pii_dev.jsonl") + load("identifiers_dev.jsonl")]
    return send_through_the_api(sample_settings, serving, tmp_path_factory.mktemp("privacy"), messages)


def test_personal_data_is_masked_everywhere_it_is_kept(stored):
    cases = load("pii_dev.jsonl")
    assert len(cases) >= 30
    leaks = [(place, value) for case in cases for value in case["pii"] for place, text in stored.places().items()
             if any(needle in text for needle in needles(case["text"], value))]
    assert leaks == []


def test_identifiers_are_kept_in_the_transcript_and_feedback_export(stored):
    cases = load("identifiers_dev.jsonl")
    assert len(cases) >= 10
    for case in cases:
        for value in case["keep"]:
            for place in ("transcript", "feedback export"):
                assert any(form in stored.places()[place] for form in json_forms(value)), (place, value)


@pytest.fixture(scope="module")
def store_with_gtins(sample_settings, tmp_path_factory):
    root = tmp_path_factory.mktemp("gtins")
    kb = root / "kb"
    shutil.copytree(KNOWLEDGE_BASE, kb)
    catalog = kb / "catalog" / "products.jsonl"
    products = [json.loads(line) for line in catalog.read_text(encoding="utf-8").splitlines() if line.strip()]
    products[0]["gtin"] = "0012345678905"
    products[1]["variants"][0]["gtin"] = "4006381333931"
    catalog.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products), encoding="utf-8")
    settings = sample_settings.model_copy(update={"knowledge_base": kb, "index_dir": root / "index",
                                                  "quarantine_planted_text": False})
    build_index(settings)
    state = ServingState.load(settings)
    yield state, products
    state.store.close()


@pytest.mark.parametrize("question, position", [
    ("Do you have 0012345678905?", 0), ("GTIN 0012345678905 是什么商品？", 0), ("条码4006381333931有货吗", 1),
])
def test_a_gtin_asked_in_chat_finds_its_product(store_with_gtins, question, position):
    from rag.privacy import mask_pii

    state, products = store_with_gtins
    message = mask_pii(question)
    assert message == question  # the chat router masks before answering: the GTIN must survive
    answer = state.assistant.answer(message)
    assert answer.passages[0].chunk.id == f"product:{products[position]['sku']}"
    assert answer.passages[0].exact_match
