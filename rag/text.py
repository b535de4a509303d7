"""Small text utilities shared by chunking, retrieval and grounding."""

from __future__ import annotations

import re
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A sentence ends at . ! ? followed by space, at CJK full stops, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^a-z0-9])|(?<=[。！？])|\n+")
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-\.]*[a-z0-9]|[a-z0-9]", re.IGNORECASE)
# Prices, measures, ranges, percentages and identifiers that an answer must not invent.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CITATION_MARK = re.compile(r"\[(\d+)\]")

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been
    being do does did doing have has had having i me my we our you your he she it its they
    them their this that these those what which who whom whose when where why how can could
    would should will shall may might must not no yes so than too very just also about into
    over under up down out off again there here all any both each few more most other some
    such only own same s t don now get got there's it's i'm you're let tell please know want
    like need any anything something""".split()
)


def detect_language(text: str) -> str:
    """'zh' when the text is mostly Chinese characters, else 'en'."""
    cjk = len(_CJK.findall(text))
    letters = sum(ch.isalpha() for ch in text)
    return "zh" if cjk and cjk >= 0.3 * max(letters, 1) else "en"


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def split_sentences(text: str) -> list[str]:
    parts = (part.strip(" \t-•*") for part in _SENTENCE_END.split(text))
    return [part for part in parts if part and any(ch.isalnum() for ch in part)]


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; Chinese runs are segmented into words with jieba."""
    out: list[str] = []
    for run in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text.lower()):
        if not run:
            continue
        if _CJK.match(run):
            out.extend(word for word in _jieba().cut_for_search(run) if word.strip())
        else:
            out.extend(_WORD.findall(run))
    return out


def content_words(text: str) -> list[str]:
    return [word for word in tokens(text) if word not in STOPWORDS and len(word) > 1 or has_cjk(word)]


def numbers(text: str) -> set[str]:
    """Numbers in ``text`` with thousands separators removed, citation marks excluded."""
    text = _CITATION_MARK.sub(" ", text)
    return {match.replace(",", "").rstrip(".") for match in _NUMBER.findall(text)}


def strip_citations(text: str) -> str:
    return re.sub(r"\s+([.,;:!?。，；])", r"\1", _CITATION_MARK.sub("", text)).strip()


def citation_numbers(text: str) -> list[int]:
    return [int(n) for n in _CITATION_MARK.findall(text)]
