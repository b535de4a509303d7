"""Follow-up questions, resolved against what the conversation is about before retrieval.

"does it come in blue?" -> the product last talked about; "what about the other
one?" -> the product before it; "what about the Squall Anorak?" -> the last
question, asked again about that product; "and the GTX version?" -> the sibling
of the product in focus whose name has that mark; "the big one", "anything lighter in that line?" and "a
waterproof version of it?" -> the product of its line that is so. A follow-up that names a new
place, service, policy, payment method or kind of product asks the last question
again with it ("and express?" after "How much is standard shipping?"); one that
names nothing carries the last question's topic ("how long does that take?").
Chinese works the same way ("有蓝色的吗？", "那这个呢？", "另一个呢？", "那退货呢？").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel, Field

from rag.constraints import product_measures
from rag.embedding import EmbedderSet
from rag.filters import Filters, stated_size
from rag.index import SearchIndex
from rag.language import (
    AMOUNT_CUES,
    ASKS_STOCK,
    COMPARE_CUES,
    CONDITION_LEAD,
    COUNTRIES,
    FOLLOW_UP_SUBJECT,
    HOW_LONG,
    LEADING_AND,
    LEADING_INTERJECTION,
    OWN_QUESTION,
    PLACE_QUALIFIER,
    POLICY_WORDS,
    PRODUCT_KINDS,
    QUALITY_MEASURES,
    SIBLING_BY_QUALITY,
    SIZE_WORDS,
    SLOT_PREPOSITIONS,
    SUBJECT_LEAD,
    THAT_COLOUR,
    UNFINISHED_COMPARISON,
    VARIANT_FILLER,
    VARIANT_REFERENCE,
    ZH_CONDITION_LEAD,
    colour_names,
    english_words,
    entities,
    flag,
    has_cjk,
    name_word,
    named_colour,
    names_entity,
    numbers_in_words,
    slot_of,
    small_talk,
    specificity,
    synonyms,
)
from rag.models import Answer, Chunk, Product
from rag.reader.question import key_terms
from rag.retrieval import DenseRetriever, identifier_candidates
from rag.text import content_words, tokens


class Turn(BaseModel):
    """What a later question may refer back to: the question as resolved and the products it was about."""

    question: str
    products: list[tuple[str, str]] = Field(default_factory=list)  # (sku, title), most relevant first

    @classmethod
    def after(cls, question: str, answer: Answer) -> Turn:
        """The turn a question and its answer leave: the question as resolved, the products the answer cited."""
        products = [(c.chunk_id.split(":", 1)[1], c.title) for c in answer.citations if c.chunk_id.startswith("product:")]
        return cls(question=answer.rewritten_query or question, products=products)


@dataclass
class Resolution:
    question: str  # the question to retrieve with
    product: tuple[str, str] | None = None  # (sku, title) the question is about
    rewritten: bool = False

    @property
    def product_sku(self) -> str | None:
        return self.product[0] if self.product else None


_OTHER = re.compile(r"\b(the other (?:one|jacket|product|item)|the other|the first one|the previous one)\b|另一个|另外一个|上一个|前一个", re.I)
# A question of its own about a product ("how heavy is ...", "does ... fit"), not a search ("is there ...?")
_ASKS_OF_IT = re.compile(r"\s*(?:how|what|what's|whats|does|do|is|will|would|can)\b(?!.*\b(?:there|any(?:thing)?|something)\b)",
                         re.I)
_ONE_AFTER = re.compile(r"(?:\s+(?:one|version|model)\b)?", re.I)
_PRONOUN = re.compile(r"\b(it|its|this|that|this one|that one|them|they)\b|这个|那个|它|这款|那款", re.I)
_THE_PRODUCT = re.compile(r"\b(it|this one|that one)\b", re.I)
_THEY_THE_STORE = re.compile(r"\b(?:do|does|did|will|can|could)\s+(?:they|you)\s+(?:make|sell|have|carry|stock|offer|do)\b", re.I)
# A subject that tells the shopper's own case: "a harness I've already climbed on a couple of times".
_TELLS_A_CASE = re.compile(r"\b(?:i|i've|i'd|i'm|we|we've|my)\b|我", re.I)
_COLOURED_ONE = re.compile(r"(?:(?:the|a|an|in)\s+)?(?P<colour>[a-z]+|\w+?)(?:\s+ones?|的)?", re.I)  # "the black one", "黑色的"
_TELLS = re.compile(r"\s*(?:it'?s|it is|this is|that'?s|that is|是|就是)\s[^?？]*?[.。!！]?\s*", re.I)  # says which, asks nothing
_LISTED = re.compile(r"\s+(?:and|or|vs\.?|versus)\s+|[,，、/]|和|与|跟|还是", re.I)  # between the products a text names
_ELLIPTICAL = re.compile(
    r"^\s*(?:and|also|so|what about|how about|ok(?:ay)?,? and|but)\b|\b(?:that|it|this|those|them|there)\b|^\s*那|呢\s*[？?]?\s*$"
    r"|(?:能用|可以用|能不能用|可以吗|行吗|行不行)\s*[？?]?\s*$",  # "我在加拿大，能用吗": used for what was asked before
    re.I)


@dataclass
class FollowUpResolver:
    """Rewrites a follow-up from the recent turns.

    ``find_product(text)`` returns the (sku, title) a text names, or None;
    ``asks_for_product_fact(text)`` tells a bare "有蓝色的吗？" from a new topic.
    """

    find_product: Callable[[str], tuple[str, str] | None] = field(repr=False)
    asks_for_product_fact: Callable[[str], bool] = field(repr=False)
    # the products of a product's line, by its name ("Summit 45 Backpack" -> both Summit backpacks); none if not given
    product_line: Callable[[str], list[Product]] = field(default=lambda title: [], repr=False)
    # how many products' names hold the words, in a row ("platinum": several rings); one if not given
    titles_saying: Callable[[list[str]], int] = field(default=lambda words: 1, repr=False)

    def resolve(self, question: str, history: list[Turn]) -> Resolution:
        history = [turn for turn in history if small_talk(turn.question) is None]  # "thanks!" sets no topic
        if not history:
            return Resolution(question)
        focus = _products_in_focus(history)
        previous = history[-1].question
        if focus and history[-1].products[:1] == focus[:1]:
            if colour := named_colour(previous):  # "is the 54 in stock in that colour?" after "... come in red?"
                question = THAT_COLOUR.sub(colour, question)
            if variant := variant_follow_up(question, previous, focus[0][1], lambda: self._sizes(focus[0])):
                return Resolution(variant, focus[0], True)
        subject = follow_up_subject(question)
        if subject is not None:
            target = self._target(subject, focus) or self._sibling(subject, focus)
            if target:
                return Resolution(self._about(previous, focus, target), target, True)
            colour = _COLOURED_ONE.fullmatch(subject)
            if colour and colour_names(colour.group("colour").lower()) and focus:
                # "is the Falcon 10x50 in stock?" - "what about the black one" -> "... in stock in black?"
                said = colour.group("colour")
                return Resolution(f"{previous.rstrip(' ?？')}（{said}）？" if has_cjk(said)
                                  else f"{previous.rstrip(' ?')} in {said}?", focus[0], True)
            named = self.find_product(subject)
            if named and not focus and not self._names_one(subject, named):
                named = None  # "how much to resize a gold ring?" - "and if it's platinum?": a metal many names share
            if named and self._names(subject, named):  # "what about the Squall Anorak?"
                if _TELLS_A_CASE.search(subject):  # "a harness I've already climbed on": the case, in the shopper's words
                    return Resolution(f"{previous.rstrip(' ?？')} ({subject})?", named, True)
                return Resolution(self._about(previous, focus, named), named, True)
            swapped = swap_slot(previous, subject) or with_condition(previous, subject) or (
                None if named else swap_object(previous, subject))
            if swapped:
                return Resolution(swapped, None, True)
            # "can I return something I bought 3 weeks ago?" - "it's a climbing harness" - "what if I already used
            # it?": the case is put to the last question, about the product the shopper then named
            if (asked := _last_question(history)) != previous and (swapped := with_condition(asked, subject)):
                return Resolution(swapped, focus[0] if focus and history[-1].products[:1] == focus[:1] else None, True)
            if named:
                return Resolution(self._about(previous, focus, named), named, True)
        if _OTHER.search(question) and len(focus) > 1:
            return Resolution(_OTHER.sub(focus[1][1], question, count=1), focus[1], True)
        compared = self._compared(question, history, focus)
        if compared:  # "which one is lighter?" -> "which one is lighter, the Beacon 400 Headlamp or the Beacon 900 ...?"
            first, second = (title for _, title in compared)
            return Resolution(f"{first}和{second}{question}" if has_cjk(question)
                              else f"{question.rstrip(' ?')}, the {first} or the {second}?", compared[0], True)
        if (better := SIBLING_BY_QUALITY.search(question)) and (focus := focus or self._named_by(previous)) \
                and (sibling := self._better(better, focus[0])):
            # "how much is the big one", "anything bigger in that line?", "is there a waterproof version of it?"
            if better.group("mark") and better.group("article").lower() != "the":
                return Resolution(f"is the {sibling[1]} {better.group('mark')}?", sibling, True)
            if better.group("mark"):  # "is the waterproof version any heavier?" than the one in focus
                start, end = better.span()
                said = f"{question[:start]}the {sibling[1]}{question[end:]}"
                return Resolution(UNFINISHED_COMPARISON.sub(lambda m: f"{m.group(0)} than the {focus[0][1]}", said, count=1),
                                  sibling, True)
            if better.group("one"):
                start, end = better.span()
                return Resolution(f"{question[:start]}{sibling[1]}{question[end:]}", sibling, True)
            if better.group("more") and _ASKS_OF_IT.match(LEADING_AND.sub("", LEADING_INTERJECTION.sub("", question))):
                # "ok and how heavy is the bigger one?" asks its own question of the sibling; "is the bigger one
                # heavier?" asks it against the one in focus
                start, end = better.span()
                end += len(_ONE_AFTER.match(question[end:]).group(0))
                said = f"{question[:start]}the {sibling[1]}{question[end:]}"
                return Resolution(UNFINISHED_COMPARISON.sub(lambda m: f"{m.group(0)} than the {focus[0][1]}", said, count=1),
                                  sibling, True)
            if not OWN_QUESTION.match(LEADING_INTERJECTION.sub("", previous).strip()):
                # "I'm thinking of getting the Daily Fluid" - "is there a smaller size? how much": asked of it
                return Resolution(f"{question.rstrip(' ?？')} ({sibling[1]})?", sibling, True)
            return Resolution(self._about(previous, focus, sibling), sibling, True)
        said = numbers_in_words(question)  # "三人的那款呢" is "3人的那款呢"
        variant = VARIANT_REFERENCE.search(said)
        sibling = self._sibling(variant.group(0), focus) if variant else None
        if sibling:  # "is the pro version waterproof too?" -> "is the Trail GPS Watch Pro waterproof too?"
            start, end = variant.span()
            return Resolution(f"{said[:start]}{sibling[1]}{said[end:]}", sibling, True)
        product_fact = self.asks_for_product_fact(question) and not POLICY_WORDS.search(question)
        if not focus and (product_fact or _PRONOUN.search(question)):  # the last answer named no product card, but
            # its question may have named a product ("Does the Cove mattress have a trial?" - "its warranty?")
            focus = self._named_by(previous)
        if _TELLS.fullmatch(question) and OWN_QUESTION.match(previous.strip()) and (
                (told := self.find_product(question)) and self._names(question, told)):
            # "can I return something I bought 3 weeks ago?" - "it's a climbing harness, the crux one"
            return Resolution(f"{previous.rstrip(' ?？')} ({told[1]})?", told, True)
        named = self.find_product(question) if focus else None
        if not focus or (named and self._names(question, named)):
            if named and focus and OWN_QUESTION.match(question.strip()):
                return Resolution(question)  # "how much is the Summit 45?" asks its own question of the product it names
            return self._carry_topic(question, history)
        if _PRONOUN.search(question):
            # "do they make it in a long?": "they" is the store when "it" is there to be the product
            pronoun = _THE_PRODUCT if _THEY_THE_STORE.search(question) and _THE_PRODUCT.search(question) else _PRONOUN
            return Resolution(pronoun.sub(focus[0][1], question, count=1), focus[0], True)
        # The last turn was about this product, or the question asks a product fact: the subject was left out.
        if product_fact or (focus[0] in history[-1].products[:1] and not POLICY_WORDS.search(question)):
            return Resolution(f"{question} ({focus[0][1]})", focus[0], True)
        return self._carry_topic(question, history)

    @staticmethod
    def _carry_topic(question: str, history: list[Turn]) -> Resolution:
        """"and how long does that take?" after "do you ship to Canada?": the earlier topic comes along."""
        if not _ELLIPTICAL.search(question) and len(key_terms(question)) > 2:
            return Resolution(question)
        asked = key_terms(question)
        filled = {slot_of(t) for t in asked} - {None}
        # A question with its own policy word ("运费多少？") takes only the place or payment method asked about
        # before, not the words of an earlier shopping request.
        own_topic = bool(POLICY_WORDS.search(_AN_ORDER.sub(" ", question)))  # "for an order going to a PO box" names none
        # "what about Australia?" after "delivery to the US?": the US (written "us", no place word alone) is replaced.
        replaced = {alias for name in entities(history[-1].question).get("place", set()) if "place" in filled
                    for alias in (name.lower(), *COUNTRIES.get(name, ()))}
        previous = LEADING_INTERJECTION.sub("", history[-1].question)  # "cool, and is return shipping free?"
        # "大概多久能到？" after "寄到日本要多少钱？" asks how long, not what it costs: the price word stays behind.
        priced = synonyms("cost") if HOW_LONG.search(question) and not AMOUNT_CUES.search(question) else frozenset()
        topic = [t for t in key_terms(previous)
                 if t not in asked and slot_of(t) not in filled and "'" not in t and not t.isdigit()
                 and t not in replaced and t not in priced and (not own_topic or names_entity(t))]
        # Two words of one slot side by side name one thing: "return shipping" is neither returns nor shipping.
        written = re.findall(r"[\w']+", previous.lower())
        for first, second in zip(written, written[1:]):
            if first in topic and second in topic and slot_of(first) is not None and slot_of(first) == slot_of(second):
                topic = [f"{first} {second}" if t == first else t for t in topic if t != second]
        # One term per slot: "refunds", not "refunds return" after "how do refunds work once I send something back?"
        by_slot: dict[str, str] = {}
        # a place or payment method asked about before comes along first ("那满多少包邮？" after shipping to Germany)
        topic = [t for t in sorted(topic, key=lambda t: (names_entity(t), max(map(specificity, t.split()))), reverse=True)
                 if (slot := slot_of(t)) is None or by_slot.setdefault(slot, t) == t][:CARRIED_TERMS]
        if not topic:
            return Resolution(question)
        return Resolution(f"{question.rstrip(' ?？')} ({' '.join(topic)})?", None, True)

    def _compared(self, question: str, history: list[Turn],
                  focus: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
        """The two products a comparison that names none compares: the two a recent question named ("Looking at the
        Beacon 400 and the Beacon 900"), the products the last answer listed, or the last two talked about."""
        if not COMPARE_CUES.search(question):
            return None
        own = [p for p in self._named_in(question) if self._names(question, p)]
        if len(own) >= 2:
            return None
        said = set(content_words(question))

        def fits(pair: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
            # "which has better battery in gps mode" names another product only by a word both compared ones share
            shared = set(content_words(pair[0][1])) & set(content_words(pair[1][1]))
            return pair if all(p in pair or said & set(content_words(p[1])) <= shared for p in own) else None

        for turn in reversed(history):
            if len(named := self._named_in(turn.question)) >= 2:
                return fits(named[:2])
        for candidates in (history[-1].products, focus):
            if len(candidates) >= 2:
                return fits(candidates[:2])
        return None

    def _named_in(self, text: str) -> list[tuple[str, str]]:
        """The products a text names, one per part of it ("the Beacon 400 and the Beacon 900"), in its order."""
        named: dict[str, str] = {}
        for piece in _LISTED.split(text):
            found = self.find_product(piece) if piece.strip() else None
            if found and self._names(piece, found):
                named.setdefault(*found)
        return list(named.items())

    def _target(self, subject: str, focus: list[tuple[str, str]]) -> tuple[str, str] | None:
        if _OTHER.search(subject) and len(focus) > 1:
            return focus[1]
        if (not subject or _PRONOUN.fullmatch(subject)) and focus:
            return focus[0]
        return None

    def _sibling(self, reference: str, focus: list[tuple[str, str]]) -> tuple[str, str] | None:
        """"the 65" after the Summit 45 Backpack -> the Summit 65 Backpack; "the GTX version" after the Ridge Runner
        Trail Shoe -> the Ridge Runner GTX Trail Shoe: another product whose name holds the reference's mark."""
        variant = VARIANT_REFERENCE.search(reference)
        if not focus or not variant:
            return None
        mark = (variant.group("en") or variant.group("num") or variant.group("zh")).strip()
        sku, title = focus[0]
        number = re.match(r"\d+", mark)
        named = re.sub(r"\d+", number.group(0), title, count=1) if number and re.search(r"\d", title) else f"{title} {mark}"
        found = self.find_product(named)
        wanted = [number.group(0)] if number else mark.lower().split()
        if found and found[0] != sku and all(re.search(rf"(?<![\w]){re.escape(w)}", found[1].lower()) for w in wanted):
            return found
        return None

    def _better(self, asked: re.Match, focus: tuple[str, str]) -> tuple[str, str] | None:
        """The product of the focus product's line that is bigger (lighter, cheaper...) than it, the most so; or
        the one that has the mark asked for ("a waterproof version") while the focus product does not."""
        line = self.product_line(focus[1])
        if mark := asked.group("mark"):
            has = [p for p in line if _has_mark(p, mark)]
            return (has[0].sku, has[0].title) if has and not any(p.sku == focus[0] and _has_mark(p, mark) for p in line) else None
        word = next(w.lower() for w in asked.groups() if w)
        measure, larger = next((rule for words, rule in QUALITY_MEASURES.items() if word in words), (None, True))
        known = {p.sku: v for p in line if (v := _measure(p, measure)) is not None}
        if focus[0] not in known:
            return None
        better = [(v, sku) for sku, v in known.items() if (v > known[focus[0]]) == larger and v != known[focus[0]]]
        if not better:
            return None
        chosen = (max if larger else min)(better)[1]
        return next((p.sku, p.title) for p in line if p.sku == chosen)

    def _sizes(self, product: tuple[str, str]) -> list[str]:
        """The sizes the product (sku, title) comes in, from its line in the catalog."""
        return next((p.sizes for p in self.product_line(product[1]) if p.sku == product[0]), [])

    def _names(self, text: str, found: tuple[str, str]) -> bool:
        """Does a text name the product ``found`` for it ("the Squall Anorak"), not only a kind of product
        ("sleeping bags") or a fact its name also holds ("防水吗？" and the 青山 防水冲锋衣)?"""
        said = set(content_words(text))
        return any(w in said and w.rstrip("s") not in KIND_WORDS and not self.asks_for_product_fact(w)
                   for w in content_words(found[1]))

    def _named_by(self, text: str) -> list[tuple[str, str]]:
        """The product a text names, as a focus of one; none if it names none."""
        named = self.find_product(text)
        return [named] if named and self._names(text, named) else []

    def _names_one(self, text: str, found: tuple[str, str]) -> bool:
        """Does a word of the text that the product's name holds name that product alone among the store's?"""
        said = set(content_words(text))
        return any(w in said and self.titles_saying([w]) <= 1 for w in content_words(found[1]))

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


def follow_up_subject(question: str) -> str | None:
    """The new subject of "and express?", "ok and on headlamps?", "那退货呢？"; None for a question of its own."""
    found = FOLLOW_UP_SUBJECT.match(question)
    if not found or (found.group("bare") and not any(slot_of(t) for t in key_terms(found.group("bare")))):
        return None
    subject = (found.group("en") or found.group("zh") or found.group("bare") or "").strip(" ?？")
    # "and if I want to cancel altogether, is there a fee?" asks a question of its own after its condition.
    asks_after = any(OWN_QUESTION.match(clause.strip()) for clause in re.split(r"[,，]", subject)[1:]) or bool(
        _ASKS_AFTER_CASE.match(subject))  # "and if i paid w a gift card how do i get the money back"
    return None if OWN_QUESTION.search(subject) or asks_after else subject


def variant_follow_up(question: str, previous: str, title: str,
                      sizes: Callable[[], list[str]] = lambda: []) -> str | None:
    """("size M?", "do you have the Drizzle Lite jacket in red") -> "is the Drizzle Lite Jacket in stock in red, size
    M?"; ("绿色XL呢", "黄色M码有货吗") -> "青山 防水冲锋衣 绿色 XL码有货吗？": a follow-up that names only a colour or
    a size asks whether that variant of the product in focus is in stock, when it or the question before asks so. The
    colour or size it leaves out is the one asked before. A size may be one of the product's own (``sizes()``, looked
    up only for a stock question): "do you have a 9 in black" of a shoe, "in the bath sheet size" of a towel."""
    if not (ASKS_STOCK.search(question) or ASKS_STOCK.search(previous)):
        return None
    rest = ASKS_STOCK.sub(" ", question)
    colour, size = named_colour(rest), stated_size(rest) or _own_size(rest, sizes())
    said = {colour, *content_words(size or ""), *(w for w, s in SIZE_WORDS.items() if s == size)}
    if not (colour or size) or any(w not in said and w not in VARIANT_FILLER for w in content_words(rest)):
        return None
    colour = colour or named_colour(previous)
    size = size or stated_size(previous)
    if has_cjk(question):
        return f"{title} {colour or ''}{f' {size}码' if size else ''}有货吗？"
    return f"is the {title} in stock{f' in {colour}' if colour else ''}{f', size {size}' if size else ''}?"


_ASKS_AFTER_CASE = re.compile(r"(?:if|when|once)\b.+?\s(?:how|what|when|where|why|who|can|could|do|does|will|would|is|are)"
                              r"\s+(?:i|you|we|it|they)\b", re.I)
_TIME_CONDITION = re.compile(r"\b(?:in the first|within|during)\b[^,;.?!]+$", re.I)


def _own_size(text: str, sizes: list[str]) -> str | None:
    """The one of the product's sizes a message names, word for word ("a 9", "bath sheet")."""
    lowered = text.lower()
    named = [size for size in sizes if re.search(rf"(?<![\w.-]){re.escape(size.lower())}(?![\w.-])", lowered)]
    return max(named, key=len) if named else None


def with_condition(previous: str, subject: str) -> str | None:
    """("Can I pay in instalments?", "for a preorder") -> "Can I pay in instalments for a preorder?";
    ("How much is shipping to Vancouver?", "to Seattle") -> "How much is shipping to Seattle?";
    ("can I ship to a PO box?", "express") -> "can I ship to a PO box by express?"."""
    if ZH_CONDITION_LEAD.match(subject) and has_cjk(previous):  # ("还能取消吗？", "如果已经发货了") -> the case first
        return f"{subject}，{previous.strip()}"
    slots = [slot_of(t) for t in key_terms(subject)]
    if not CONDITION_LEAD.match(subject) and len(slots) == 1 and slots[0] in SLOT_PREPOSITIONS:
        subject = f"{SLOT_PREPOSITIONS[slots[0]]} {subject}"  # "express" -> "by express"
    lead = CONDITION_LEAD.match(subject)
    if not lead or not OWN_QUESTION.match(previous.strip()):
        return None
    asked = previous.strip().rstrip("?？.。 ")
    same = re.search(rf"\b{re.escape(lead.group(0))}\s+[^,;.?!]+$", asked, re.I)
    if not same and lead.group(0).lower() == "if":
        # ("Can I cancel an order in the first hour after placing it?", "if it already shipped") -> "Can I cancel an
        # order if it already shipped?": the shopper's new case takes the place of the time the question was about
        same = _TIME_CONDITION.search(asked)
    return f"{asked[:same.start()] if same else asked + ' '}{subject}?"


def swap_slot(previous: str, subject: str) -> str | None:
    """The previous question asked about ``subject`` instead of what it named in the same slot:
    ("How much is standard shipping?", "express") -> "How much is express shipping?";
    ("换货要收费吗？", "退货") -> "退货要收费吗？". None when the subject fills no slot the question filled."""
    named = {}
    for term in key_terms(subject):
        named.setdefault(slot_of(term), term)
    named.pop(None, None)
    if "place" not in named and entities(subject).get("place"):  # "and to puerto rico?": a place of two words
        named["place"] = SUBJECT_LEAD.sub("", subject).strip()
    for term in key_terms(previous):
        slot = slot_of(term)
        if slot not in named or named[slot] == term:
            continue
        said = re.compile(re.escape(term) if has_cjk(term) else rf"(?<!\w)(?:the\s+)?{re.escape(term)}(?!\w)", re.I)
        if said.search(previous):
            return said.sub(_said_as(subject, named[slot]), previous, count=1)
    # A place written in a short form no word of it names alone: "the US" in "delivery to the US".
    for place in entities(previous).get("place", set()) if "place" in named else ():
        for alias in sorted({place, *COUNTRIES.get(place, ())}, key=len, reverse=True):
            said = re.compile(rf"(?<!\w)(?:the\s+)?(?:{PLACE_QUALIFIER}\s+)?{re.escape(alias)}(?!\w)", re.I)
            if said.search(previous):
                return said.sub(_said_as(subject, named["place"]), previous, count=1)
    return None


OBJECT_WORDS = 3  # the most words at the end of a question that swap_object replaces


def swap_object(previous: str, subject: str) -> str | None:
    """("How long do you keep my chat logs?", "my order history") -> "How long do you keep my order history?": a
    subject that fills no slot takes the place of the words the previous question ended on, when those are its
    key terms ("chat logs") and fill no slot either."""
    if has_cjk(previous) or CONDITION_LEAD.match(subject) or any(slot_of(t) for t in key_terms(subject)):
        return None  # "if I order on a Saturday" is a condition, not a new object
    terms = set(key_terms(previous))
    words = previous.strip().rstrip("?？.。! ").split()
    run = 0
    while run < min(OBJECT_WORDS, len(words) - 1) and words[-1 - run].lower().strip(",'\"") in terms:
        run += 1
    if not run or any(slot_of(w.lower()) for w in words[len(words) - run:]):
        return None
    kept = words[:len(words) - run]
    determiners = ("my", "your", "our", "the", "a", "an")
    if kept[-1].lower() in ("other", "another") or (
            kept[-1].lower() in determiners and subject.split()[0].lower() in determiners):
        kept = kept[:-1]  # "keep my chat logs" + "my order history": one "my"; "match other shops" + "ebay"
    return f"{' '.join(kept)} {subject}?"


def _said_as(subject: str, term: str) -> str:
    """How the shopper wrote a subject's term: "sleeping bags" whole when short, else the longest name of the term
    written in it ("微信支付", not "微信")."""
    short = SUBJECT_LEAD.sub("", subject).strip()
    if not has_cjk(short) and len(short.split()) <= 3 and re.fullmatch(r"[\w' -]+", short):
        return short
    names = sorted((n for n in synonyms(term) if term in n and n in subject.lower()), key=len, reverse=True)
    written = re.search(re.escape(names[0] if names else term), subject, re.I)
    return written.group(0) if written else term


def _last_question(history: list[Turn]) -> str:
    """The last thing the shopper asked ("it's a climbing harness, the crux one" tells, it asks nothing)."""
    return next((turn.question for turn in reversed(history) if OWN_QUESTION.match(
        LEADING_AND.sub("", LEADING_INTERJECTION.sub("", turn.question)))), history[-1].question)


def _products_in_focus(history: list[Turn]) -> list[tuple[str, str]]:
    """Distinct products, most recently discussed first."""
    seen: dict[str, str] = {}
    for turn in reversed(history):
        for sku, title in turn.products[:1]:
            seen.setdefault(sku, title)
    return list(seen.items())


def _measure(product: Product, measure: str | None) -> float | None:
    """A product's price, or a measure its attributes state, or else the number in its name ("Summit 65")."""
    if measure == "price":
        return product.price
    if found := product_measures(product).get(measure):
        return found[0]
    number = re.search(r"\d+(?:\.\d+)?", product.title)
    return float(number.group(0)) if number and measure == "volume" else None


def _has_mark(product: Product, mark: str) -> bool:
    """Does the product say it has the mark ("waterproof: yes", or the word in its name or description)?"""
    said = flag(product.attributes.get(re.sub(r"[\s-]+", "_", mark.lower()), ""))
    if said is not None:
        return said
    written = r"\s+".join(map(re.escape, re.split(r"[\s-]+", mark.lower())))  # "lab grown" is written "Lab-Grown" too
    return bool(re.search(rf"(?<![a-z]){written}", f"{product.title} {product.description}".lower().replace("-", " ")))


# "sleeping", "bag", and the English words of the Chinese kinds ("camera" of 相机): no product's own name
KIND_WORDS = frozenset(w for kind in PRODUCT_KINDS for w in kind.split()) | frozenset(
    word for kind in PRODUCT_KINDS if has_cjk(kind) for word in english_words(kind))
_AN_ORDER = re.compile(r"\b(?:an?|my|the|this|that)\s+orders?\b", re.I)
CARRIED_TERMS = 3  # topic words a follow-up takes from the turn before
CANDIDATES = 5  # closest products a name is checked against
LINE_CANDIDATES = 20  # products that share words with a name, searched for the rest of its line
LINE_LEAD_WORDS = 2  # the words a line's names begin with ("Celeste Halo")


class ProductFinder:
    """Which product does a text name? By SKU/GTIN, or by a close match that shares a title word."""

    def __init__(self, store: SearchIndex, embedders: EmbedderSet, min_similarity: dict[str, float]):
        self.store = store
        self.min_similarity = min_similarity
        self._dense = DenseRetriever(store, embedders)

    def line(self, title: str) -> list[Product]:
        """The products of the line ``title`` names, itself among them: each name holds every word of the other's but for
        numbers and one mark ("Summit 45 Backpack" and "Summit 65 Backpack"; "Ridge Runner (GTX) Trail Shoe"), or
        both begin with the same two words ("Celeste Halo Engagement Ring, 0.75 ct Natural ..." and "Celeste Halo
        Engagement Ring, 2.00 ct Lab-Grown ...")."""
        def name(text: str) -> set[str]:
            return {w for w in text.lower().split() if not re.search(r"\d", w)}

        def lead(text: str) -> list[str]:
            return re.findall(r"[^\W\d_]+", text.lower())[:LINE_LEAD_WORDS]

        hits = self.store.keyword_search(title, LINE_CANDIDATES, Filters())
        found = [Product.model_validate(c.metadata) for c in self.store.fetch([i for i, _ in hits]) if c.kind == "product"]
        return [p for p in found if (len(name(title) ^ name(p.title)) <= 1 and name(title) & name(p.title))
                or (len(lead(title)) == LINE_LEAD_WORDS and lead(title) == lead(p.title))]

    def titles_saying(self, words: list[str]) -> int:
        """How many products' names hold ``words`` in a row: "aquarium starter kit" names a kind when two kits say it."""
        hits = self.store.keyword_search(" ".join(words), LINE_CANDIDATES, Filters())
        names = [tokens(c.title) for c in self.store.fetch([i for i, _ in hits]) if c.kind == "product"]
        return sum(any(name[i:i + len(words)] == words for i in range(len(name))) for name in names)

    def find(self, text: str) -> tuple[str, str] | None:
        for chunk in self.store.fetch(self.store.lookup_identifiers(identifier_candidates(text))):
            return chunk.metadata["sku"], chunk.title
        words = {name_word(w) for w in content_words(text)}
        spaced = f" {' '.join(text.lower().split())} "
        best, best_share = None, (False, False, 0.0, 0, 0, False)
        written = text.lower().split()
        pairs = set(zip(written, written[1:]))
        # Of the closest products, the one whose name the text spells out most ("Beacon 900", not "Beacon 400"),
        # and of two spelled out whole, the longer name ("Trail GPS Watch Pro", not "Trail GPS Watch").
        said = words | _name_numbers(text)
        close = [(p.chunk, p.similarity >= self.min_similarity.get(p.space, 0.0))
                 for p in self._dense.rank(text, CANDIDATES, Filters())]
        # A Latin name inside Chinese ("Campfire 睡袋") is found by its words rather than by its meaning.
        if has_cjk(text):
            close += [(chunk, False) for chunk in self.store.fetch([i for i, _ in self.store.keyword_search(text, CANDIDATES, Filters())])]
        for chunk, near in close:
            title = [name_word(w) for w in content_words(chunk.title)] + sorted(_name_numbers(chunk.title))
            # A short name spelled out in the title ("Nightfall 20") names it however far its meaning is; so do
            # the first two words of a name with a number ("what's the difference between the Nightfall 20 ..."),
            # and, in Chinese text, a name's first Latin word that is no kind of product ("Campfire 睡袋").
            name = chunk.title.lower().split()
            spelled = (len(said) >= 2 and said <= set(title)) or (
                re.search(r"\d", " ".join(name[:2])) is not None and f" {' '.join(name[:2])} " in spaced) or (
                has_cjk(text) and name[0] in words and name[0].isalpha() and name[0] not in KIND_WORDS)
            if not (near or spelled):
                continue
            shared = [w for w in dict.fromkeys(title) if w in said or (has_cjk(w) and w in text)]
            # then by two words of its name in a row, one too common to count alone: "lunaflow go", not the Lunaflow Duo
            spoken = {pair for pair in pairs & set(zip(name, name[1:])) if not set(pair) <= said}
            # In Chinese text, a Latin word of a name says which product before Chinese words that may only say its
            # kind: "Nightfall 20 那个羽绒睡袋" is the Nightfall 20 Down Sleeping Bag, not the 羽绒 睡袋 零下5度.
            latin = has_cjk(text) and not COMPARE_CUES.search(text) and any(
                w.isascii() and w.isalpha() and len(w) >= 3 for w in shared)  # (a comparison names two products)
            # "the Kestrel Z5" is the new one, not "Kestrel Z5 Body (Used, Grade C)", unless used is asked for
            as_asked = _second_hand(chunk.title) <= _second_hand(text)
            # and of names said as much, the one that ends in the kind the text says ("the Horizon 2 tent" is the
            # Horizon 2 Backpacking Tent, not the Tent Footprint Horizon 2)
            kind_last = bool(title) and name[-1] in said and name[-1] in KIND_WORDS
            share = (latin, as_asked, len(shared) / len(set(title)) if title else 0.0, len(shared), len(spoken), kind_last)
            # "Lunaflow Duo": the pump, not the parts kit made for it that names it just as much
            if shared and (share > best_share or (share == best_share and _made_for(best, chunk))):
                best, best_share = chunk, share
        return (best.metadata["sku"], best.title) if best else None


_NAME_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:l|ml|g|kg|cm|mm|w)?[?.,!]*")


def _name_numbers(text: str) -> set[str]:
    """The numbers a name is told by, alone or with their unit ("Nightfall 20", "0.6L", "1.2 L"; not "$250")."""
    return {m.group(1) for w in text.lower().split() if (m := _NAME_NUMBER.fullmatch(w))}


def _second_hand(text: str) -> bool:
    """Does the text say an item is used ("(Used, Grade C)", "pre-owned", "二手")?"""
    return bool(_SECOND_HAND.search(text))


_SECOND_HAND = re.compile("|".join(rf"(?<![a-z]){re.escape(w)}(?![a-z])" for w in synonyms("used")) + r"|\brefurbished\b", re.I)


def _made_for(accessory: Chunk, product: Chunk) -> bool:
    """Is one product made for the other ("Lunaflow Duo Replacement Parts Kit", compatible with: "Lunaflow Duo Electric
    Breast Pump")?"""
    return product.title.lower() in accessory.text.lower() and accessory.title.lower() not in product.text.lower()
