"""Follow-up questions, resolved against what the conversation is about before retrieval.

"does it come in blue?" -> the product last talked about; "what about the other
one?" -> the product before it; "what about the Squall Anorak?" -> the last
question, asked again about that product. Chinese works the same way
("有蓝色的吗？", "那这个呢？", "另一个呢？").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel, Field

from rag.embedding import EmbedderSet
from rag.filters import Filters
from rag.index import SearchIndex
from rag.language import slot_of, specificity
from rag.reader.question import key_terms
from rag.retrieval import DenseRetriever, identifier_candidates
from rag.text import content_words


class Turn(BaseModel):
    """What a later question may refer back to: the question as resolved and the products it was about."""

    question: str
    products: list[tuple[str, str]] = Field(default_factory=list)  # (sku, title), most relevant first


@dataclass
class Resolution:
    question: str  # the question to retrieve with
    product_sku: str | None = None
    rewritten: bool = False


_OTHER = re.compile(r"\b(the other (?:one|jacket|product|item)|the other|the first one|the previous one)\b|另一个|另外一个|上一个|前一个", re.I)
_PRONOUN = re.compile(r"\b(it|its|this|that|this one|that one|them|they)\b|这个|那个|它|这款|那款", re.I)
_POLICY_WORDS = re.compile(r"\b(ship|shipping|deliver|delivery|return|refund|warranty|pay|payment|cancel|order)\w*|运费|配送|退货|退款|保修|付款|订单", re.I)
_ELLIPTICAL = re.compile(
    r"^\s*(?:and|also|so|what about|how about|ok(?:ay)?,? and|but)\b|\b(?:that|it|this|those|them|there)\b|^\s*那|呢\s*[？?]?\s*$",
    re.I)
_ABOUT = re.compile(
    r"^\s*(?:and |so )?(?:what|how) about\s+(.+?)\s*\??\s*$|^\s*(?:那|那么)?\s*(.+?)\s*呢\s*[？?]?\s*$"
    r"|^\s*(?:and|also|or)\s+(?:the\s+|for the\s+)?((?:\S+\s*){1,4}?)\s*\??\s*$", re.I)


@dataclass
class FollowUpResolver:
    """Rewrites a follow-up from the recent turns.

    ``find_product(text)`` returns the (sku, title) a text names, or None;
    ``asks_for_product_fact(text)`` tells a bare "有蓝色的吗？" from a new topic.
    """

    find_product: Callable[[str], tuple[str, str] | None] = field(repr=False)
    asks_for_product_fact: Callable[[str], bool] = field(repr=False)

    def resolve(self, question: str, history: list[Turn]) -> Resolution:
        focus = _products_in_focus(history)
        if not history:
            return Resolution(question)
        about = _ABOUT.match(question)
        if about:
            subject = (about.group(1) or about.group(2) or about.group(3) or "").strip(" ?？")
            target = self._target(subject, focus) or (None if not subject else self.find_product(subject))
            if target:
                return Resolution(self._about(history[-1].question, focus, target), target[0], True)
        if _OTHER.search(question) and len(focus) > 1:
            sku, title = focus[1]
            return Resolution(_OTHER.sub(title, question, count=1), sku, True)
        if not focus or self.find_product(question):
            return self._carry_topic(question, history)
        sku, title = focus[0]
        if _PRONOUN.search(question):
            return Resolution(_PRONOUN.sub(title, question, count=1), sku, True)
        if self.asks_for_product_fact(question) and not _POLICY_WORDS.search(question):
            return Resolution(f"{question} ({title})", sku, True)  # the subject was left out
        return self._carry_topic(question, history)

    @staticmethod
    def _carry_topic(question: str, history: list[Turn]) -> Resolution:
        """"and how long does that take?" after "do you ship to Canada?": the earlier topic comes along."""
        if not _ELLIPTICAL.search(question) and len(key_terms(question)) > 2:
            return Resolution(question)
        asked = key_terms(question)
        filled = {slot_of(t) for t in asked} - {None}
        topic = [t for t in key_terms(history[-1].question)
                 if t not in asked and slot_of(t) not in filled and "'" not in t and not t.isdigit()]
        topic = sorted(topic, key=specificity, reverse=True)[:CARRIED_TERMS]
        if not topic:
            return Resolution(question)
        return Resolution(f"{question.rstrip(' ?？')} ({' '.join(topic)})?", None, True)

    def _target(self, subject: str, focus: list[tuple[str, str]]) -> tuple[str, str] | None:
        if _OTHER.search(subject) and len(focus) > 1:
            return focus[1]
        if (not subject or _PRONOUN.fullmatch(subject)) and focus:
            return focus[0]
        return None

    @staticmethod
    def _about(previous_question: str, focus: list[tuple[str, str]], target: tuple[str, str]) -> str:
        """The previous question, asked about ``target`` instead."""
        for _, title in focus:  # "Is the Summit 45 waterproof?" -> "Is the Summit 65 Backpack waterproof?"
            words = title.split()
            for length in range(len(words), 0, -1):
                for start in range(len(words) - length + 1):
                    named = re.compile(rf"(?<!\w){re.escape(' '.join(words[start:start + length]))}(?!\w)", re.I)
                    if named.search(previous_question):
                        return named.sub(target[1], previous_question, count=1)
        return f"{previous_question} ({target[1]})"


def _products_in_focus(history: list[Turn]) -> list[tuple[str, str]]:
    """Distinct products, most recently discussed first."""
    seen: dict[str, str] = {}
    for turn in reversed(history):
        for sku, title in turn.products[:1]:
            seen.setdefault(sku, title)
    return list(seen.items())


CARRIED_TERMS = 3  # topic words a follow-up takes from the turn before
CANDIDATES = 5  # closest products a name is checked against


class ProductFinder:
    """Which product does a text name? By SKU/GTIN, or by a close match that shares a title word."""

    def __init__(self, store: SearchIndex, embedders: EmbedderSet, min_similarity: dict[str, float]):
        self.store = store
        self.min_similarity = min_similarity
        self._dense = DenseRetriever(store, embedders)

    def find(self, text: str) -> tuple[str, str] | None:
        for chunk in self.store.fetch(self.store.lookup_identifiers(identifier_candidates(text))):
            return chunk.metadata["sku"], chunk.title
        words = set(content_words(text))
        best, best_share = None, 0.0
        # Of the closest products, the one whose name the text spells out most ("Beacon 900", not "Beacon 400").
        for passage in self._dense.rank(text, CANDIDATES, Filters()):
            if passage.similarity < self.min_similarity.get(passage.space, 0.0):
                continue
            title = content_words(passage.chunk.title) + [w for w in passage.chunk.title.lower().split() if w.isdigit()]
            shared = [w for w in dict.fromkeys(title) if w in words or w in text.lower()]
            share = len(shared) / len(set(title)) if title else 0.0
            if shared and share > best_share:
                best, best_share = passage.chunk, share
        return (best.metadata["sku"], best.title) if best else None
