"""Chunkers: products become one readable chunk each (text from rag.product_record); documents split by heading,
then size."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from langchain_text_splitters import (
    MarkdownHeaderTextSplitter,
    RecursiveCharacterTextSplitter,
)

from indexer.loaders import Document, FaqEntry
from rag.models import Chunk
from rag.product_record import Product, describe, product_facts


def product_chunk(product: Product, source: str, today: date | None = None) -> Chunk:
    """One chunk per product: the product record's text, its typed facts as metadata (read back with
    ``Product.model_validate``), and what it is (not its price or stock) to embed."""
    today = today or date.today()
    metadata = product.model_dump(mode="json", exclude_none=True)
    metadata.update(
        in_stock=product.in_stock,
        stock=product.stock,
        sizes=product.sizes,
        colors=product.colors,
        variant_skus=[v.sku for v in product.variants],
        selling_price=product.lowest_price(today).paid,  # what the price filter compares, sale included
    )
    facts = product_facts(product, today)
    metadata["fact_labels"] = [fact.label for fact in facts]  # line by line: rag.product_record.labelled_lines
    return Chunk(
        id=f"product:{product.sku}",
        kind="product",
        source=source,
        title=product.title,
        text="\n".join(fact.text for fact in facts),
        metadata=metadata,
        embed="\n".join(describe(product)),
    )


def product_chunks(product: Product, source: str, today: date, splitter: RecursiveCharacterTextSplitter) -> list[Chunk]:
    """The product's chunk and, for a description longer than one chunk, the rest of it in further chunks
    (kind "document", titled with the product), so all of it is searchable and no passage is huge."""
    pieces = [p.strip() for p in splitter.split_text(product.description) if p.strip()] or [""]
    main = product_chunk(product.model_copy(update={"description": pieces[0]}), source, today)
    if len(pieces) == 1:
        return [main]
    main.metadata["description_parts"] = len(pieces)
    return [main] + [
        Chunk(id=f"{main.id}#description-{number}", kind="document", source=source, title=product.title,
              section=f"Description, part {number} of {len(pieces)}", text=piece, metadata={"product_sku": product.sku})
        for number, piece in enumerate(pieces[1:], start=2)
    ]


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
        self.sizes = RecursiveCharacterTextSplitter(
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
            for piece in self.sizes.split_text(section.page_content):
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
