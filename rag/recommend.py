"""Product cards for shopping requests, each with a reason taken from the product's own facts."""

from __future__ import annotations

import re

from rag import language
from rag.filters import Filters
from rag.models import Passage, Product, ProductCard
from rag.text import content_words


def _matches(words: set[str], text: str) -> bool:
    found = set(content_words(text))
    return any(w in found or any(f.startswith(w[:4]) for f in found if len(w) >= 4) for w in words)


def reason_for(product: Product, question: str, filters: Filters) -> str:
    """Why this product fits: the attributes the question asked about, and the hard constraints it meets."""
    words = {w for w in content_words(question) if len(w) > 2}
    facts = [f"{name.replace('_', ' ')}: {value}" for name, value in product.attributes.items()
             if _matches(words, f"{name} {value}")]
    if not facts and product.description:
        facts.append(product.description.split(". ")[0].rstrip("."))
    if filters.max_price is not None:
        facts.append(f"${product.price:,.2f}, within your ${filters.max_price:,.0f} limit")
    if filters.size or filters.color:
        wanted = " ".join(v for v in (filters.color, filters.size and f"size {filters.size}") if v)
        facts.append(f"available in {wanted}")
    if filters.in_stock:
        facts.append("in stock")
    return "; ".join(facts)


def product_cards(passages: list[Passage], question: str, filters: Filters, limit: int = 3) -> list[ProductCard]:
    """Cards for the product passages, best first; passages already passed every hard filter."""
    cards = []
    for passage in passages:
        if passage.chunk.kind != "product":
            continue
        product = Product.model_validate(passage.chunk.metadata)
        if not fits(product, question):
            continue
        cards.append(ProductCard(
            sku=product.sku, title=product.title, price=product.price, currency=product.currency,
            availability="in stock" if product.in_stock else "out of stock", url=product.url,
            reason=reason_for(product, question, filters), citation_chunk_id=passage.chunk.id,
        ))
        if len(cards) == limit:
            break
    return cards


_MEASURE = re.compile(r"(-?\d+(?:\.\d+)?)\s*-?\s*(°c|r-value|lumens?|litres?|liters?|mah|hours?|ml|kg|g|l|c|grams?|people|persons?"
                      r"|person|升|毫升|克|公斤|度|流明|小时|人)(?![a-z])", re.I)
_R_VALUE = re.compile(r"r-?value\s*(?:of\s*)?(\d+(?:\.\d+)?)", re.I)
_RANGE_UNIT = r"(°c|litres?|liters?|l|g|kg|ml|lumens?|升|毫升|克|公斤)"
_RANGE = re.compile(rf"(-?\d+(?:\.\d+)?)\s*{_RANGE_UNIT}?\s*(?:-|–|to|and|到|至)\s*(-?\d+(?:\.\d+)?)\s*{_RANGE_UNIT}(?![a-z])", re.I)


def measure_bounds(text: str) -> list[tuple[str, float | None, float | None]]:
    """(measure, lowest, highest) a shopper asked for: "at least 400 lumens", "30 to 50 litres", "-5C or colder"."""
    bounds = []
    for match in _RANGE.finditer(text):
        measure, factor = language.UNITS[match.group(4).lower()]
        first_factor = language.UNITS[match.group(2).lower()][1] if match.group(2) else factor
        low, high = sorted((float(match.group(1)) * first_factor, float(match.group(3)) * factor))
        bounds.append((measure, low, high))
    if bounds:
        return bounds
    found = [(m.start(), m.end(), float(m.group(1)), m.group(2).lower()) for m in _MEASURE.finditer(text)]
    if (r := _R_VALUE.search(text)):
        found.append((r.start(), r.end(), float(r.group(1)), "r-value"))
    for start, end, number, unit in found:
        measure, factor = language.UNITS[unit]
        before, after = text[max(0, start - 20):start], text[end:end + 20]
        value = number * factor
        if measure == "temperature":  # "rated to -5C", "-5C or colder": the bag must be rated at least that cold
            bounds.append((measure, None, value))
        elif measure == "people":  # "a 2-person tent" sleeps at least two
            bounds.append((measure, value, None))
        elif language.AT_MOST.search(before) or language.AT_MOST.search(after):
            bounds.append((measure, None, value))
        elif language.AT_LEAST.search(before) or language.AT_LEAST.search(after):
            bounds.append((measure, value, None))
    return bounds


def _product_measures(product: Product) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, value in product.attributes.items():
        if name.replace("_", "-") == "r-value" and (number := re.match(r"\d+(?:\.\d+)?", value)):
            values["r-value"] = float(number.group(0))
            continue
        if (match := _MEASURE.search(value)) and name not in ("battery",):
            measure, factor = language.UNITS[match.group(2).lower()]
            values.setdefault(measure, float(match.group(1)) * factor)
    return values


_FEATURE = re.compile(
    r"\b(?:comes? with|with an?|that has an?|has an?|comes? in an?|in an?)\s+([a-z][a-z\-]+(?:\s+[a-z][a-z\-]+)?)"
    r"(?=\s*(?:[,.?!;]|$|\b(?:and|that|for|under|which|please|pls|in)\b))", re.I)


def features(request: str) -> list[str]:
    """Words a product must have for "with a rain cover" or "in a wide fit" ("rain", "cover", "wide")."""
    words = [w for m in _FEATURE.finditer(request) for w in m.group(1).lower().split()]
    return [w for w in words if w not in language.STOPWORDS and w not in language.GENERIC_WORDS
            and w not in NOT_FEATURES and w not in language.UNITS]


NOT_FEATURES = frozenset("fit size colour color stock budget hurry small medium large xl xs xxl petite tall".split())


_NOT_A = re.compile(r"\bnot (?:an? |the )?([a-z]{3,})\b|不要(\w{1,3})", re.I)


def _unwanted(request: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _NOT_A.finditer(request) if (m.group(1) or "") not in ("too", "sure", "more")]


def audience(product: Product) -> str:
    """kids, women, men or everyone, from the product's gender attribute and its name."""
    said = f"{product.attributes.get('gender', '')} {product.title}".lower()
    for name in ("kids", "women", "men"):
        if language.AUDIENCE_WORDS[name].search(said):
            return name
    return "everyone"


def fits(product: Product, request: str) -> bool:
    """Does the product meet what the shopper said about who it is for and how big, light or warm it is?"""
    wanted = [name for name, pattern in language.AUDIENCE_WORDS.items() if pattern.search(request)]
    mine = audience(product)
    if "kids" in wanted and mine != "kids":
        return False
    if wanted and "kids" not in wanted and mine != "everyone" and mine not in wanted:
        return False
    said = f"{product.title} {product.description} {' '.join(product.attributes.values())}".lower()
    if any(not re.search(pattern, said) for pattern in language.activities(request)):
        return False
    if any(re.search(rf"\b{re.escape(word)}", product.title.lower()) for word in _unwanted(request)):
        return False  # "a real tent, not a tarp"
    kind = f"{product.title} {product.description} {product.attributes.get('use', '')}".lower()
    wanted_kinds = [k for k in language.product_kinds(request) if k not in _unwanted(request)]
    if any(not any(variant in kind for variant in language.synonyms(word)) for word in wanted_kinds):
        return False  # a lantern is no headlamp, though both are electronics
    if any(word not in said and word not in kind for word in features(request)):
        return False  # "with a rain cover", "in a wide fit"
    measures = _product_measures(product)
    for measure, low, high in measure_bounds(request):
        value = measures.get(measure)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return False
    return True
