"""Loaders: read one file each and return normalised items plus precise rejections.

A bad row or file never stops the run: it becomes a Rejection naming the file,
the line or item, the field and the reason, and everything valid is kept.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from rag.models import Product, Variant


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int | None
    item: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = " ".join(part for part in (
            f"item {self.item}" if self.item else "",
            f"field {self.field!r}" if self.field else "",
        ) if part)
        return f"{where}: {what + ': ' if what else ''}{self.reason}"


@dataclass
class Document:
    """A policy or help document, as text with Markdown headings."""

    source: str
    title: str
    text: str


@dataclass
class FaqEntry:
    source: str
    question: str
    answer: str


@dataclass(frozen=True)
class LoadOptions:
    """Per-run loader settings, taken from Settings."""

    fields: dict[str, str] = field(default_factory=dict)  # our field name -> the feed's column
    default_currency: str = "USD"
    store_url: str = ""

    def rename(self, row: dict) -> dict:
        """Map a team's own column names onto ours."""
        if not self.fields:
            return row
        renamed = dict(row)
        for ours, theirs in self.fields.items():
            if theirs in row:
                renamed[ours] = renamed.pop(theirs)
        return renamed


@dataclass
class Loaded:
    kind: str  # "product", "document" or "faq"
    source: str
    items: list = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    read: int = 0  # items read, valid or not


_PRICE = re.compile(r"^\s*(?:[A-Z]{3}\s*)?[$€£¥]?\s*(\d+(?:[.,]\d{3})*(?:\.\d+)?)\s*(?:([A-Z]{3}))?\s*$")


def parse_price(value: object) -> tuple[float, str | None]:
    """'$89.00', '89.00 USD', '1,299.00' -> (amount, currency or None)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount, currency = float(value), None
    else:
        match = _PRICE.match(str(value or ""))
        if not match:
            raise ValueError(f"not a price: {value!r}")
        amount, currency = float(match.group(1).replace(",", "")), match.group(2)
    if amount < 0:
        raise ValueError(f"negative price: {value!r}")
    return amount, currency


def _validation_rejections(source: str, line: int, item: str | None, exc: ValidationError) -> list[Rejection]:
    return [
        Rejection(source, line, item, ".".join(str(p) for p in err["loc"]) or None, err["msg"])
        for err in exc.errors()
    ]


def product_from_dict(data: object, options: LoadOptions, loaded: Loaded, line: int | None, item: str | None) -> None:
    """Validate one product object (JSON shape) into ``loaded``: a product or rejections."""
    if not isinstance(data, dict):
        loaded.rejections.append(Rejection(loaded.source, line, item, None, "not a JSON object"))
        return
    data = options.rename(data)
    item = str(data.get("sku") or item or "") or None
    try:
        if "price" in data:
            amount, currency = parse_price(data["price"])
            data = {**data, "price": amount, "currency": data.get("currency") or currency or options.default_currency}
        loaded.items.append(Product.model_validate(data))
    except ValidationError as exc:
        loaded.rejections.extend(_validation_rejections(loaded.source, line, item, exc))
    except ValueError as exc:
        loaded.rejections.append(Rejection(loaded.source, line, item, "price", str(exc)))


def load_catalog_jsonl(path: Path, source: str, options: LoadOptions) -> Loaded:
    """One product per line, variants nested."""
    loaded = Loaded("product", source)
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            loaded.read += 1
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                loaded.rejections.append(Rejection(source, line_no, None, None, f"invalid JSON: {exc.msg}"))
                continue
            product_from_dict(data, options, loaded, line_no, None)
    return loaded


_UNREADABLE = object()


def read_json(path: Path, loaded: Loaded) -> object:
    """The file's JSON, or _UNREADABLE after recording why (the file counts as one rejected item)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        loaded.read = 1
        line = getattr(exc, "lineno", None)
        loaded.rejections.append(Rejection(loaded.source, line, None, None, f"invalid JSON: {getattr(exc, 'msg', exc)}"))
        return _UNREADABLE


def read_text(path: Path, loaded: Loaded) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        loaded.rejections.append(Rejection(loaded.source, None, None, None, f"not UTF-8 text: {exc.reason}"))
        return None


def add_document(loaded: Loaded, title: str, text: str) -> Loaded:
    if not text.strip():
        loaded.rejections.append(Rejection(loaded.source, None, None, None, "no text found"))
    else:
        loaded.items.append(Document(source=loaded.source, title=title, text=text))
    return loaded


def title_from(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip().title()


def load_catalog_json(path: Path, source: str, options: LoadOptions) -> Loaded:
    """A JSON array of products (or {"products": [...]})."""
    loaded = Loaded("product", source)
    data = read_json(path, loaded)
    if data is _UNREADABLE:
        return loaded
    products = data.get("products") if isinstance(data, dict) else data
    if not isinstance(products, list):
        loaded.read = 1
        loaded.rejections.append(Rejection(source, None, None, None, "expected a list of products"))
        return loaded
    for number, product in enumerate(products, start=1):
        loaded.read += 1
        product_from_dict(product, options, loaded, None, f"#{number}")
    return loaded


def load_catalog_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    """One row per variant, grouped by the product ``sku`` column.

    Product fields are read from the first row of a product; ``attr:<name>``
    columns become attributes.
    """
    loaded = Loaded("product", source)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for raw in reader:
            line_no = reader.line_num
            row = options.rename(raw)
            sku = (row.get("sku") or "").strip()
            if not sku:
                loaded.read += 1
                loaded.rejections.append(Rejection(source, line_no, None, "sku", "missing SKU"))
                continue
            groups.setdefault(sku, []).append((line_no, row))
    for sku, rows in groups.items():
        loaded.read += 1
        first_line, first = rows[0]
        try:
            amount, currency = parse_price(first.get("price"))
        except ValueError as exc:
            loaded.rejections.append(Rejection(source, first_line, sku, "price", str(exc)))
            continue
        variants = []
        for line_no, row in rows:
            if not row.get("variant_sku"):
                continue
            try:
                stock = int(row.get("stock") or 0)
            except ValueError:
                loaded.rejections.append(
                    Rejection(source, line_no, row["variant_sku"], "stock", f"not a whole number: {row.get('stock')!r}")
                )
                continue
            variants.append(Variant(
                sku=row["variant_sku"], size=row.get("size") or None, color=row.get("color") or None, stock=stock,
            ))
        try:
            loaded.items.append(Product(
                sku=sku,
                title=first.get("title", ""),
                brand=first.get("brand", ""),
                category=first.get("category", ""),
                price=amount,
                currency=first.get("currency") or currency or options.default_currency,
                description=first.get("description", ""),
                url=first.get("url", ""),
                attributes={k[5:]: v for k, v in first.items() if k and k.startswith("attr:") and v},
                variants=variants,
            ))
        except ValidationError as exc:
            loaded.rejections.extend(_validation_rejections(source, first_line, sku, exc))
    return loaded


def load_markdown(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("document", source, read=1)
    text = read_text(path, loaded)
    if text is None:
        return loaded
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return add_document(loaded, heading.group(1).strip() if heading else title_from(path), text)


def load_faq_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("faq", source)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            loaded.read += 1
            _add_faq(loaded, source, reader.line_num, row)
    return loaded


def load_faq_json(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("faq", source)
    entries = read_json(path, loaded)
    if entries is _UNREADABLE:
        return loaded
    for number, row in enumerate(entries if isinstance(entries, list) else [], start=1):
        loaded.read += 1
        _add_faq(loaded, source, None, row if isinstance(row, dict) else {}, item=f"#{number}")
    return loaded


def _add_faq(loaded: Loaded, source: str, line: int | None, row: dict, item: str | None = None) -> None:
    question, answer = (row.get("question") or "").strip(), (row.get("answer") or "").strip()
    for name, value in (("question", question), ("answer", answer)):
        if not value:
            loaded.rejections.append(Rejection(source, line, item, name, "missing"))
            return
    loaded.items.append(FaqEntry(source=source, question=question, answer=answer))
