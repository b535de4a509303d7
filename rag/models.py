"""Typed data objects that flow between the pipeline's steps and out of the API."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

# The product record owns products; they are imported from here too, with the other data objects.
from rag.product_record import Availability, Product, Variant

__all__ = ["Answer", "Availability", "CardVariant", "Chunk", "Citation", "FaqMatchReport", "GroundingReport",
           "PartReport", "Passage", "Product", "ProductCard", "SentenceCheck", "Variant"]

ChunkKind = Literal["product", "document", "faq"]


class Chunk(BaseModel):
    """One retrievable unit: a product, a document section, or an FAQ pair."""

    id: str
    kind: ChunkKind
    source: str  # file the chunk came from, relative to the knowledge base
    title: str  # product title or document title
    section: str = ""  # heading path inside a document, "A > B"
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    # What the embedder sees, when it should differ from ``text``: a product's
    # searchable facts without its price and stock, which filters handle.
    embed: str | None = None

    def embedding_text(self) -> str:
        """The text to embed: ``embed``, or the text with its title and section as context."""
        if self.embed is not None:
            return self.embed
        heading = " > ".join(part for part in (self.title, self.section) if part)
        return f"{heading}\n{self.text}" if heading else self.text

    @property
    def content_hash(self) -> str:
        """Changes whenever anything shown or stored changes."""
        return _sha256([self.kind, self.source, self.title, self.section, self.text, self.metadata])

    @property
    def embedding_hash(self) -> str:
        """Changes only when the vector must be recomputed."""
        return _sha256(self.embedding_text())


def _sha256(value: Any) -> str:
    payload = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Passage(BaseModel):
    """A retrieved chunk with its ranking score, its cosine similarity and 1-based rank."""

    chunk: Chunk
    score: float
    similarity: float
    rank: int
    space: str = "primary"  # the vector space the similarity was measured in
    exact_match: bool = False  # the query named this product's SKU, GTIN or MPN


class Citation(BaseModel):
    number: int
    chunk_id: str
    source: str
    title: str
    section: str = ""
    snippet: str  # the passage text that supports the cited sentence
    score: float
    sku: str | None = None  # the product's SKU when the cited passage is a product


class SentenceCheck(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    support: float
    supported: bool
    evidence: str | None = None  # the cited passage's sentence that supports it best
    reason: str | None = None

    def rendered(self) -> str:
        """The sentence as the shopper reads it, with its [n] markers."""
        return f"{self.text} {''.join(f'[{n}]' for n in self.citations)}"


class GroundingReport(BaseModel):
    sentences: list[SentenceCheck] = Field(default_factory=list)
    supported_share: float = 0.0
    dropped: list[SentenceCheck] = Field(default_factory=list)
    fallback: str | None = None  # "extractive" when the generator's draft was replaced
    generation_error: str | None = None  # why the LLM gave no draft: http_4xx, http_5xx, timeout, malformed, empty...


class CardVariant(BaseModel):
    """One buyable variant on a product card; stock counts are never shown, only their state."""

    name: str  # "Blue / M"
    sku: str
    price: float  # what the shopper pays for this variant today
    availability: Availability


class ProductCard(BaseModel):
    """A recommended product, as a shop front shows it, with the reason it fits."""

    sku: str
    title: str
    price: float  # what the shopper pays today (the sale price during a sale); the lowest variant price
    original_price: float | None = None  # the regular or compare-at price, only while ``price`` is lower
    currency: str  # ISO 4217 code: render with the currency's own symbol ("€24.90"), never "$" for all
    availability: Availability
    url: str  # http(s) only, or empty
    image_url: str = ""  # http(s) only, or empty
    variants: list[CardVariant] = Field(default_factory=list)
    reason: str
    citation_chunk_id: str


class PartReport(BaseModel):
    """The reader's decision on one part of the question, with its reason and evidence."""

    question: str
    kind: str  # yes_no, amount, duration, list, compare, open
    answerable: bool
    reason: str
    direct: str | None = None
    evidence: list[str] = Field(default_factory=list)
    coverage: float | None = None  # of the key terms, by the best sentence (weighted)
    similarity: float | None = None  # of the best sentence to the part
    missing: list[str] = Field(default_factory=list)  # key terms the best sentence leaves open
    signals: dict[str, float] = Field(default_factory=dict)  # what the answerability decision was made on


class FaqMatchReport(BaseModel):
    """The FAQ entry whose question matched the shopper's, and how closely (rag/faq.py)."""

    chunk_id: str
    question: str
    score: float  # the weighted score the threshold was applied to
    signals: dict[str, float] = Field(default_factory=dict)  # each similarity it was made of


class Answer(BaseModel):
    text: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    handoff: bool = False
    refusal_reason: str | None = None
    # answered, refused (the store's information does not say) or handed_off (a person is needed)
    outcome: Literal["answered", "refused", "handed_off"] = "answered"
    intent: str = "question"  # own_order, person, complaint or question: how the message was routed; or the
    # kind of small talk (greeting, thanks, goodbye, acknowledgement) that got a short reply
    upset: bool = False  # the shopper seemed upset (a complaint, or a second refusal in a row): a person was offered
    reading: list[PartReport] = Field(default_factory=list)  # the reader's decision per part of the question
    language: Literal["en", "zh"] = "en"
    rewritten_query: str | None = None  # a follow-up, resolved against the conversation
    faq: FaqMatchReport | None = None  # the FAQ entry the question matched, when the answer comes from it
    filters: dict[str, Any] | None = None  # hard constraints applied to the search
    grounding: GroundingReport | None = None
    products: list[ProductCard] = Field(default_factory=list)  # cards for shopping requests
    timings_ms: dict[str, float] = Field(default_factory=dict)  # per stage: retrieve, generate, verify
    passages: list[Passage] = Field(default_factory=list)
