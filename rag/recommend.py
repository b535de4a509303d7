"""Product cards for shopping requests, each with a reason taken from the product's own facts."""

from __future__ import annotations

from rag.constraints import fits
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
