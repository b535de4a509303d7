"""Sentence-level evidence: every retrieved passage read sentence by sentence, each sentence with
the context a reader needs (its heading, the lead-in of its list, the FAQ question it answers)."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property

import numpy as np

from rag import language
from rag.grounding import is_injection
from rag.models import Passage
from rag.text import cut_for_search, split_sentences, tokens

TYPO_SIMILARITY = 0.8  # "wieght" ~ "weight"
NUMBER_WEIGHT = 0.05  # "bought it 4 months ago": numbers in a question tell a story more often than what it asks
INDIRECT_MATCH = 0.8  # what a synonym, a longer form or a misspelling counts for against the word itself
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_BARE_ANSWER = re.compile(r"^\s*(?:yes|no|可以|不可以|不能|是的|不是)\s*[.,!。，！]?\s*$", re.I)


@dataclass
class Sentence:
    """One readable unit of a passage."""

    passage: int  # index into the passages
    position: int  # order inside the passage
    text: str
    context: str  # the heading, list lead-in, FAQ question or product name it belongs to
    lead_in: str = ""  # for a list item: the sentence that introduces the list
    staff: bool = False  # written for staff, never quoted to shoppers
    field_label: str = ""  # for a product fact: "Price", "Weight", ...
    bullet: bool = False  # a list item: its heading or lead-in carries its meaning ("Items that cannot be returned")
    previous: str = ""  # the sentence before it in the same paragraph ("We ship to Japan." before "It costs $24.95.")
    faq: bool = False  # part of an FAQ answer; its context is the FAQ's question
    # For a product fact: what other products give for the same label ("wide" beside "Width: regular"), so the
    # fact speaks to "does it come in wide?" (and answers No).
    choices: str = ""

    @property
    def readable(self) -> str:
        """The sentence as it can be quoted on its own: a list item keeps its lead-in."""
        if self.lead_in:  # "6. Cancelling" of a numbered list is quoted as "Cancelling"
            return f"{_ENUMERATION.sub('', self.lead_in).rstrip(':：')}: {self.text}"
        return self.text

    @property
    def searchable(self) -> str:
        """What the sentence is about: its context, and the places the sentence before it names."""
        places = " ".join(sorted(language.entities(self.previous).get("place", ()))) if self.previous else ""
        return f"{self.context} {self.lead_in} {places} {self.text}"


_ENUMERATION = re.compile(r"^\s*\d{1,2}[.)]\s+")


_EMPHASIS = re.compile(r"\*\*|(?<!\w)__|__(?!\w)")  # Markdown bold


def sentences_of(passages: list[Passage]) -> list[Sentence]:
    """Every sentence of every passage, in order, with its context; planted instructions are left out."""
    out: list[Sentence] = []
    for index, passage in enumerate(passages):
        chunk = passage.chunk
        if chunk.kind == "faq":
            context = chunk.section
        elif chunk.kind == "product":  # the name, brand, category and SKU say which product a fact is about
            meta = chunk.metadata
            context = " ".join(str(v) for v in (chunk.title, meta.get("brand"), meta.get("category"), meta.get("sku")) if v)
        else:
            context = " > ".join(part for part in (chunk.title, chunk.section) if part)
        staff_section = bool(language.STAFF_HEADING.search(chunk.section or ""))
        heading = chunk.section.split(" > ")[-1] if chunk.kind == "document" else ""  # what a bare list is a list of
        lead_in = ""
        position = 0
        pending = ""
        for line in chunk.text.splitlines():
            if not line.strip():
                continue
            bullet = bool(_BULLET.match(line))
            if not bullet:
                lead_in = ""
            pieces = split_sentences(_EMPHASIS.sub("", _BULLET.sub("", line)))  # "within **180 days**" is read as said
            previous = ""
            for piece in pieces:
                if _BARE_ANSWER.match(piece):  # "No." opens an FAQ answer: it belongs to the next sentence
                    pending = piece.strip() + " "
                    continue
                text = pending + piece
                pending = ""
                if is_injection(text):
                    continue
                label = text.split(":", 1)[0] if chunk.kind == "product" and ":" in text[:40] else ""
                out.append(Sentence(
                    index, position, text, context, (lead_in or heading) if bullet else "",
                    staff_section or language.addressed_to_staff(text), label, bullet, previous, chunk.kind == "faq",
                ))
                previous = text
                position += 1
            if not bullet and line.rstrip().endswith((":", "：")):
                lead_in = line.strip()
    return _with_choices(out)


def _with_choices(sentences: list[Sentence]) -> list[Sentence]:
    given: dict[str, set[str]] = {}
    for sentence in sentences:
        if sentence.field_label:
            given.setdefault(sentence.field_label.lower(), set()).update(_values(sentence))
    for sentence in sentences:
        if sentence.field_label:
            sentence.choices = " ".join(sorted(given[sentence.field_label.lower()] - _values(sentence)))
    return sentences


def _values(fact: Sentence) -> set[str]:
    """"Width: regular, wide." -> {"regular", "wide"}; numbers are measures, and a state ("in stock in Blue") is
    no choice."""
    return {v.strip(" .").lower() for v in re.split(r"[,;]", fact.text.partition(":")[2])
            if v.strip(" .") and not re.search(r"\d", v) and len(v.split()) <= CHOICE_WORDS and "stock" not in v.lower()}


CHOICE_WORDS = 2  # a value longer than this is a description, not one of a label's choices


def stem(word: str) -> str:
    word = re.sub(r"['’]s$", "", word)  # "store's" is "store"
    for suffix in ("ing", "ed", "es", "s"):
        # "pays", "days", "buys": a short word whose "s" follows a vowel and y
        shortest = 2 if suffix == "ed" or (suffix == "s" and re.search(r"[aeiou]ys$", word)) else 3
        if len(word) > len(suffix) + shortest and word.endswith(suffix):
            word = word[: -len(suffix)]
            # "shipped", "stopping": the doubled consonant is one ("ship", "stop"); "added" is "add"
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]
            return word
    return word


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")


@dataclass
class TermIndex:
    """Which question terms a text covers: exact, stemmed, by synonym, (Chinese) by substring, or by the store's
    own word for it ("床垫" by "mattress", from ``aliases``)."""

    text: str
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    words: set[str] = field(init=False)
    stems: set[str] = field(init=False)
    lowered: str = field(init=False)

    def __post_init__(self):
        self.lowered = self.text.lower()
        self.words = set(tokens(self.text))
        self.words |= {part for word in self.words if "-" in word for part in word.split("-") if part}  # "self-inflating"
        self.words |= {language.name_word(w) for w in self.words}  # "Women's" is said of "womens"
        self.stems = {stem(w) for w in self.words}

    @cached_property
    def places(self) -> set[str]:
        return language.entities(self.text).get("place", set())

    def covers(self, term: str) -> bool:
        return self.match(term) > 0.0

    def match(self, term: str) -> float:
        """1.0 when the text holds the word itself; less when it says it another way (a synonym, a longer form,
        a misspelling); 0.0 when it does not say it."""
        if term in self.words or language.name_word(term) in self.words or stem(term) in self.stems or (
                language.has_cjk(term) and term in self.lowered):
            return 1.0
        if (amount := _AMOUNT.fullmatch(term)) and re.search(rf"(?<![\d.]){amount[1]}\s*{amount[2]}(?![a-z])", self.lowered):
            return 1.0  # "100ml" is said by "100 ml"
        if term in language.BOUND_WORDS and language.STATES_BOUND.search(self.text):
            return INDIRECT_MATCH  # "the minimum order" - "orders from $50 to $1,000"
        if term in language.CONTACT_WORDS and language.STATES_CONTACT.search(self.text):
            return INDIRECT_MATCH  # "your stores' addresses" - "812 Queen Street West"
        if term in language.CURRENCY_SYMBOLS and language.CURRENCY_SYMBOLS[term] in self.lowered:
            return INDIRECT_MATCH  # "points per pound" - "1 point per £1"
        if term in language.SPEED_WORDS and language.DURATION.search(self.text):
            return INDIRECT_MATCH
        if term in language.CARD_WORDS and language.CARD_BRANDS.search(self.text):
            return INDIRECT_MATCH  # "credit cards" - "We accept Visa, Mastercard, ..."
        if term in language.PLACES_OF_WORD:  # "manchester" is spoken of by "outside the United States"
            return 1.0 if any(language.covers_entity(self.places, p) for p in language.PLACES_OF_WORD[term]) else 0.0
        if colours := language.colour_names(term):  # "蓝色" is "Blue"; a list of colours speaks to it too
            if any(re.search(rf"(?<![a-z]){re.escape(c)}(?![a-z])", self.lowered) for c in colours):
                return 1.0
            return INDIRECT_MATCH if self.words & language.COLOUR_CONCEPT or "颜色" in self.lowered else 0.0
        for variant in language.synonyms(term):
            if language.has_cjk(variant) or " " in variant:
                if variant in self.lowered:
                    return INDIRECT_MATCH
            elif variant in self.words or stem(variant) in self.stems:
                return INDIRECT_MATCH
        if any(self.match(alias) >= 1.0 or (" " in alias and alias in self.lowered) for alias in self.aliases.get(term, ())):
            return INDIRECT_MATCH  # "眼霜" by "Eye Care"
        if language.has_cjk(term):
            # A Chinese word the text does not hold may still be said by its parts ("分期付款": 分期, 付款).
            pieces = [p for p in cut_for_search(term) if 2 <= len(p) < len(term)]
            # A name ("货到付款", cash on delivery) is one thing, not its parts ("付款", paying).
            return INDIRECT_MATCH if len(term) > 2 and pieces and all(self.covers(piece) for piece in pieces) \
                and not language.names_entity(term) else 0.0
        # "certified" is said by "certification"; a misspelt word ("wieght") is the word it is closest to.
        # ("original" is no "origin": a noun's adjective in -al says another thing)
        if len(term) >= 6 and any(word.startswith(term[:6]) and word != f"{term}al" for word in self.words):
            return INDIRECT_MATCH
        if len(term) >= 5 and any(abs(len(word) - len(term)) <= 1 and SequenceMatcher(None, term, word).ratio() >= TYPO_SIMILARITY
                                  for word in self.words):
            return INDIRECT_MATCH
        return 0.0


def term_weights(terms: list[str], document_counts: dict[str, int], total: int,
                 synonyms: dict[str, list[str]] | None = None) -> dict[str, float]:
    """Specific words that few chunks hold weigh most ("clearance" over "return"). A word the store writes
    another way ("过期" where the text says "expire") weighs what that way does; a word no chunk holds in any
    form weighs little here: whether the store knows about it at all is decided on its own."""
    weights = {}
    for term in terms:
        # Only a Chinese word is weighed by how the (English) text writes it: its own count is then no guide.
        ways = [term, *(synonyms or {}).get(term, [])] if language.has_cjk(term) else [term]
        held = [document_counts[w] for w in ways if document_counts.get(w)]
        rarity = math.log((total + 1) / (min(held) + 0.5)) if held else 0.5
        weights[term] = NUMBER_WEIGHT if term.isdigit() else language.specificity(term) * rarity
    return weights


def coverage(terms: list[str], weights: dict[str, float], index: TermIndex,
             optional: frozenset[str] = frozenset()) -> tuple[float, list[str]]:
    """The weighted share of ``terms`` covered, and the terms left uncovered. An ``optional`` term counts only
    where the text says it (a Chinese word the store writes only in English, by its translation)."""
    if not terms:
        return 1.0, []
    matches = {t: index.match(t) for t in terms}
    total = sum(weights.get(t, 1.0) for t in terms if t not in optional or matches[t])
    missing = [t for t, m in matches.items() if not m]
    if not total:  # every term is one the store never writes as such ("amex"): each counts the same
        return sum(matches.values()) / len(terms), missing
    return sum(weights.get(t, 1.0) * m for t, m in matches.items()) / total, missing


@dataclass
class Scored:
    sentence: Sentence
    score: float
    similarity: float
    coverage: float
    missing: list[str]
    entity_ok: bool
    typed: bool  # holds the kind of value asked for (an amount, a duration)
    aspect: float = 1.0  # for a product fact: how much of what its product's name leaves open it covers
    focus: float = 1.0  # weighted share of the asking clause's key terms it covers
    exact: bool = False  # from the product the question names by SKU, GTIN or MPN
    on_entity: bool = False  # names the place or payment method the question asks about


class SentenceVectors:
    """Sentence vectors, remembered by model and text: the same policy and product sentences are read for many
    questions, so a warm reader embeds only the question."""

    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, embedder, question_parts: list[str], sentences: list[Sentence]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of the question's parts and of every sentence (with its context)."""
        texts = [s.searchable for s in sentences]
        with self._lock:  # the vectors already known, taken out before another question can push them out
            found = {t: self._vectors[(embedder.name, t)] for t in dict.fromkeys(texts) if (embedder.name, t) in self._vectors}
        unseen = [t for t in dict.fromkeys(texts) if t not in found]
        vectors = embedder.embed(question_parts + unseen)
        found.update(zip(unseen, vectors[len(question_parts):]))
        with self._lock:
            for text, vector in found.items():
                self._vectors[(embedder.name, text)] = vector
                self._vectors.move_to_end((embedder.name, text))
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)
        return vectors[: len(question_parts)], np.stack([found[t] for t in texts]) if texts else vectors[:0]
