"""Hard product constraints: given as API parameters or recognised in a shopper's words.

Filters are applied inside the search (see SearchIndex.search and its ``within``), so a
filtered query still returns k products whenever k products match.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from rag import language


class Filters(BaseModel):
    category: str | None = Field(None, examples=["Jackets"])
    brand: str | None = None
    min_price: float | None = Field(None, ge=0)
    max_price: float | None = Field(None, ge=0)
    in_stock: bool | None = None
    size: str | None = None
    color: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict, examples=[{"waterproof": "yes"}])
    # Checked on every product card (rag/constraints.py), not in the search: who it is for, what it is for.
    audience: Literal["kids", "women", "men"] | None = None
    activity: str | None = Field(None, examples=["hiking"], description="one of rag.language.ACTIVITIES")

    def is_empty(self) -> bool:
        return not any(v not in (None, {}) for v in self.model_dump().values())

    def merged(self, other: "Filters") -> "Filters":
        """Explicit values in ``self`` win over values recognised in text (``other``)."""
        mine = self.model_dump(exclude_none=True)
        mine["attributes"] = {**other.attributes, **self.attributes}
        return Filters(**{**other.model_dump(exclude_none=True), **mine})


@dataclass(frozen=True)
class Vocabulary:
    """What the store sells, read from the index, so text can be matched against it."""

    categories: tuple[str, ...]
    brands: tuple[str, ...]
    colors: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # what its products are, from the last word of their names ("binoculars", "tent")
    # Words of product names that point to one category ("parka" -> "Jackets"), from category_words()
    category_words: dict[str, str] = field(default_factory=dict)

    def names_a_kind(self, text: str) -> bool:
        """Does ``text`` name a kind of product this store sells ("some binoculars", "a tent")?"""
        words = {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower())}
        return any(kind.rstrip("s") in words for kind in self.kinds) or bool(self.categories_named(text))

    def categories_named(self, text: str) -> set[str]:
        """Every category a message names, by its name or a word that points to it ("toner or moisturiser")."""
        lowered = language.full_forms(text.lower())  # "a practice amp" names Amplifiers
        return {category for word, category in [*((c.lower(), c) for c in self.categories), *self.category_words.items()]
                if re.search(re.escape(word) if not word.isascii() else  # "self watering" names "Self-Watering Planters"
                             rf"\b{re.escape(_singular(word)).replace(re.escape('-'), '[- ]?')}(?:e?s)?\b{_NOT_FREE}", lowered)
                } | self.categories_worded(lowered)

    def categories_worded(self, lowered: str) -> set[str]:
        """Categories of two or more words that a message says word by word: "wet food for my dog" names "Dog Food"."""
        said = {_singular(w) for w in re.findall(r"[a-z]+", lowered)}
        return {category for category in self.categories if not re.search(r"&|,|\band\b", category)
                and len(words := [_singular(w) for w in re.findall(r"[a-z]+", category.lower())]) >= 2 and set(words) <= said}

    def kind_categories(self) -> dict[str, str]:
        """What kind of product each category holds ("headlamp" -> "Electronics"): a policy that lists categories
        ("Electronics: 1 year") speaks about headlamps."""
        kinds = {k.lower().rstrip("s") for k in self.kinds} | {k.rstrip("s") for k in language.PRODUCT_KINDS}
        return {word: category for word, category in self.category_words.items() if word.rstrip("s") in kinds}


CATEGORY_WORD_SHARE = 0.75  # a word of product names points to a category when this share of its products is in it
CATEGORY_WORD_PRODUCTS = 2  # ...and at least this many products have it


def category_words(products: list[tuple[str, str]]) -> dict[str, str]:
    """Words of the store's product names that point to one category, from (title, category) pairs: "Summit
    Parka" and "Ember Down Jacket" under Jackets make "parka" and "jacket" category words. The Chinese words
    for what a product is (the last one or two words of its name) point there too ("冲锋衣", "外套", "睡袋"), and
    so does every word for a category's name ("shoes", "鞋" for Footwear; "配件" for Accessories)."""
    found: dict[str, Counter] = defaultdict(Counter)
    heads: dict[str, Counter] = defaultdict(Counter)
    for title, category in products:
        if not category:
            continue
        english = re.findall(r"[a-z][a-z\-]{2,}", title.lower())
        words = {_singular(w) for w in english} - language.STOPWORDS
        words -= {w for w in words if any(p.search(w) for p in language.AUDIENCE_WORDS.values())}
        for word in words:
            found[word][category] += 1
        named = [w for w in english if not any(p.search(w) for p in language.AUDIENCE_WORDS.values())]
        for head in {*named[-1:], " ".join(named[-2:])}:
            heads[head][category] += 1
        for name in {category.lower(), _singular(category.lower())}:
            heads[name][category] += CATEGORY_WORD_PRODUCTS  # its own name always points to it
    words: dict[str, str] = {}
    for word, counts in found.items():
        category, count = counts.most_common(1)[0]
        if count >= CATEGORY_WORD_PRODUCTS and count >= CATEGORY_WORD_SHARE * sum(counts.values()):
            words[word] = category
    chinese: dict[str, Counter] = defaultdict(Counter)
    for head, counts in heads.items():
        said = language.synonyms(head) | language.synonyms(head + "s")
        if head not in {c.lower() for c in counts} and not said & set(language.PRODUCT_KINDS):
            continue  # "warmer" (a hand warmer) is a word for warmth, not for a kind of product
        for other in said:  # every word for a category's name ("shoes" for Footwear); Chinese words for a kind
            if language.has_cjk(other) or head in {c.lower() for c in counts}:
                chinese[other] += counts
    for word, counts in chinese.items():
        category, count = counts.most_common(1)[0]
        if count >= CATEGORY_WORD_SHARE * sum(counts.values()):
            words.setdefault(word, category)
    return words


COLOR_WORDS = {alias: name for name, aliases in language.COLOURS.items() for alias in aliases
               if language.has_cjk(alias) and len(alias) > 1}
ATTRIBUTE_WORDS = {"waterproof": ("waterproof", "yes"), "防水": ("waterproof", "yes")}
# An amount of money: a currency sign or word, or a bare number no unit of measure follows
# ("under 40", but not "at least 400 lumens" or "within 30 days").
_ZH_CURRENCY = r"(?:元|块|美元|加元|澳元|英镑|镑|欧元|欧(?![洲盟])|新币|刀)"
_CURRENCY_WORD = rf"(?:dollars?|bucks|quid|usd|cad|eur|gbp|sgd|euros?|pounds?|{_ZH_CURRENCY})"
_CURRENCY_SIGN = r"(?:\$|usd\s*|us\$|cad\s*|c\$|£|€)"
_MONEY = (rf"(?:{_CURRENCY_SIGN}\s*(\d+(?:[.,]\d+)?)"
          rf"|(\d+(?:[.,]\d+)?)(?:\s*{_CURRENCY_WORD}|(?![\d.,]|\s*-?\s*(?:{language.MEASURE_WORDS})(?![a-z]))))")
_UNDER = re.compile(rf"(?:\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|within|budget(?: is| of)?)"
                    rf"|(?:\bno|\bnot|n'?t(?: \w+){{1,3}}) more than|\b(?:without|not) (?:going |spending |paying )?(?:over|above)"
                    rf"|\bnothing (?:over|above|more than|pricier than))\s+{_MONEY}",
                    re.I)
_OVER = re.compile(rf"(?<!no )(?<!not )(?<!going )(?<!without )(?<!n't spend )(?<!n't pay )\b(?:over|above|more than|at least|min(?:imum)?|from)\s+"
                   rf"{_MONEY}(?!\s*(?:to|-|and))", re.I)
_BETWEEN = re.compile(rf"\b(?:between|from)?\s*{_MONEY}\s*(?:-|to|and)\s*{_MONEY}", re.I)
_OR_LESS = re.compile(rf"{_MONEY}\s+(?:or less|or under|and under|max)", re.I)
# "around $70", "$70 or so", "200美元左右": an amount with a sign or currency word, give or take ABOUT_SHARE.
_PRICE = rf"(?:{_CURRENCY_SIGN}\s*(\d+(?:[.,]\d+)?)|(\d+(?:[.,]\d+)?)\s*{_CURRENCY_WORD})"
_AROUND = re.compile(rf"\b(?:around|about|roughly|approximately|approx\.?)\s+{_PRICE}|~\s*{_PRICE}"
                     rf"|(?:大约|大概|差不多)\s*{_PRICE}|{_PRICE}\s*(?:or so\b|-?ish\b|左右|上下)", re.I)
# "预算400美元" (a budget of $400) caps the price, as "400美元以内" does; "预算400美元左右" is about that much.
_ZH_UNDER = re.compile(rf"(?:低于|不超过|少于)?\s*(?:(\d+(?:\.\d+)?)\s*{_ZH_CURRENCY}|[$＄]\s*(\d+(?:\.\d+)?))\s*(?:以下|以内|之内)"
                       rf"|预算(?:是|为|在|只有)?\s*[$＄]?\s*(\d+(?:\.\d+)?)(?![\d.]|\s*{_ZH_CURRENCY}?\s*(?:左右|上下|以上))|(?:低于|不超过|少于)\s*(\d+(?:\.\d+)?)(?![\d.]|\s*(?:公斤|千克|克|升|毫升|度|cm|kg|g|l|小时|天))")
_ZH_OVER = re.compile(rf"(?:(\d+(?:\.\d+)?)\s*{_ZH_CURRENCY}|[$＄]\s*(\d+(?:\.\d+)?))\s*以上|(?<!不)(?:高于|超过)\s*(\d+(?:\.\d+)?)(?![\d.]|\s*(?:公斤|千克|克|升|毫升|度|cm|kg|g|l|小时|天))")
_ZH_BETWEEN = re.compile(rf"(\d+(?:\.\d+)?)\s*(?:到|至|-)\s*(\d+(?:\.\d+)?)\s*{_ZH_CURRENCY}")
_IN_STOCK = re.compile(r"\b(in stock|in-stock|available now|available today|ready to ship|(?:ships?|send) (?:right )?(?:now|today|away)"
                       r"|have in stock)\b|有货|现货|有库存", re.I)
# "size 10", "in a 9?", "尺码 L", and a size right before 码, also right after a Chinese character ("要M码", "买8码").
_SIZE = re.compile(r"\bsize\s+(\d{1,2}(?:\.5)?(?:/\d{1,2})?|x{0,3}[sl]|m)\b|\bin an? (\d{1,2}(?:\.5)?)(?=\s*(?:[?!.,]|$))|尺码\s*([a-z0-9]{1,4})|(?<![a-z0-9.月])(\d{1,2}(?:\.5)?|x{0,3}[sl]|m)\s*[码号](?!码)",
                   re.I)
# Capitals only ("xl" may be a word); beside Chinese a lone S, M or L is a size too ("绿色XL呢", "黑色M的").
_LETTER_SIZE = re.compile(r"(?<![A-Za-z0-9.\-])(XXS|XS|XL|XXL|XXXL)(?![A-Za-z0-9\-])"
                          r"|(?<=[\u4e00-\u9fff])([SML])(?=[\u4e00-\u9fff？?]|$)")
_SIZE_WORD = re.compile("|".join(re.escape(w) for w in sorted(language.SIZE_WORDS, key=len, reverse=True)), re.I)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _amounts(match: re.Match) -> list[float]:
    """The amounts a match of the money patterns holds, in order (each _MONEY has two alternative groups)."""
    return [_number(group) for group in match.groups() if group]


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def parse_filters(text: str, vocabulary: Vocabulary) -> Filters:
    """Recognise hard constraints in a shopper's message.

    They only count when the message is a product search: it names a category
    or brand and adds a constraint or asks for suggestions, or it asks for
    suggestions with a constraint. So "what is the warranty on tents?" and
    "are orders under $75 shipped free?" stay policy questions.
    """
    lowered = text.lower()
    product: dict = {}
    if category := _category(lowered, vocabulary):
        product["category"] = category
    if brand := next((b for b in vocabulary.brands if b and re.search(rf"(?<!\w){re.escape(b.lower())}(?!\w)", lowered)), None):
        product["brand"] = brand
    attributes = {name: value for word, (name, value) in ATTRIBUTE_WORDS.items() if word in lowered}
    constraints = stated_constraints(text, vocabulary)
    asks = bool(language.SHOPPING_CUES.search(text))
    # "teal, size L, in stock" with no verb is a search too: two constraints make one.
    # "a toner or a moisturiser under £20"; "pet safe plant under $30?" names what the store's products are and
    # a price (but "the Squall Anorak in XL?" asks about one product)
    named = bool(product) or len(vocabulary.categories_named(lowered)) > 1 or (
        vocabulary.names_a_kind(lowered) and bool(constraints.keys() & {"min_price", "max_price"}))
    around = bool(_AROUND.search(language.money_in_words(text)))  # "My cart is around $300": one amount, no search
    stated = {"price" if around and key in ("min_price", "max_price") else key for key in constraints} | (
        {"attributes"} if attributes else set())  # "waterproof bluetooth speaker, blue if u have it"
    if not ((named and (constraints or asks)) or (asks and constraints) or len(stated) >= 2):
        return Filters()
    audience, activity = language.audiences(text), language.activity_names(text)
    return Filters(**product, **constraints, attributes=attributes, audience=audience[0] if len(audience) == 1 else None,
                   activity=activity[0] if len(activity) == 1 else None)


def stated_constraints(text: str, vocabulary: Vocabulary) -> dict:
    """Price, stock, size and colour as ``text`` states them, whether or not it is a product search."""
    text = language.money_in_words(text)
    lowered = text.lower()
    found: dict = {}
    if (match := _BETWEEN.search(text)) and not _names_a_model(match):
        low, high = sorted(_amounts(match)[:2])
        if high > low:
            found.update(min_price=low, max_price=high)
    if "max_price" not in found:
        for pattern in (_UNDER, _OR_LESS):
            if (match := pattern.search(text)) and not _bounds_a_measure(text, match):
                found["max_price"] = _amounts(match)[0]
                break
        else:
            if match := _ZH_BETWEEN.search(text):
                found.update(min_price=_number(match.group(1)), max_price=_number(match.group(2)))
            elif match := _ZH_UNDER.search(text):
                found["max_price"] = _number(next(g for g in match.groups() if g))
    if "min_price" not in found:
        # "don't want to spend more than $300" bounds the price from above, not below
        under = _UNDER.search(text)
        if (match := _OVER.search(text)) and not _bounds_a_measure(text, match) and not (under and under.end() == match.end()):
            found["min_price"] = _amounts(match)[0]
        elif match := _ZH_OVER.search(text):
            found["min_price"] = _number(next(g for g in match.groups() if g))
    if not found.keys() & {"min_price", "max_price"} and (match := _AROUND.search(text)):
        amount = _amounts(match)[0]
        found.update(min_price=round(amount * (1 - language.ABOUT_SHARE), 2),
                     max_price=round(amount * (1 + language.ABOUT_SHARE), 2))
    if _IN_STOCK.search(text):
        found["in_stock"] = True
    if size := stated_size(text):
        found["size"] = size
    if color := _color(lowered, vocabulary):
        found["color"] = color
    return found


def _names_a_model(match: re.Match) -> bool:
    """"the 70-200 f4 lens": two bare numbers joined by a hyphen, with no currency and no "between", name a model."""
    found = match.group(0).strip()
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)?\s*-\s*\d+(?:[.,]\d+)?", found))


def _bounds_a_measure(text: str, match: re.Match) -> bool:
    """"an R-value of at least 4", "seats at least 6": a bare number after the name of a measure is no price."""
    bare = not re.search(rf"[$£€]|us\$|c\$|\b{_CURRENCY_WORD}\b", match.group(0), re.I) and not re.search(
        _CURRENCY_WORD, text[match.end():match.end() + 12], re.I)
    return bare and bool(language.MEASURE_NAMES.search(text[max(0, match.start() - 30):match.start()]))


def stated_size(text: str) -> str | None:
    """The size a message states: "size 10", "L码", "XL", "she wears a medium", "men's small jacket"."""
    if match := _SIZE.search(text):
        return next(g for g in match.groups() if g).upper()
    if match := _LETTER_SIZE.search(text):
        return match.group(1) or match.group(2)
    for match in _SIZE_WORD.finditer(text):
        chinese = language.has_cjk(match.group(0))
        if chinese or (language.SIZE_BEFORE.search(text[:match.start()]) and language.SIZE_AFTER.match(text[match.end():])):
            return language.SIZE_WORDS[match.group(0).lower()]
    return None


def _category(lowered: str, vocabulary: Vocabulary) -> str | None:
    """The category a message names: by its name, or by the last word of it that points to one ("waterproof
    hiking shoes" -> the category of "shoe"; the head of an English or Chinese noun phrase comes last). A
    message that offers two ("a toner or a moisturiser") names none: either will do."""
    lowered = language.full_forms(lowered)  # "a practice amp" names Amplifiers
    if len(vocabulary.categories_named(lowered)) > 1 and _EITHER.search(lowered):
        return None
    known = {c.lower(): c for c in vocabulary.categories}
    # "bedding for a queen bed": what the request is for says which bedding, not what it asks for.
    asked = re.split(r"\b(?:for|to go with|that fits?|to fit)\s+(?:an?|the|my|our)\b", lowered, maxsplit=1)[0]
    for text in dict.fromkeys((asked, lowered)):
        for name, category in known.items():
            if re.search(rf"\b{re.escape(_singular(name))}s?\b{_NOT_FREE}{_NOT_ACCESSORY}", text):
                return category  # "duvets", but a "duvet cover" is no duvet
    if len(worded := vocabulary.categories_worded(lowered)) == 1:
        return next(iter(worded))
    named = []
    for word, category in vocabulary.category_words.items():
        pattern = rf"{re.escape(word)}(?![{language.COMPOUND_HEADS}])" if not word.isascii() else \
            rf"\b{re.escape(word)}(?:e?s)?\b{_NOT_FREE}"  # "植物灯" is a lamp
        named += [(match.end(), category) for match in re.finditer(pattern, lowered) if category.lower() in known]
    return max(named)[1] if named else None


_NOT_FREE = r"(?![- ]free\b)"  # "fragrance-free" is no fragrance
_NOT_ACCESSORY = rf"(?!\s+(?:{'|'.join(sorted(language.ACCESSORY_HEADS))})\b)"
_EITHER = re.compile(r"\bor\b|或者|还是|或")


def _color(lowered: str, vocabulary: Vocabulary) -> str | None:
    lowered = language.COLOUR_IDIOMS.sub(" ", lowered)
    for category in vocabulary.categories:  # "green or white tea" at a store that sells Green Tea and White Tea
        *lead, head = category.lower().split()
        if lead:
            named = rf"\b{re.escape(' '.join(lead))}\s+{re.escape(_singular(head))}s?\b"
            lowered = re.sub(rf"{named}|\b{re.escape(' '.join(lead))}\b(?=(?:\s*(?:,|/|or|and)\s*\w+)+\s+{re.escape(head)})",
                             " ", lowered)
    for word, color in COLOR_WORDS.items():
        if word in lowered:
            lowered += f" {color}"
    return next((c for c in vocabulary.colors if re.search(rf"\b{re.escape(c.lower())}\b", lowered)), None)
