"""Hard product constraints: given as API parameters or recognised in a shopper's words.

Filters are applied inside the search (see SearchIndex.search and its ``within``), so a
filtered query still returns k products whenever k products match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

    def names_a_kind(self, text: str) -> bool:
        """Does ``text`` name a kind of product this store sells ("some binoculars", "a tent")?"""
        words = {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower())}
        return any(kind.rstrip("s") in words for kind in self.kinds)


# Words that name a category without being its name, in English and Chinese.
CATEGORY_WORDS = {
    "jacket": "Jackets", "coat": "Jackets", "shell": "Jackets", "parka": "Jackets", "冲锋衣": "Jackets", "夹克": "Jackets",
    "外套": "Jackets", "shoe": "Footwear", "shoes": "Footwear", "boot": "Footwear", "boots": "Footwear",
    "runner": "Footwear", "sandal": "Footwear", "鞋": "Footwear", "跑鞋": "Footwear", "靴": "Footwear",
    "backpack": "Backpacks", "pack": "Backpacks", "daypack": "Backpacks", "背包": "Backpacks", "双肩包": "Backpacks",
    "tent": "Tents & Shelter", "tents": "Tents & Shelter", "帐篷": "Tents & Shelter",
    "sleeping bag": "Sleeping Gear", "睡袋": "Sleeping Gear", "stove": "Camp Kitchen", "bottle": "Camp Kitchen",
    "水壶": "Camp Kitchen", "headlamp": "Electronics", "头灯": "Electronics", "watch": "Electronics",
}
COLOR_WORDS = {alias: name for name, aliases in language.COLOURS.items() for alias in aliases
               if language.has_cjk(alias) and len(alias) > 1}
ATTRIBUTE_WORDS = {"waterproof": ("waterproof", "yes"), "防水": ("waterproof", "yes")}
# Words that make a message a request for products, not a question about one.
RECOMMEND_CUES = re.compile(
    r"\b(?:recommend|suggest|show me|looking for|shopping for|i need an?|i want an?|i'd like an?|need an?|want an?"
    r"|do you (?:have|sell|carry) (?:any|an?)|ideas?|gift (?:for|ideas?)"
    r"|present for|what should i (?:get|buy))\b|推荐|想买|想要一|有没有.{0,12}(?:的|款)|送给|礼物",
    re.IGNORECASE,
)
SHOPPING_CUES = re.compile(
    r"\b(recommend|suggest|show me|looking for|i need|i want|any|anything|which|options?|cheapest|best)\b"
    r"|推荐|有没有|想要|想买|哪款|哪个",
    re.IGNORECASE,
)

# An amount of money: a currency sign or word, or a bare number no unit of measure follows
# ("under 40", but not "at least 400 lumens" or "within 30 days").
_CURRENCY_WORD = r"(?:dollars?|bucks|usd|cad|eur|gbp|euros?|pounds?|元|块|美元|加元|刀)"
_MONEY = (rf"(?:(?:\$|usd\s*|us\$|cad\s*|c\$|£|€)\s*(\d+(?:[.,]\d+)?)"
          rf"|(\d+(?:[.,]\d+)?)(?:\s*{_CURRENCY_WORD}|(?![\d.,]|\s*-?\s*(?:{language.MEASURE_WORDS})(?![a-z]))))")
_UNDER = re.compile(rf"(?:\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|within|budget(?: is| of)?)"
                    rf"|(?:\bno|\bnot|n't \w+) more than)\s+{_MONEY}", re.I)
_OVER = re.compile(rf"(?<!no )(?<!not )(?<!n't spend )(?<!n't pay )\b(?:over|above|more than|at least|min(?:imum)?|from)\s+"
                   rf"{_MONEY}(?!\s*(?:to|-|and))", re.I)
_BETWEEN = re.compile(rf"\b(?:between|from)?\s*{_MONEY}\s*(?:-|to|and)\s*{_MONEY}", re.I)
_OR_LESS = re.compile(rf"{_MONEY}\s+(?:or less|or under|and under|max)", re.I)
_ZH_UNDER = re.compile(r"(?:低于|不超过|少于)?\s*(\d+(?:\.\d+)?)\s*(?:元|块|美元|加元|刀)\s*(?:以下|以内|之内)|(?:低于|不超过|少于)\s*(\d+(?:\.\d+)?)(?![\d.]|\s*(?:公斤|千克|克|升|毫升|度|cm|kg|g|l|小时|天))")
_ZH_OVER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块|美元|加元|刀)\s*以上|(?:高于|超过)\s*(\d+(?:\.\d+)?)")
_ZH_BETWEEN = re.compile(r"(\d+(?:\.\d+)?)\s*(?:到|至|-)\s*(\d+(?:\.\d+)?)\s*(?:元|块|美元|刀)")
_IN_STOCK = re.compile(r"\b(in stock|in-stock|available now|available today|ready to ship|ships? (?:now|today|right away)"
                       r"|have in stock)\b|有货|现货|有库存", re.I)
_SIZE = re.compile(r"\bsize\s+([a-z0-9/]{1,4})\b|尺码\s*([a-z0-9]{1,4})|\b(\d{1,2}(?:\.5)?)\s*码", re.I)


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
    if brand := next((b for b in vocabulary.brands if b and re.search(rf"\b{re.escape(b.lower())}\b", lowered)), None):
        product["brand"] = brand
    attributes = {name: value for word, (name, value) in ATTRIBUTE_WORDS.items() if word in lowered}
    constraints = _constraints(text, lowered, vocabulary)
    asks = bool(SHOPPING_CUES.search(text))
    # "teal, size L, in stock" with no verb is a search too: two constraints make one.
    if not ((product and (constraints or asks)) or (asks and constraints) or len(constraints) >= 2):
        return Filters()
    return Filters(**product, **constraints, attributes=attributes)


def _constraints(text: str, lowered: str, vocabulary: Vocabulary) -> dict:
    found: dict = {}
    if match := _BETWEEN.search(text):
        low, high = sorted(_amounts(match)[:2])
        if high > low:
            found.update(min_price=low, max_price=high)
    if "max_price" not in found:
        for pattern in (_UNDER, _OR_LESS):
            if match := pattern.search(text):
                found["max_price"] = _amounts(match)[0]
                break
        else:
            if match := _ZH_BETWEEN.search(text):
                found.update(min_price=_number(match.group(1)), max_price=_number(match.group(2)))
            elif match := _ZH_UNDER.search(text):
                found["max_price"] = _number(match.group(1) or match.group(2))
    if "min_price" not in found:
        if match := _OVER.search(text):
            found["min_price"] = _amounts(match)[0]
        elif match := _ZH_OVER.search(text):
            found["min_price"] = _number(match.group(1) or match.group(2))
    if _IN_STOCK.search(text):
        found["in_stock"] = True
    if match := _SIZE.search(text):
        found["size"] = next(g for g in match.groups() if g).upper()
    if color := _color(lowered, vocabulary):
        found["color"] = color
    return found


def _category(lowered: str, vocabulary: Vocabulary) -> str | None:
    known = {c.lower(): c for c in vocabulary.categories}
    for name, category in known.items():
        if re.search(rf"\b{re.escape(_singular(name))}s?\b", lowered):
            return category
    for word, category in CATEGORY_WORDS.items():
        if category.lower() in known and (word in lowered if not word.isascii() else re.search(rf"\b{word}s?\b", lowered)):
            return known[category.lower()]
    return None


def _color(lowered: str, vocabulary: Vocabulary) -> str | None:
    for word, color in COLOR_WORDS.items():
        if word in lowered:
            lowered += f" {color}"
    return next((c for c in vocabulary.colors if re.search(rf"\b{re.escape(c.lower())}\b", lowered)), None)
