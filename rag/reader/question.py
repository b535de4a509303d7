"""Question analysis: what kind of answer a question wants, its parts, key terms and named entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rag import language
from rag.text import content_words

_PRONOUN = re.compile(r"\b(?:it|its|they|them|that|this|those|these|one)\b|它|这个|那个|这款|那款", re.I)

Kind = Literal["yes_no", "amount", "duration", "list", "compare", "open"]

# A comparison names its two sides around "or", "vs", "and", "还是", "和".
_OR_BOUND = rf"(?!\s+(?:{'|'.join(language.OR_BOUND.split())})\b)"  # "40 litres or bigger" compares nothing
_SIDES = re.compile(rf"\s*(?:,?\s+\bor\b{_OR_BOUND}|\bvs\.?|\bversus\b|\band\b|\bthan\b|\bcompared? (?:to|with)\b|还是|和|与|跟|比)\s*",
                    re.I)
_COMPARE_LEAD = re.compile(
    r"^.*?\bbetween\s+(?:the\s+)?|^\s*(?:compare|comparing)\s+(?:the\s+)?|^.*?比较"
    r"|^\s*(?:which|what)\s+\w+\s+(?:has|have|is|are|gives|lasts|holds|costs?|weighs)\s+(?:the\s+)?(?:more|less|fewer|most|\w+er)"
    r"(?:\s+\w+)?\s*,?\s*(?:the\s+)?"
    r"|^\s*how much (?:\w+er|more \w+)\s+(?:is|are|does|do)\s+(?:the\s+)?"
    r"|^\s*(?:is|are|does|do|will|would)\s+(?:the\s+)?(?=.*\bthan\b)"
    r"|^\s*(?:which|what)(?: one)?(?:\s+(?:is|are|would be|'s)|['’]s)\s+\w+(?:\s+(?:to|for|in)\s+\w+(?:\s+\w+)?)?\s*[,:]?\s*(?:the\s+)?",
    re.I)
_COMPARE_TAIL = re.compile(r"\s*(?:[,:;—–?]|\s-)\s*(?:which|what|how|who|is|does|do)\b.*$|\s*[:—–]\s.*$"
                           r"|,?\s*(?:and\s+)?by how much\b.*$"
                           r"|[，,]?\s*(?:哪个|哪款|哪一个|谁).*$", re.I)


@dataclass
class SubQuestion:
    text: str
    kind: Kind
    terms: list[str]  # key content words, lower-cased, in order
    entities: dict[str, set[str]] = field(default_factory=dict)
    negated: bool = False  # "is it non-refundable?" asks the negative
    focus: list[str] = field(default_factory=list)  # key terms of the asking clause, without the story before it
    subject: str = ""  # for a part that leaves its subject out ("价格呢？"), the part it takes it from
    others: list[str] = field(default_factory=list)  # for one option of a comparison: the other options' words

    @property
    def readable(self) -> str:
        """The part as it is read for meaning: with the subject it leaves out."""
        return f"{self.text} {self.subject}".strip()


@dataclass
class Question:
    text: str
    language: str
    kind: Kind
    parts: list[SubQuestion]
    entities: dict[str, set[str]] = field(default_factory=dict)

    @property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(t for part in self.parts for t in part.terms))


def key_terms(text: str) -> list[str]:
    """Content words that say what the question is about (no stop, question or filler words)."""
    text = language.without_references(language.STATED_VALUES.sub(" ", language.normalise_phrases(text)))
    text = language.ZH_QUESTION_TAIL.sub("", text)  # "能货到付款不": 不 asks, it is no term
    words = (re.sub(r"['’]s$", "", w) for w in content_words(text) if w.split("'")[0] not in language.STOPWORDS)
    terms = list(dict.fromkeys(w for w in words if w not in language.GENERIC_WORDS
                               or (w == "long" and language.LONG_AS_SIZE.search(text))))  # "do they make it in a long?"
    for place in language.place_names(text):  # "puerto rico" is one place, not two words a sentence must say
        words = place.split()
        at = next((i for i, t in enumerate(terms) if t in words), len(terms))
        terms = [t for t in terms[:at] if t not in words] + [place] + [t for t in terms[at:] if t not in words]
    # jieba's search mode also yields the pieces of a word ("加拿" beside "加拿大"): keep the whole word.
    return [t for t in terms if not (language.has_cjk(t) and any(t != o and t in o for o in terms))]


_CLAUSES = re.compile(
    r"(?<=[.!。！])\s+|(?<=[—–])\s*|\s+-\s+|[,，]\s*(?=(?:can|could|do|does|is|are|will|would|should|what|how|when|where"
    r"|whats|hows|wheres|which|who|may)\b)|[，,](?=[^，,]*[吗？?]$)", re.I)


def asking_clause(text: str) -> str:
    """"I grabbed it on sale, it doesn't fit. Can I send it back?" -> "Can I send it back?". A follow-up's carried
    topic, in brackets, is not the shopper's asking."""
    text = language.PARENTHESES.sub("", text)
    clauses = [c for c in _CLAUSES.split(text) if c.strip()]
    # A clause asks when it has a question mark, or reads as a question and is no finished statement ("A shop has
    # it cheaper than you. Price match?" asks no comparison; "Ember Down vs Summit Parka - which is lighter?" does).
    # A clause without one asks only when it opens as a question ("Wayfair has it cheaper, will you match it?" asks
    # the second).
    asking = [c for c in clauses if "?" in c or "？" in c or (
        (language.is_yes_no(c) or kind_of(c) != "open") and not c.rstrip().endswith((".", "。", "!", "！"))
        and (len(clauses) == 1 or language.OWN_QUESTION.match(c.strip()) or kind_of(c) == "compare"))]
    asked = " ".join(asking) if asking else text
    # "how do I file a claim if a pole snaps?": the steps are asked; the case after them only says why
    return _CASE_AFTER.sub("", asked) if language.HOW_TO.search(asked) else asked


_CASE_AFTER = re.compile(r"\s+(?:if|when|in case|because|since)\b[^?？]*(?=[?？]?\s*$)", re.I)


def kind_of(text: str) -> Kind:
    if language.COMPARE_CUES.search(text):
        return "compare"
    if language.LIST_CUES.search(text):
        return "list"
    if language.is_yes_no(text):
        return "yes_no"
    if language.HOW_TO.search(text):
        return "list"  # "how do I start a return?": the steps, all of them
    if language.HOW_LONG.search(text):
        return "duration"
    if language.AMOUNT_CUES.search(language.HOW_MUCH_OF.sub("", text)) and language.ASKS_WHAT.search(text) \
            and not language.MEASURE_CUES.search(text):
        return "amount"
    if language.DURATION_CUES.search(text):
        return "duration"
    return "open"


def _negated(text: str) -> bool:
    """A question about a negative property ("is it non-refundable?", "is it too late to ...?") flips a yes/no
    answer. "Don't you ...?" and "so I can't ...?" are left alone: shoppers mean the positive question by them as often as not."""
    return bool(re.search(r"\bnon-\w+|\btoo late\b|来不及", text, re.I))


_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")


def analyse(text: str) -> Question:
    """Split a message into the questions it asks and say what each wants."""
    lang = language.detect_language(text)
    text = language.LEADING_INTERJECTION.sub("", text) or text  # "cool, and is return shipping free?" asks one thing
    pieces = [p.strip(" ,;，；") for p in language.SUBQUESTION_SPLIT.split(text) if p and p.strip(" ,;，；?？")]
    merged: list[str] = []
    for piece in pieces:  # "(the Summit 45)" after a question names its subject: it is no question of its own
        if merged and (piece.startswith(("(", "（")) or _CASE_ONLY.match(merged[-1])):
            merged[-1] = f"{merged[-1]} {piece}"  # "如果已经发货了呢？还能取消吗": the case, then what is asked of it
        else:
            merged.append(piece)
    # "... waterproof? Going to Seattle." The remark after a question asks nothing.
    while len(merged) > 1 and not merged[-1].rstrip().endswith(("?", "？")) and kind_of(merged[-1]) == "open" \
            and not language.OWN_QUESTION.match(language.LEADING_AND.sub("", merged[-1].strip())) \
            and not _ZH_ASKS.search(merged[-1]):  # "... and who pays", "…呢，多重" ask too
        merged.pop()
    # "does it come with a rain cover or do I buy it separately?": what the shopper does otherwise is the first
    # choice's "no" (but "is it adjustable or is it preset?" asks both)
    merged = [_first_choice(p) for p in merged]
    pieces = [p for p in merged if key_terms(p) or kind_of(p) != "open"] or [text]
    # "what does express cost and how long does it take" -> the second part keeps the first's subject.
    parts: list[SubQuestion] = []
    for piece in pieces:
        terms = key_terms(piece) or (parts[-1].terms if parts else key_terms(text))
        # "... and how much does it weigh?", "价格呢？": "it", or a bare word, asks about the first part's subject.
        subject = ""
        if parts and (_PRONOUN.search(piece) or (len(key_terms(piece)) <= 1 and not language.entities(piece)
                                                 and not _new_policy_topic(piece, parts[0].text))):
            # ("also do you take bitcoin?" and "how long do I have to return stuff?" name their own subject)
            terms, subject = list(dict.fromkeys(terms + parts[0].terms)), parts[0].text
        parts.append(SubQuestion(piece, kind_of(asking_clause(piece)), terms, language.entities(piece), _negated(piece),
                                 [t for t in key_terms(asking_clause(piece)) if t in terms], subject))
    asked = "compare" if any(p.kind == "compare" for p in parts) else parts[0].kind
    parts = [one for part in parts for one in split_by_place(part)]
    # "那能分期付款吗？我在北京": the remark after the question names the place, for every part; a place one part
    # asks about is not another's ("how fast is express shipping and can I get it to Hawaii?"), unless that part
    # keeps the first one's subject ("shipping to Canada - cost and how long does it take?").
    # "I'm in Ohio. How long ..., and do I pay the return postage?" and "... how much is standard shipping there?":
    # where the shopper is, and "there", hold for every part.
    # A topic carried in brackets from the last turn ("运费谁出 (中国)?") is said of the whole message too.
    named = {(kind, name) for part in parts if not language.SHOPPER_PLACE.search(part.text)
             for kind, names in language.entities(_BRACKETED.sub(" ", part.text)).items() for name in names}
    remarked = {kind: {n for n in names if (kind, n) not in named} for kind, names in language.entities(text).items()}
    for part in parts:
        inherited = language.entities(part.subject) if part.subject else {}
        if language.PLACE_REFERENCE.search(part.text):
            inherited = {**language.entities(text), **inherited}
        for kind, names in [*remarked.items(), *inherited.items()]:
            if names:
                part.entities.setdefault(kind, set(names))
    return Question(text, lang, asked, parts, language.entities(text))


def _new_policy_topic(piece: str, first: str) -> bool:
    """Does a part name a rule the first part does not ("... and how long do I have to return stuff?" after a
    shipping question; but "满多少免运费？" after "运费多少？" stays on shipping)?"""
    def topics(text: str) -> set[str]:
        return {w for m in language.POLICY_WORDS.finditer(text) for w in language.synonyms(m.group(0).lower())}
    own = topics(piece)
    return bool(own) and not own & topics(first)


_ZH_ASKS = re.compile(r"多[重高大长久少宽厚远]|几|吗|什么|怎么|哪|谁|是否|能否|有没有")  # a Chinese question without "？"
_CASE_ONLY = re.compile(rf"^{language.ZH_CASE_WORDS}[^，,]*呢[？?]?$|^(?:and |but )?what if\b[^,]*[?]$", re.I)
_ALTERNATIVE = re.compile(r",?\s+or (?:do|should|must|will|would|can|could|have|shall) (?:i|we)\b[^?？]*", re.I)


def _first_choice(piece: str) -> str:
    """A yes/no question without the shopper's other choice, when something is left to ask."""
    kept = _ALTERNATIVE.sub("", piece)
    return kept if language.is_yes_no(piece) and key_terms(kept) else piece


def comparison_sides(text: str) -> list[str]:
    """The two things a comparison is between, as written: "the Summit 45 or the Summit 65" -> both names."""
    body = _COMPARE_LEAD.sub("", _COMPARE_TAIL.sub("", text.strip(" ?？。."))).strip()
    sides = [s.strip(" ,?？") for s in _SIDES.split(body) if s and s.strip(" ,?？")]
    if len(sides) >= 2 and re.search(r"\bthan\b", body, re.I):  # "Is A heavier than B?": A without "heavier"
        sides[0] = re.sub(r"\s+(?:(?:more|less)\s+\w+|\w+\s+(?:more|less)|\w+er)$", "", sides[0], flags=re.I)
    return sides if len(sides) >= 2 else []


def split_comparison(part: SubQuestion) -> list[SubQuestion]:
    """A comparison of two options ("express or expedited shipping") as one question per option,
    each keeping what both share ("shipping", "cost")."""
    if part.kind != "compare":
        return [part]
    sides = comparison_sides(part.text)
    if len(sides) < 2:
        return [part]
    side_terms = [[t for t in key_terms(side) if t not in COMPARATIVES and t not in COMPARISON_WORDS] for side in sides]
    longest = max(side_terms, key=len)
    # The longest side's option is the word next to the "or" ("expedited" in "express or expedited shipping", "shoes"
    # in "the warranty on shoes or on backpacks"); its other words belong to every option, unless they are options
    # of the same slot ("standard" and "express" are both services).
    option = longest[0] if longest is not side_terms[0] else _option_before_or(sides[0], longest)
    side_terms = [terms + [t for t in longest if t not in terms and t != option and not _same_option(t, terms[0])]
                  if len(terms) == 1 else terms for terms in side_terms]
    named = {t for terms in side_terms for t in terms}
    shared = [t for t in part.terms if t not in named and t not in COMPARISON_WORDS and t not in COMPARATIVES]
    options = [(side, terms) for side, terms in zip(sides, side_terms) if terms]
    kind = _compared_by(part.text)
    return [
        SubQuestion(_without_the_others(part.text, terms, [t for _, other in options if other is not terms for t in other]),
                    kind, list(dict.fromkeys(terms + shared)), language.entities(side) or part.entities,
                    others=[t for _, other in options if other is not terms for t in other  # "express" to "expedited"
                            if t not in terms and any(_same_option(t, own) for own in terms)])
        for side, terms in options
    ] or [part]


def _compared_by(text: str) -> Kind:
    """"which is cheaper?" asks each option's price, "which is faster?" its time; "price and speed" both."""
    by_price, by_time = language.COMPARED_BY_PRICE.search(text), language.COMPARED_BY_TIME.search(text)
    return "amount" if by_price and not by_time else "duration" if by_time and not by_price else "open"


def _option_before_or(side: str, terms: list[str]) -> str:
    """The option of a side written before the "or": "spend for Blossom" -> "blossom", but "Squeeze filter" ->
    "squeeze" (its last word is the noun both options share, "the gravity one")."""
    words = re.findall(r"[\w'-]+", side.lower())
    return terms[-2] if len(terms) >= 2 and words[-2:] == terms[-2:] else terms[-1]


def _same_option(term: str, option: str) -> bool:
    """Is ``term`` another option of the same slot as ``option`` (both services, both kinds of product)?"""
    slot = language.slot_of(term)
    return slot is not None and slot == language.slot_of(option)


def _without_the_others(text: str, own: list[str], others: list[str]) -> str:
    """The comparison asked of one option: "express vs standard in the US - how many days each?" without the other
    option's own words ("vs standard in the US - how many days each?")."""
    foreign = [t for t in others if t not in own]
    return re.sub(r"\s+", " ", language.any_word(foreign).sub(" ", text)).strip() if foreign else text


_PLACE_LIST = re.compile(r"\b(?:and|or)\b|[&、和与或]|还是", re.I)


def split_by_place(part: SubQuestion) -> list[SubQuestion]:
    """"Shipping to Canada and Japan?" asks about each place: one part per place; "the free-shipping threshold,
    Canada or the UK?" compares the places, and asks each one's threshold."""
    places = sorted(part.entities.get("place", ()))
    if len(places) < 2 or not _PLACE_LIST.search(part.text):
        return [part]
    aliases = {place: {place.lower(), *language.COUNTRIES[place]} for place in places}
    if part.kind == "compare":  # "寄到阿拉斯加和寄到美国本土，运费差多少": each side in its own words, if it names one place
        sides = split_comparison(part)
        named = [next(iter(side.entities.get("place", ())), None) for side in sides]
        if sorted(filter(None, named)) == places and not any(
                t in aliases[other] for side, own in zip(sides, named) for other in places if other != own for t in side.terms):
            return sides
    others = set().union(*aliases.values())
    terms = [t for t in part.terms if t not in others and t not in COMPARISON_WORDS and t not in COMPARATIVES]
    kind = _compared_by(part.text) if part.kind == "compare" else part.kind
    return [SubQuestion(f"{part.text} ({place})", kind, terms + [place.lower()], {**part.entities, "place": {place}},
                        part.negated, [t for t in part.focus if t not in others]) for place in places]


COMPARISON_WORDS = frozenset("difference differences between compare compared comparison versus vs each better worse 区别 比较 差别 不同 分别 各".split())
# Comparatives that name no fact ("longer", "faster"), unlike "cheaper" (the cost) or "lighter" (the weight).
COMPARATIVES = frozenset("longer shorter faster slower quicker sooner better worse more less fewer lower higher".split())
