"""Product cards for shopping requests, each with a reason taken from the product's own facts."""

from __future__ import annotations

from datetime import date

from rag import language
from rag.constraints import (
    NOT_FACTS,
    UNMET_KINDS,
    AttributeWishes,
    audience,
    fits,
    made_for_children,
    superlative_key,
    unmet,
    words_said,
)
from rag.filters import Filters, Vocabulary
from rag.models import CardVariant, Passage, ProductCard
from rag.product_record import Product, money
from rag.text import content_words


def _matches(words: set[str], text: str) -> bool:
    found = set(content_words(text))
    return any(w in found or any(f.startswith(w[:4]) for f in found if len(w) >= 4) for w in words)


def _fact_sentence(name: str, value: str) -> str:
    """One attribute as a sentence: "It is waterproof.", "Its weight is 310 g."."""
    label = name.replace("_", " ")
    if language.flag(value) is True:
        return f"It is {label}." if not label.startswith(("has ", "with ")) else f"It {label}."
    if language.flag(value) is False:
        return f"It is not {label}."
    return f"Its {label} is {value.rstrip('.')}."


def reason_for(product: Product, question: str, filters: Filters, today: date | None = None) -> str:
    """Why this product fits, in whole sentences: the attributes the question asked about, and the constraints
    it meets ("It is waterproof. It costs $89.00, within your $100 budget. It comes in size M and is in stock.")."""
    words = {w for w in content_words(question) if len(w) > 2}
    facts = [_fact_sentence(name, value) for name, value in product.attributes.items()
             if name not in NOT_FACTS and _matches(words, f"{name} {value}")]
    if not facts and product.description:
        first = product.description.split(". ")[0].rstrip(".")
        facts.append(first if first.endswith(("。", "！", "？")) else f"{first}.")
    if filters.audience and audience(product) == filters.audience:
        facts.append(f"It is made for {filters.audience}.")
    if filters.activity and filters.activity not in " ".join(facts).lower():
        facts.append(f"It is made for {filters.activity}.")
    if filters.max_price is not None:
        paid = product.lowest_price(today or date.today()).paid
        facts.append(f"It costs {money(paid, product.currency)}, within your "
                     f"{money(filters.max_price, product.currency, whole=True)} budget.")
    offered = " ".join(v for v in (filters.color and filters.color.lower(), filters.size and f"size {filters.size}") if v)
    if offered:
        facts.append(f"It comes in {offered}{' and is in stock' if filters.in_stock else ''}.")
    elif filters.in_stock:
        facts.append("It is in stock.")
    return " ".join(facts)


def product_card(product: Product, reason: str, chunk_id: str, today: date) -> ProductCard:
    """A card with today's prices (the sale price and what it is reduced from) and each variant's state."""
    variants = [CardVariant(name=v.name, sku=v.sku, price=product.price_of(v, today).paid,
                            availability=product.card_availability(v)) for v in product.variants]
    lowest = product.lowest_price(today)
    return ProductCard(
        sku=product.sku, title=product.title, price=lowest.paid, original_price=lowest.original,
        currency=product.currency, availability=product.card_availability(), url=product.url,
        image_url=product.image_url, variants=variants, reason=reason, citation_chunk_id=chunk_id,
    )


def product_cards(passages: list[Passage], question: str, filters: Filters, limit: int = 3,
                  waived: frozenset[str] = frozenset(), vocabulary: Vocabulary | None = None,
                  glosses: tuple[str, ...] = ()) -> list[ProductCard]:
    """Cards for the product passages, best first; passages already passed every hard filter. ``waived`` names
    kinds of constraint not checked. A superlative request ("the cheapest headlamp") gets the best product only;
    else those that say the most of what was asked for (``glosses``: the store's English for a Chinese request)."""
    today = date.today()
    found = [(Product.model_validate(p.chunk.metadata), p.chunk.id) for p in passages if p.chunk.kind == "product"]
    wishes = AttributeWishes.read(question, [product for product, _ in found])  # "fragrance-free", "for oily skin"
    # "a toner or a moisturiser"; "a self watering pot", but "a plant that can handle low light" asks for no light
    named = vocabulary.categories_named(wishes.asked_part(question)) if vocabulary else set()
    fitting = [(product, chunk_id) for product, chunk_id in found
               if fits(product, question, filters, waived) and not wishes.unmet_by(product)
               and (not named or product.category in named)]
    if language.audiences(question) == ["kids"] and any(made_for_children(product) for product, _ in fitting):
        fitting = [(product, chunk_id) for product, chunk_id in fitting if made_for_children(product)]  # made for them
    if (wishes.flags or wishes.free_of) and any(wishes.affirmed_by(product) for product, _ in fitting):  # those that say so, first of all
        fitting = [(product, chunk_id) for product, chunk_id in fitting if wishes.affirmed_by(product)]
    key = superlative_key(question)
    if fitting and key:  # "the cheapest tent that sleeps 3": the cheapest, and ties
        fitting.sort(key=lambda found: key(found[0]))
        best = key(fitting[0][0])
        if not best[0]:  # it states the measure
            fitting = [found for found in fitting if key(found[0]) == best]
    elif fitting:  # those that say the most of what was asked for ("a synthetic insulated layer")
        said = {chunk_id: words_said(product, question, glosses) for product, chunk_id in fitting}
        fitting = [(product, chunk_id) for product, chunk_id in fitting if said[chunk_id] == max(said.values())]
    return [product_card(product, reason_for(product, question, filters, today), chunk_id, today)
            for product, chunk_id in fitting[:limit]]


def unmet_constraint(passages: list[Passage], question: str, filters: Filters) -> str | None:
    """When no product fits: the kind of constraint (UNMET_KINDS) the closest product misses, the one that
    meets the most of the others; None when no product passage was found at all."""
    missed = [unmet(Product.model_validate(p.chunk.metadata), question, filters) for p in passages if p.chunk.kind == "product"]
    missed = [kind for kind in missed if kind is not None]
    return max(missed, key=UNMET_KINDS.index) if missed else None
