"""Chunkers: products become one readable chunk each; documents split by heading, then size."""

from __future__ import annotations

import hashlib
import re

from langchain_text_splitters import (
    MarkdownHeaderTextSplitter,
    RecursiveCharacterTextSplitter,
)

from indexer.loaders import Document, FaqEntry
from rag.models import Chunk, Product


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _describe(product: Product) -> list[str]:
    """The facts that say what a product is: what shoppers search by meaning."""
    lines = [_finish(f"{product.title} (SKU {product.sku})" + (f" by {product.brand}" if product.brand else ""))]
    if product.category:
        lines.append(f"Category: {product.category}.")
    if product.description:
        lines.append(_finish(product.description))
    lines.extend(_finish(f"{_label(name)}: {value}") for name, value in product.attributes.items())
    return lines


def render_product(product: Product) -> str:
    """Readable text, one fact per sentence, so an extractive answer can quote a fact."""
    identity, *facts = _describe(product)
    lines = [identity, f"Price: ${product.price:,.2f} {product.currency}.", *facts]
    if product.sizes:
        lines.append(f"Sizes: {', '.join(product.sizes)}.")
    if product.colors:
        lines.append(f"Colours: {', '.join(product.colors)}.")
    lines.append(_availability(product))
    return "\n".join(lines)


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence.endswith((".", "!", "?", "。")) else sentence + "."


def _availability(product: Product) -> str:
    """Which variants can be bought now, and which cannot: "Availability: in stock in Black (S, M).
    Out of stock: Orange (L)." A shopper asking about one colour or size gets a plain answer."""
    if not product.variants:
        return "Availability: in stock." if product.stock else "Availability: out of stock."
    in_stock = _by_colour(v for v in product.variants if v.stock > 0)
    sold_out = _by_colour(v for v in product.variants if v.stock <= 0)
    if not in_stock:
        return "Availability: out of stock."
    line = f"Availability: in stock in {in_stock}."
    return f"{line}\nOut of stock: {sold_out}." if sold_out else line


def _by_colour(variants) -> str:
    by_colour: dict[str, list[str]] = {}
    for variant in variants:
        by_colour.setdefault(variant.color or "", []).append(variant.size or "")
    parts = []
    for colour, sizes in by_colour.items():
        sizes = [s for s in sizes if s]
        parts.append(f"{colour} ({', '.join(sizes)})" if sizes and colour else colour or ", ".join(sizes))
    return "; ".join(p for p in parts if p)


def product_chunk(product: Product, source: str) -> Chunk:
    metadata = product.model_dump(exclude_none=True)
    metadata.update(
        in_stock=product.in_stock,
        stock=product.stock,
        sizes=product.sizes,
        colors=product.colors,
        variant_skus=[v.sku for v in product.variants],
    )
    return Chunk(
        id=f"product:{product.sku}",
        kind="product",
        source=source,
        title=product.title,
        text=render_product(product),
        metadata=metadata,
        embed="\n".join(_describe(product)),
    )


_TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|[\s:\-|]+\|\s*$")


def tables_to_sentences(markdown: str) -> str:
    """Markdown table rows become sentences ("Express: delivery time next business day; cost $24.95.")."""
    out: list[str] = []
    header: list[str] | None = None
    for line in markdown.splitlines():
        row = _TABLE_ROW.match(line)
        if not row:
            header = None
            out.append(line)
            continue
        if _TABLE_RULE.match(line):
            continue
        cells = [cell.strip() for cell in row.group(1).split("|")]
        if header is None:
            header = cells
            continue
        facts = "; ".join(f"{h.lower()} {c}" for h, c in zip(header[1:], cells[1:]) if c)
        out.append(f"{cells[0]}: {facts}." if facts else f"{cells[0]}.")
    return "\n".join(out)


class DocumentChunker:
    """Split by Markdown heading, then by size; each chunk keeps its title and section path."""

    def __init__(self, chunk_size: int = 800, chunk_overlap: int = 100):
        self._headings = MarkdownHeaderTextSplitter(
            [("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=True
        )
        self._sizes = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            separators=["\n\n", "\n", "。", ". ", " ", ""],
            keep_separator="end",
        )

    def run(self, document: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        seen: dict[str, int] = {}
        for section in self._headings.split_text(tables_to_sentences(document.text)):
            path = [section.metadata[h] for h in ("h2", "h3") if h in section.metadata]
            section_name = " > ".join(path)
            for piece in self._sizes.split_text(section.page_content):
                if not piece.strip():
                    continue
                anchor = _slug(section_name) or "intro"
                seen[anchor] = seen.get(anchor, 0) + 1
                suffix = f"-{seen[anchor]}" if seen[anchor] > 1 else ""
                chunks.append(Chunk(
                    id=f"doc:{document.source}#{anchor}{suffix}",
                    kind="document",
                    source=document.source,
                    title=document.title,
                    section=section_name,
                    text=piece.strip(),
                ))
        return chunks


def faq_chunk(entry: FaqEntry) -> Chunk:
    key = hashlib.sha1(entry.question.strip().lower().encode("utf-8")).hexdigest()[:12]
    return Chunk(
        id=f"faq:{entry.source}#{key}",
        kind="faq",
        source=entry.source,
        title="Frequently asked questions",
        section=entry.question,
        text=entry.answer,
    )


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[\w]+", text.lower()))
