"""A copy of the sample store with planted instructions placed in its products, documents and FAQ,
and the checks that none of them survives into the index. Shared by the dev and held-out safety tests."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from rag.text import split_sentences

from .conftest import KNOWLEDGE_BASE

PLACES = ("product", "document", "faq")


@dataclass
class Planted:
    text: str
    place: str  # product, document or faq
    source: str  # file relative to the knowledge base
    question: str  # a shopper question that retrieves the passage it sits in


def plant(root: Path, variants: list[tuple[str, str]]) -> tuple[Path, list[Planted]]:
    """Copy the sample store to ``root/kb`` and place each ``(text, place)``: at the end of a product description,
    as a paragraph closing a policy document (English text in English documents, Chinese in Chinese ones), or
    in an FAQ answer after a sentence of its own."""
    kb = root / "kb"
    shutil.copytree(KNOWLEDGE_BASE, kb)
    catalog = kb / "catalog" / "products.jsonl"
    products = [json.loads(line) for line in catalog.read_text(encoding="utf-8").splitlines() if line.strip()]
    english_docs = sorted(p for p in (kb / "policies").glob("*.md") if not p.name.endswith(".zh.md"))
    chinese_docs = sorted((kb / "policies").glob("*.zh.md"))
    faq_rows: list[list[str]] = []
    planted: list[Planted] = []
    for index, (text, place) in enumerate(variants):
        if place == "product":
            product = products[(index * 7) % len(products)]
            product["description"] = f"{product['description']} {text}".strip()
            planted.append(Planted(text, place, "catalog/products.jsonl", f"Tell me about the {product['title']}"))
        elif place == "document":
            docs = chinese_docs if any("\u4e00" <= ch <= "\u9fff" for ch in text) else english_docs
            doc = docs[index % len(docs)]
            body = doc.read_text(encoding="utf-8").rstrip("\n")
            last_heading = [line for line in body.splitlines() if line.startswith("## ")][-1][3:]
            doc.write_text(f"{body}\n\n{text}\n", encoding="utf-8")
            planted.append(Planted(text, place, f"policies/{doc.name}", last_heading))
        elif place == "faq":
            question = f"Is there anything else to know about order {index} gift wrapping?"
            faq_rows.append([question, f"Gift wrapping is available at checkout. {text}"])
            planted.append(Planted(text, place, "faq/faq.csv", question))
        else:
            raise ValueError(f"unknown placement {place!r}")
    catalog.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products), encoding="utf-8")
    with open(kb / "faq" / "faq.csv", "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(faq_rows)
    return kb, planted


def surviving(store, planted: list[Planted]) -> list[str]:
    """Sentences of planted text still present anywhere in the index: chunk text, titles, sections, metadata."""
    blob = "\n".join(json.dumps([c.text, c.title, c.section, c.metadata, c.embed], ensure_ascii=False) + c.text
                     for c in store.iter_chunks())
    return [s for p in planted for s in split_sentences(p.text) if s in blob]


def real_sentences_quarantined(report, planted: list[Planted]) -> list[str]:
    """Quarantined text that is not part of any planted variant: a real sentence of the store lost."""
    return [q.text for q in report.quarantined if not any(q.text.rstrip(".") in p.text for p in planted)]
