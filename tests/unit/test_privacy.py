"""Personal data is masked in any script context; identifiers an agent needs are kept."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from rag.privacy import MaskingFilter, gtin_valid, luhn_valid, mask_pii

DEV = Path(__file__).parent.parent / "fixtures" / "safety_dev"
PII = [json.loads(line) for line in (DEV / "pii_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
IDENTIFIERS = [json.loads(line) for line in (DEV / "identifiers_dev.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]


@pytest.mark.parametrize("case", PII, ids=[c["text"][:30] for c in PII])
def test_personal_data_is_masked(case):
    masked = mask_pii(case["text"])
    for value in case["pii"]:
        assert value not in masked, masked
    assert "[" in masked


@pytest.mark.parametrize("case", IDENTIFIERS, ids=[c["text"][:30] for c in IDENTIFIERS])
def test_identifiers_are_kept(case):
    masked = mask_pii(case["text"])
    assert masked == case["text"]


def test_dev_cases_cover_both_languages():
    assert len(PII) >= 30 and len(IDENTIFIERS) >= 10
    assert any("\u4e00" <= ch <= "\u9fff" for case in PII for ch in case["text"])


def test_text_without_personal_data_is_untouched():
    for text in ("Is the Beacon 400 waterproof to IPX7?", "价格是 $1,299.00，2024-05-01 发货", "3 days on the trail",
                 "Returns within 30 days; express costs $24.95.", "我要2件M码"):
        assert mask_pii(text) == text


def test_a_phone_number_is_not_taken_for_a_gtin_after_a_phone_keyword():
    assert mask_pii("phone 4006381333931") == "phone [phone]"


def test_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert gtin_valid("4006381333931") and gtin_valid("036000291452") and not gtin_valid("4006381333932")


def test_log_lines_are_masked_whoever_logs_them():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("shopper said %s", "我的电话13812345678，邮箱zhang.san@example.com")
    finally:
        logger.removeHandler(handler)
    assert "13812345678" not in stream.getvalue() and "zhang.san@example.com" not in stream.getvalue()
