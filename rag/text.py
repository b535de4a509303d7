"""Small text utilities shared by chunking, retrieval and grounding."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.language import ABBREVIATIONS, SEGMENTATION_WORDS, STOPWORDS, has_cjk
from rag.language import CJK as _CJK

# A sentence ends at . ! ? followed by space, at CJK full stops, or at a line break; not after "Co." or "Dr.".
_NOT_AFTER = "".join(rf"(?<!\b{re.escape(word)})" for word in ABBREVIATIONS)
_SENTENCE_END = re.compile(rf"(?<=[.!?]){_NOT_AFTER}\s+(?=[^a-z0-9])|(?<=[。！？])|\n+")
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-\.]*[a-z0-9]|[a-z0-9]", re.IGNORECASE)
# Prices, measures, ranges, percentages and identifiers that an answer must not invent.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CITATION_MARK = re.compile(r"\[(\d+)\]")


def split_sentences(text: str) -> list[str]:
    parts = (part.strip(" \t-•*") for part in _SENTENCE_END.split(text))
    return [part for part in parts if part and any(ch.isalnum() for ch in part)]


SEGMENTATION_FREQUENCY = 20000  # how often jieba counts a store word, so it wins over a word across its edge


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for word in SEGMENTATION_WORDS:  # "退货运费" is 退货 + 运费, not 退 + 货运费
        jieba.add_word(word, freq=max(jieba.get_FREQ(word) or 0, SEGMENTATION_FREQUENCY))
    return jieba


def cut_for_search(text: str) -> list[str]:
    """jieba's search-mode segmentation: the words of a Chinese text and the shorter words inside them."""
    return [word for word in _jieba().cut_for_search(text) if word.strip()]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; Chinese runs are segmented into words with jieba."""
    out: list[str] = []
    for run in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text.lower()):
        if not run:
            continue
        if _CJK.match(run):
            out.extend(cut_for_search(run))
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
