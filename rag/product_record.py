"""The product record: the one typed product every catalog format becomes, and the one place that turns its
facts into what shoppers read.

Facts are stored typed (a chunk's metadata is ``Product.model_dump(mode="json")``) and read back with
``Product.model_validate``; nothing parses them out of text. ``product_facts`` writes the product text the
reader quotes, one labelled fact per line ("Price: €19.90 on sale until 31 December 2026 (regular price
€24.90)."); the labels are stored with the chunk, and ``labelled_lines`` gives them back with the lines.
Prices, sale windows and availability are decided here for a given day, so the text, the cards and the
price filter all say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import localcontext
from typing import Literal

from babel.numbers import format_currency, get_currency_symbol, is_currency
from bs4 import BeautifulSoup
from pydantic import AliasChoices, BaseModel, Field, computed_field, field_validator

# What a feed can state about a product or variant; a card adds "low stock" when few units are left.
StatedAvailability = Literal["in stock", "out of stock", "preorder", "backorder"]
Availability = Literal["in stock", "low stock", "out of stock", "preorder", "backorder"]
# A card says "low stock" at or below this many units (exact counts are never shown).
LOW_STOCK_UNITS = 5

# Labels of the product text's fact lines ("Label: value"); stored with each chunk, see labelled_lines.
PRICE, SIZES, COLOURS, AVAILABILITY, OUT_OF_STOCK, PREORDER, BACKORDER = (
    "Price", "Sizes", "Colours", "Availability", "Out of stock", "Preorder", "Backorder")

_AVAILABILITY_WORDS: dict[str, StatedAvailability] = {
    "in stock": "in stock", "in_stock": "in stock", "instock": "in stock", "available": "in stock",
    "out of stock": "out of stock", "out_of_stock": "out of stock", "outofstock": "out of stock",
    "sold out": "out of stock", "preorder": "preorder", "pre-order": "preorder", "pre_order": "preorder",
    "backorder": "backorder", "back-order": "backorder", "back_order": "backorder",
}


def _attribute_text(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return ", ".join(str(_attribute_text(v)) for v in value)
    return plain_text(value) if isinstance(value, str) else value  # anything else is rejected, naming the field


def availability_from(value: str) -> StatedAvailability:
    """A feed's availability word ("in_stock", "preorder", "http://schema.org/BackOrder") as ours."""
    word = str(value).strip().lower().rsplit("/", 1)[-1]
    if word in _AVAILABILITY_WORDS:
        return _AVAILABILITY_WORDS[word]
    raise ValueError(f"unknown availability {value!r} (use in stock, out of stock, preorder or backorder)")


MONEY_DIGITS = 64  # decimal precision for writing an amount out; the default 28 fails on "max_price": 1e28


def money(amount: float, currency: str, *, whole: bool = False) -> str:
    """'$89.00', '€24.90', '£12.00', '¥2,500', 'CA$24.90'; a currency without a symbol of its own: '24.90 CHF'.
    ``whole`` leaves out zero cents ('$120')."""
    code = currency.upper()
    digits = "#,##0" if whole and float(amount).is_integer() else "#,##0.00"
    own_symbol = get_currency_symbol(code, locale="en_US") != code
    pattern = f"¤{digits}" if own_symbol else f"{digits} ¤¤"
    with localcontext() as context:
        context.prec = MONEY_DIGITS
        return format_currency(amount, code, format=pattern, locale="en_US", currency_digits=digits.endswith("00"))


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


_MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
# Never shown to shoppers: page furniture and code inside an HTML description.
_HIDDEN_TAGS = ("script", "style", "noscript", "iframe", "svg", "template")


def plain_text(value: str) -> str:
    """Text as a shopper reads it: HTML tags, scripts and entities of a feed's description gone, blocks
    and list items on their own lines kept apart by spaces; text without markup is left as it is."""
    if not _MARKUP.search(value):
        return value.strip()
    soup = BeautifulSoup(value, "html.parser")
    for tag in soup(_HIDDEN_TAGS):
        tag.decompose()
    for item in soup("li"):  # a list item is a sentence of its own
        if not item.get_text().strip().endswith((".", "!", "?", ":", ";", "。")):
            item.append(".")
    return " ".join(soup.get_text(" ").split()).replace(" .", ".")


_GTIN_LENGTHS = (8, 12, 13, 14)


def valid_gtin(value: str) -> bool:
    """GTIN-8/12 (UPC)/13 (EAN)/14 with a correct check digit."""
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in _GTIN_LENGTHS:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def identifier_forms(value: str) -> set[str]:
    """How an identifier is looked up: lower-cased, also without dashes and spaces; a GTIN as 14 digits, so
    a UPC-A and its EAN-13 ('0' in front) find each other."""
    lowered = str(value).strip().lower()
    if not lowered:
        return set()
    forms = {lowered, re.sub(r"[\s\-_./]", "", lowered)}
    if valid_gtin(lowered):
        forms.add(lowered.zfill(14))
    return forms


_QUERY_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_./]*[A-Za-z0-9]")


def identifier_candidates(text: str) -> list[str]:
    """Every word of a question that could be an identifier, in its lookup forms: 'tent-ultra', 'jk1001',
    a GTIN written with spaces ('0 12345 67890 5'). Lookup is exact, so ordinary words match nothing."""
    words = [w for w in _QUERY_IDENTIFIER.findall(text) if len(w) >= 3]
    spaced_digits = [re.sub(r"\s", "", m) for m in re.findall(r"\d[\d ]{6,}\d", text)]
    return sorted({form for word in words + spaced_digits for form in identifier_forms(word)})


class Pricing(BaseModel):
    """Price facts shared by a product and its variants; a variant's None means "the product's"."""

    price: float | None = Field(default=None, ge=0)  # the regular selling price
    compare_at_price: float | None = Field(default=None, ge=0)  # the original price a sale is measured against
    sale_price: float | None = Field(default=None, ge=0)
    sale_start: date | None = None  # first day of the sale, inclusive; None: already running
    sale_end: date | None = None  # last day of the sale, inclusive; None: until further notice


class Variant(Pricing):
    sku: str
    size: str | None = None
    color: str | None = None
    options: dict[str, str] = Field(default_factory=dict)  # other options, e.g. {"capacity": "1 L"}
    stock: int | None = None  # units on hand; None when the feed states availability only
    availability: StatedAvailability | None = None  # stated by the feed; else read from stock
    availability_date: date | None = None  # when a preorder or backorder ships
    gtin: str | None = None

    @property
    def name(self) -> str:
        """'Blue / M / 1 L', or the SKU for a variant without options."""
        parts = [p for p in (self.color, self.size, *self.options.values()) if p]
        return " / ".join(parts) or self.sku

    @property
    def state(self) -> StatedAvailability:
        if self.availability is not None:
            return self.availability
        return "in stock" if (self.stock or 0) > 0 else "out of stock"

    @computed_field  # stored with the product, so the index filters sizes and colours in stock
    @property
    def in_stock(self) -> bool:
        return self.state == "in stock"


class Product(Pricing):
    """The one product model every catalog format is normalised into."""

    sku: str
    title: str
    brand: str = ""
    category: str = ""
    price: float = Field(ge=0)
    currency: str = "USD"
    description: str = ""
    url: str = ""
    image_url: str = Field(default="", validation_alias=AliasChoices("image_url", "image"))
    gtin: str | None = None
    mpn: str | None = None
    availability: StatedAvailability | None = None  # for a product without variants
    availability_date: date | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    variants: list[Variant] = Field(default_factory=list)

    @field_validator("title", "description", mode="before")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        return plain_text(value) if isinstance(value, str) else value

    @field_validator("attributes", mode="before")
    @classmethod
    def _plain_attributes(cls, value: object) -> object:
        """Catalogs write numbers, yes/no and lists as JSON ("frets": 22, "bluetooth": true, "styles": ["rock", "pop"]):
        each becomes the text a shopper reads ("22", "yes", "rock, pop")."""
        if isinstance(value, dict):
            return {k: _attribute_text(v) for k, v in value.items()}
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_currency(code):
            raise ValueError(f"unknown currency code {value!r} (use ISO 4217, e.g. USD, EUR)")
        return code

    @field_validator("url", "image_url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://[^\s/]+", value, re.I):
            raise ValueError(f"not an http(s) link: {value[:80]!r}")
        return value

    @property
    def stock(self) -> int:
        return sum(v.stock or 0 for v in self.variants)

    @property
    def in_stock(self) -> bool:
        if not self.variants:
            return self.availability == "in stock"
        return any(v.in_stock for v in self.variants)

    @property
    def sizes(self) -> list[str]:
        return list(dict.fromkeys(v.size for v in self.variants if v.size))

    @property
    def colors(self) -> list[str]:
        return list(dict.fromkeys(v.color for v in self.variants if v.color))

    # Prices on a given day ---------------------------------------------------------------------

    def price_of(self, variant: Variant | None, today: date) -> PriceNow:
        """What the shopper pays for the product (or one variant) on ``today``, and the original price if on sale."""
        own = variant if variant is not None and variant.price is not None else None  # a variant priced apart
        regular = own.price if own else self.price
        if variant is not None and variant.sale_price is not None:
            sale, start, end = variant.sale_price, variant.sale_start, variant.sale_end
        elif own is None:
            sale, start, end = self.sale_price, self.sale_start, self.sale_end
        else:
            sale = start = end = None
        compare_at = variant.compare_at_price if variant is not None and variant.compare_at_price is not None else (
            None if own else self.compare_at_price)
        if sale is not None and sale < regular:
            if (start is None or start <= today) and (end is None or today <= end):
                return PriceNow(sale, regular, sale_end=end)
            if start is not None and today < start:
                return PriceNow(regular, coming_sale=sale, coming_from=start)
        if compare_at is not None and compare_at > regular:
            return PriceNow(regular, compare_at, compare_at=True)
        return PriceNow(regular)

    def lowest_price(self, today: date) -> PriceNow:
        """The lowest price paid for any variant today: a card's price, the price filter's."""
        prices = [self.price_of(v, today) for v in self.variants] or [self.price_of(None, today)]
        return min(prices, key=lambda p: p.paid)

    def state_of(self, variant: Variant | None) -> tuple[StatedAvailability, date | None]:
        if variant is not None:
            return variant.state, variant.availability_date
        if self.variants:
            states = [v.state for v in self.variants]
            for state in ("in stock", "preorder", "backorder"):
                if state in states:
                    dates = [v.availability_date for v in self.variants if v.state == state and v.availability_date]
                    return state, min(dates) if dates else None
            return "out of stock", None
        return self.availability or "out of stock", self.availability_date

    def card_availability(self, variant: Variant | None = None) -> Availability:
        """In stock, low stock (few units, count never shown), out of stock, preorder or backorder."""
        state, _ = self.state_of(variant)
        units = variant.stock if variant is not None else (self.stock if any(v.stock is not None for v in self.variants) else None)
        if state == "in stock" and units is not None and 0 < units <= LOW_STOCK_UNITS:
            return "low stock"
        return state


@dataclass(frozen=True)
class PriceNow:
    """A price on one day: what is paid, the price it is reduced from, and a sale still to come."""

    paid: float
    original: float | None = None  # the regular or compare-at price, when ``paid`` is lower
    compare_at: bool = False  # ``original`` is a compare-at price (Shopify), not a sale window (Merchant)
    sale_end: date | None = None
    coming_sale: float | None = None
    coming_from: date | None = None

    def text(self, currency: str) -> str:
        """'€19.90 on sale until 31 December 2026 (regular price €24.90)', '$59.00 on sale (original price $79.00)'."""
        said = money(self.paid, currency)
        if self.original is not None:
            until = f" until {long_date(self.sale_end)}" if self.sale_end else ""
            kind = "original" if self.compare_at else "regular"
            said += f" on sale{until} ({kind} price {money(self.original, currency)})"
        elif self.coming_sale is not None:
            said += f" (on sale for {money(self.coming_sale, currency)} from {long_date(self.coming_from)})"
        return said


# Text ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFact:
    """One line of a product's text and what it states: "Price", "Colours", an attribute's label, a
    variant's name; empty for the line naming the product and for its description."""

    label: str
    text: str


def describe(product: Product) -> list[str]:
    """The facts that say what a product is, what shoppers search by meaning (no price or stock)."""
    return [fact.text for fact in _what_it_is(product)]


def _what_it_is(product: Product) -> list[ProductFact]:
    facts = [ProductFact("", _finish(f"{product.title} (SKU {product.sku})" + (f" by {product.brand}" if product.brand else "")))]
    if product.category:
        facts.append(ProductFact("Category", f"Category: {product.category}."))
    if product.description:
        facts.append(ProductFact("", _finish(" ".join(product.description.split()))))
    facts.extend(ProductFact(_label(name), _finish(f"{_label(name)}: {' '.join(value.split())}"))
                 for name, value in product.attributes.items())
    return facts


def product_facts(product: Product, today: date) -> list[ProductFact]:
    """The product's text as labelled lines, one fact per line, so an answer can quote a fact."""
    identity, *facts = _what_it_is(product)
    lines = [identity, ProductFact(PRICE, f"{PRICE}: {_price_line(product, today)}."), *facts]
    if product.sizes:
        lines.append(ProductFact(SIZES, f"{SIZES}: {', '.join(product.sizes)}."))
    if product.colors:
        lines.append(ProductFact(COLOURS, f"{COLOURS}: {', '.join(product.colors)}."))
    lines.extend(_availability_lines(product))
    lines.extend(_variant_lines(product, today))
    return lines


def render_product(product: Product, today: date) -> str:
    """The product text shoppers read and answers quote: the facts' lines."""
    return "\n".join(fact.text for fact in product_facts(product, today))


def labelled_lines(text: str, metadata: dict) -> list[ProductFact]:
    """A stored product chunk's lines with the label each was written with (``fact_labels`` in its
    metadata, see indexer/chunking.py); no label is guessed from the text."""
    labels = metadata.get("fact_labels") or []
    lines = text.splitlines()
    return [ProductFact(labels[i] if i < len(labels) else "", line) for i, line in enumerate(lines)]


def _price_line(product: Product, today: date) -> str:
    if _prices_differ(product, today):
        paid = sorted(product.price_of(v, today).paid for v in product.variants)
        return f"from {money(paid[0], product.currency)} to {money(paid[-1], product.currency)}, by variant"
    variant = product.variants[0] if product.variants else None
    return product.price_of(variant, today).text(product.currency)


def _prices_differ(product: Product, today: date) -> bool:
    seen = {(p.paid, p.original) for p in (product.price_of(v, today) for v in product.variants)}
    return len(seen) > 1


def _availability_lines(product: Product) -> list[ProductFact]:
    """Which variants can be bought now and which cannot: "Availability: in stock in Black (S, M).",
    "Out of stock: Orange (L).", "Preorder: Blue (M), ships from 15 January 2027." """
    if not product.variants or not any(v.color or v.size for v in product.variants) or _one_state(product):
        state, when = product.state_of(None)
        return [ProductFact(AVAILABILITY, f"{AVAILABILITY}: {state}{_ships(when) if state in ('preorder', 'backorder') else ''}.")]
    by_state = {state: [v for v in product.variants if v.state == state]
                for state in ("in stock", "out of stock", "preorder", "backorder")}
    lines = [ProductFact(AVAILABILITY, f"{AVAILABILITY}: in stock in {_by_colour(by_state['in stock'])}."
                         if by_state["in stock"] else f"{AVAILABILITY}: out of stock.")]
    if by_state["in stock"] and by_state["out of stock"]:
        lines.append(ProductFact(OUT_OF_STOCK, f"{OUT_OF_STOCK}: {_by_colour(by_state['out of stock'])}."))
    for label, state in ((PREORDER, "preorder"), (BACKORDER, "backorder")):
        if by_state[state]:
            dates = [v.availability_date for v in by_state[state] if v.availability_date]
            lines.append(ProductFact(label, f"{label}: {_by_colour(by_state[state])}{_ships(min(dates) if dates else None)}."))
    return lines


def _one_state(product: Product) -> bool:
    """Every variant in the same state, and not in stock: one plain line says it."""
    states = {v.state for v in product.variants}
    return len(states) == 1 and "in stock" not in states and "out of stock" not in states


def _ships(when: date | None) -> str:
    return f", ships from {long_date(when)}" if when else ""


def _variant_lines(product: Product, today: date) -> list[ProductFact]:
    """One line per variant when prices differ by variant: "Blue / 1 L: $59.00, out of stock." """
    if not _prices_differ(product, today):
        return []
    lines = []
    for variant in product.variants:
        price = product.price_of(variant, today).text(product.currency)
        state, when = product.state_of(variant)
        lines.append(ProductFact(variant.name, f"{variant.name}: {price}, {state}"
                                               f"{_ships(when) if state in ('preorder', 'backorder') else ''}."))
    return lines


def _by_colour(variants: list[Variant]) -> str:
    by_colour: dict[str, list[str]] = {}
    for variant in variants:
        by_colour.setdefault(variant.color or "", []).append(variant.size or "")
    parts = []
    for colour, sizes in by_colour.items():
        sizes = [s for s in sizes if s]
        parts.append(f"{colour} ({', '.join(sizes)})" if sizes and colour else colour or ", ".join(sizes))
    return "; ".join(p for p in parts if p)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence.endswith((".", "!", "?", "。")) else sentence + "."
