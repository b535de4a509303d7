"""Faithfulness measured independently of the verifier: is each sentence of the draft in its cited passages?

A sentence is supported when every number it states is in the passages the generator was given and most of its
content words are too (a check against all of them, not only the cited one: simpler, and a little lenient). Template words ("Yes —", a product's name, Chinese field names) are left out of the count. The draft is
what the generator wrote, before the verifier dropped anything: grounding.sentences plus grounding.dropped.
"""

from __future__ import annotations

import re

from rag import language
from rag.text import content_words, numbers

MIN_WORDS_IN_PASSAGE = 0.8


def sentence_supported(sentence: str, cited_text: str) -> bool:
    claim = language.DIRECT_FRAME.sub("", sentence)
    if numbers(claim) - numbers(cited_text):
        return False
    cited = set(content_words(cited_text))
    words = [w for w in content_words(claim) if not language.has_cjk(w) and not re.fullmatch(r"[\d.,]+", w)]
    if not words:
        return True
    return sum(w in cited for w in words) / len(words) >= MIN_WORDS_IN_PASSAGE


def draft_faithfulness(reply: dict) -> tuple[int, int]:
    """(supported, total) sentences of the reply's draft, judged against the text of the passages it was given."""
    grounding = reply.get("grounding") or {}
    given = " ".join(f"{p['chunk']['title']} {p['chunk'].get('section', '')} {p['chunk']['text']}"
                     for p in reply.get("passages", []))
    draft = [*grounding.get("sentences", []), *grounding.get("dropped", [])]
    return sum(sentence_supported(check["text"], given) for check in draft), len(draft)
