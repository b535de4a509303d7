"""Mask personal data before text is stored, logged or exported; keep the identifiers an agent needs.

Masked: phone numbers (``phonenumbers``: international numbers of every region, national numbers of
``NATIONAL_REGIONS``, and any number after a phone keyword), emails, card numbers (Luhn-valid only),
CVVs and national ids after their keywords, and street addresses (US and Chinese patterns).
Kept: GTIN/UPC/EAN codes with a valid check digit, SKUs (letters and digits joined by hyphens)
and order numbers after an order keyword.

No pattern relies on ``\\b``: Chinese characters count as word characters there, so a number written
straight after Chinese text ("电话13812345678") would slip through. Boundaries are written out as
"no ASCII letter or digit before/after" instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import phonenumbers

# Numbers written without a country code are read as numbers of these regions (US/Canada, China, UK).
NATIONAL_REGIONS = ("US", "CN", "GB")

_DIGIT_RUN = r"(?<![0-9A-Za-z+])(?:\d[ \-]?){12,18}\d(?![0-9A-Za-z])"
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z])")
_CARD = re.compile(_DIGIT_RUN)
# Between a keyword and its value: spaces, punctuation, and "is", "number", "为", "是"...
_LINK = r"[\s:：#=]*(?:(?:is|was|number|no\.?|为|是|号码|号)[\s:：#=]*){0,2}"
_CARD_KEYWORD = re.compile(r"(?:card|visa|mastercard|amex|卡号|信用卡|银行卡|借记卡)[^0-9]{0,12}$", re.IGNORECASE)
_PHONE_KEYWORD = re.compile(
    r"(?:phone|tel|mobile|cell|call me|text me|whatsapp|fax|电话|手机|联系方式|号码|微信|座机)[^0-9+]{0,12}$", re.IGNORECASE
)
_CVV = re.compile(
    rf"(?P<key>(?:cvv2?|cvc2?|cid|csc|security code|card code|安全码|验证码|校验码|背面三位数?){_LINK})"
    r"(?P<value>\d{3,4})(?!\d)",
    re.IGNORECASE,
)
_NATIONAL_ID = re.compile(
    r"(?P<key>(?:ssn|social security(?: number| no\.?)?|national id(?: number)?|id card(?: number)?|id number"
    r"|passport(?: number| no\.?)?|driver'?s licen[cs]e(?: number)?|tax id|身份证(?:号码|号)?|护照(?:号码|号)?"
    rf"|驾驶证(?:号码|号)?|社保号){_LINK})"
    r"(?P<value>[0-9A-Za-z][0-9A-Za-z\-]{4,24})",
    re.IGNORECASE,
)
_SSN = re.compile(r"(?<![0-9A-Za-z\-])\d{3}-\d{2}-\d{4}(?![0-9A-Za-z\-])")
_CHINESE_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_US_STREET = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter"
    r"|parkway|pkwy|highway|hwy|circle|cir|square|sq)"
)
# Capitalised street names take any suffix ("742 Evergreen Terrace"); lower-case ones only unmistakable
# suffixes ("12 oak street"), so "3 days on the trail" or "10 miles of road" stay.
_US_ADDRESS = re.compile(
    r"(?<![0-9A-Za-z])\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?"
    rf"(?:(?:[A-Z0-9][A-Za-z0-9'\-]*\.?\s+){{1,4}}{_US_STREET}|(?:[a-z][a-z'\-]*\s+){{1,3}}(?i:street|avenue|boulevard|blvd))"
    r"\.?(?![A-Za-z])(?:\s+[NS][EW]?\.?(?![A-Za-z])|\s+[EW]\.?(?![A-Za-z]))?"
    r"(?:,?\s*(?i:apt|apartment|suite|ste|unit|#)\.?\s*[0-9A-Za-z\-]+)?"
    r"(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+){0,2})?(?:,?\s*[A-Z]{2}(?![A-Za-z]))?(?:\s+\d{5}(?:-\d{4})?)?",
)
_PO_BOX = re.compile(r"(?<![A-Za-z])p\.?\s?o\.?\s+box\s+\d+", re.IGNORECASE)
_CJK = r"\u3400-\u9fff"
_CHINESE_ADDRESS = re.compile(
    rf"(?:[{_CJK}]{{2,8}}(?:省|自治区|市|区|县|镇|乡|街道))*[{_CJK}0-9]{{1,12}}(?:路|街|大道|大街|巷|弄|胡同|里)"
    rf"[0-9一二三四五六七八九十百零〇]+号(?:院)?(?:[{_CJK}A-Za-z]{{0,8}}?[0-9A-Za-z一二三四五六七八九十]+(?:号楼|栋|幢|座|单元|层|楼|室|号))*"
)
_GTIN = re.compile(r"(?<![0-9A-Za-z\-])(?:\d{14}|\d{13}|\d{12}|\d{8})(?![0-9A-Za-z\-])")
_SKU = re.compile(r"(?<![0-9A-Za-z\-])(?=[A-Za-z0-9\-]*\d)(?=[A-Za-z0-9\-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![0-9A-Za-z\-])")
_ORDER = re.compile(
    r"(?:order|invoice|receipt|tracking|订单|单号|发票|运单|物流单)\s*(?:number|no\.?|num|id|#|号码|号|编号)?\s*[:：#＃]?\s*"
    r"(?P<value>#?[A-Za-z]{0,4}-?\d[0-9A-Za-z\-]{3,29})(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_HASH_NUMBER = re.compile(r"(?<![0-9A-Za-z&])#\d{4,20}(?![0-9A-Za-z])")
_PROTECTED = re.compile("\ue000(\\d+)\ue001")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def gtin_valid(digits: str) -> bool:
    """GTIN-8/12/13/14 (UPC, EAN) check digit: weights 3 and 1 from the right, before the check digit."""
    if len(digits) not in (8, 12, 13, 14) or not digits.isdigit():
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _chinese_id_valid(value: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(value[:17], weights))
    return "10X98765432"[total % 11] == value[17].upper()


@dataclass
class _Masker:
    """One masking pass: identifiers are set aside first and put back last, untouched."""

    text: str

    def __post_init__(self) -> None:
        self.kept: list[str] = []

    def keep(self, value: str) -> str:
        self.kept.append(value)
        return f"\ue000{len(self.kept) - 1}\ue001"

    def before(self, start: int, pattern: re.Pattern) -> bool:
        return bool(pattern.search(self.text[max(0, start - 24):start]))

    def run(self) -> str:
        text = _EMAIL.sub("[email]", self.text)
        text = _CVV.sub(lambda m: m.group("key") + "[cvv]", text)
        text = _NATIONAL_ID.sub(lambda m: m.group("key") + "[id]" if re.search(r"\d", m.group("value")) else m.group(0), text)
        text = _SSN.sub("[id]", text)
        text = _CHINESE_ID.sub(lambda m: "[id]" if _chinese_id_valid(m.group(0)) else m.group(0), text)
        self.text = text
        text = _ORDER.sub(lambda m: m.group(0)[: m.start("value") - m.start()] + self.keep(m.group("value")), text)
        text = _HASH_NUMBER.sub(lambda m: self.keep(m.group(0)), text)
        self.text = text
        text = _CARD.sub(self._card, text)
        self.text = text
        text = _GTIN.sub(self._gtin, text)
        text = _SKU.sub(lambda m: self.keep(m.group(0)), text)
        text = _CHINESE_ADDRESS.sub("[address]", text)
        text = _US_ADDRESS.sub("[address]", _PO_BOX.sub("[address]", text))
        self.text = text
        text = self._phones(text)
        return _PROTECTED.sub(lambda m: self.kept[int(m.group(1))], text)

    def _card(self, match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if not luhn_valid(digits):
            return match.group(0)
        if gtin_valid(digits) and match.group(0).isdigit() and not self.before(match.start(), _CARD_KEYWORD):
            return self.keep(match.group(0))
        return "[card]"

    def _gtin(self, match: re.Match) -> str:
        value = match.group(0)
        if not gtin_valid(value) or self.before(match.start(), _PHONE_KEYWORD):
            return value
        return self.keep(value)

    def _phones(self, text: str) -> str:
        spans: list[tuple[int, int]] = []
        for region in NATIONAL_REGIONS:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                spans.append((match.start, match.end))
        for match in re.finditer(r"\+?\d[\d \-.()]{5,18}\d", text):
            if self.before(match.start(), _PHONE_KEYWORD) and len(re.sub(r"\D", "", match.group(0))) >= 7:
                spans.append(match.span())
        for start, end in sorted(_merge(spans), reverse=True):
            text = text[:start] + "[phone]" + text[end:]
        return text


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_pii(text: str) -> str:
    """``text`` with personal data replaced by ``[email]``, ``[phone]``, ``[card]``, ``[cvv]``, ``[id]``
    or ``[address]``; GTINs, SKUs and order numbers stay as written."""
    if not text or not re.search(r"[0-9@]", text):
        return text
    return _Masker(text.replace("\ue000", "").replace("\ue001", "")).run()


class MaskingFilter(logging.Filter):
    """Attach to a handler so no log line carries personal data, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_pii(record.getMessage())
        record.args = ()
        return True
