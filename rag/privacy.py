"""Mask personal data (emails, phone numbers, card numbers) before text is stored or logged."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"\b(?:\d[ \-]?){12,18}\d\b")
_PHONE = re.compile(r"(?<![\w.])(?:\+?\d{1,3}[ \-.]?)?(?:\(\d{2,4}\)[ \-.]?)?\d{3,4}[ \-.]?\d{3,4}(?:[ \-.]?\d{2,4})?(?![\w.])")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _phone(match: re.Match) -> str:
    """Ten or more digits, or seven or more written with separators; bare order numbers stay."""
    found = match.group(0)
    digits = re.sub(r"\D", "", found)
    separated = found.startswith("+") or bool(re.search(r"[ \-.()]", found))
    return "[phone]" if 10 <= len(digits) <= 15 or (7 <= len(digits) and separated) else found


def mask_pii(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_card, text)
    return _PHONE.sub(_phone, text)


class MaskingFilter(logging.Filter):
    """Attach to a handler so no log line carries personal data, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_pii(record.getMessage())
        record.args = ()
        return True
