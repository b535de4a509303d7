"""Loaders: read one file each and return normalised items plus precise rejections.

A bad row or file never stops the run: it becomes a Rejection naming the file,
the line or item, the field and the reason, and everything valid is kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import charset_normalizer
from pydantic import ValidationError

from rag.product_record import Product, availability_from, valid_gtin
from rag.storefront import safe_link


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
    skipped: list[Rejection] = field(default_factory=list)  # read, valid, not for sale (drafts, archived)
    warnings: list[Rejection] = field(default_factory=list)  # kept, with a value left out (an invalid GTIN)
    read: int = 0  # items read, valid or not
    encoding: str = "utf-8"


class UnreadableFile(Exception):
    """A file that cannot be read or decoded at all; the message names the cause, the caller the file."""


WINDOWS_WESTERN = "cp1252"


def read_source_text(path: Path, loaded: Loaded) -> str:
    """The file's text: UTF-8 (with or without a BOM) or the encoding charset-normalizer finds, recorded
    in ``loaded.encoding`` (a Windows-1252 export from Excel reads as cp1252)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
        loaded.encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return text
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise UnreadableFile("not text in any encoding charset-normalizer knows")
    # Short Western text often reads equally well as several code pages; Excel on Windows writes cp1252.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    best = next((m for m in tied if WINDOWS_WESTERN in m.could_be_from_charset), best)
    loaded.encoding = WINDOWS_WESTERN if WINDOWS_WESTERN in best.could_be_from_charset else best.encoding
    return data.decode(loaded.encoding)


_DELIMITERS = ",;\t|"


def csv_rows(text: str, required: tuple[str, ...] = ()) -> csv.DictReader:
    """Rows of a CSV whose delimiter is sniffed (comma, semicolon, tab or bar).

    ``required``: columns one of which must be in the header; if none is, the message names the header
    and the delimiter that was used."""
    sample = text[:64_000]
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], _DELIMITERS).delimiter  # the header names the columns
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = reader.fieldnames or []
    if required and not any(name in header for name in required):
        shown = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}[delimiter]
        raise UnreadableFile(
            f"no {' or '.join(repr(r) for r in required)} column in the header {header[:6]!r} read with delimiter "
            f"{delimiter!r} ({shown}); use a comma, semicolon, tab or bar between columns"
        )
    return reader


_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW"}  # "$" is many currencies: not read
_PRICE = re.compile(
    r"^\s*(?:([A-Z]{3})\s*)?([$€£¥₹₩])?\s*(\d+(?:[.,]\d{3})*(?:\.\d+)?)\s*(?:([A-Z]{3}))?\s*$")


def parse_price(value: object) -> tuple[float, str | None]:
    """'$89.00', '89.00 USD', '1,299.00', '€24.90' -> (amount, currency or None)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount, currency = float(value), None
    else:
        match = _PRICE.match(str(value or ""))
        if not match:
            raise ValueError(f"not a price: {value!r}")
        amount = float(match.group(3).replace(",", ""))
        currency = match.group(1) or match.group(4) or _SYMBOLS.get(match.group(2) or "")
    if amount < 0:
        raise ValueError(f"negative price: {value!r}")
    return amount, currency


def sale_window(value: str | None) -> tuple[date | None, date | None]:
    """Merchant's sale_price_effective_date, '2026-11-01T00:00-08:00/2026-12-31T23:59-08:00', as two days."""
    if not value:
        return None, None
    start, _, end = str(value).partition("/")
    return day(start), day(end)


def day(value: object) -> date | None:
    """An ISO 8601 date or date-time as a day; empty is None."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {text!r}") from None


_PRICE_FIELDS = ("price", "sale_price", "compare_at_price")


def normalise_offer(data: dict) -> dict:
    """Prices, sale dates and availability of a product or variant object as the product record takes them.

    Raises ValueError naming the field for a value that cannot be read."""
    data = dict(data)
    for name in _PRICE_FIELDS:
        if data.get(name) not in (None, ""):
            try:
                amount, currency = parse_price(data[name])
            except ValueError as exc:
                raise FieldError(name, str(exc)) from None
            data[name] = amount
            if currency and name == "price" and not data.get("currency"):
                data["currency"] = currency
        else:
            data.pop(name, None)
    if data.get("sale_price_effective_date"):
        try:
            data["sale_start"], data["sale_end"] = sale_window(data.pop("sale_price_effective_date"))
        except ValueError as exc:
            raise FieldError("sale_price_effective_date", str(exc)) from None
    if data.get("availability") not in (None, ""):
        try:
            data["availability"] = availability_from(data["availability"])
        except ValueError as exc:
            raise FieldError("availability", str(exc)) from None
    else:
        data.pop("availability", None)
    for name in ("availability_date", "sale_start", "sale_end"):
        if isinstance(data.get(name), str):
            try:
                data[name] = day(data[name])
            except ValueError as exc:
                raise FieldError(name, str(exc)) from None
    return data


class FieldError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _validation_rejections(source: str, line: int | None, item: str | None, exc: ValidationError) -> list[Rejection]:
    """One rejection per row, naming every field that failed."""
    fields = [".".join(str(p) for p in err["loc"]) for err in exc.errors()]
    reason = "; ".join(f"{f}: {err['msg']}" if f else err["msg"] for f, err in zip(fields, exc.errors()))
    return [Rejection(source, line, item, ", ".join(dict.fromkeys(f for f in fields if f)) or None, reason)]


def keep_valid_gtins(product: Product, loaded: Loaded, line: int | None, lines: dict[str, int]) -> Product:
    """A GTIN whose check digit is wrong is left out (the product stays) and reported as a warning."""
    for holder in (product, *product.variants):
        if holder.gtin and not valid_gtin(holder.gtin):
            loaded.warnings.append(Rejection(loaded.source, lines.get(holder.sku, line), holder.sku, "gtin",
                                             f"{holder.gtin!r} is not a valid GTIN/UPC/EAN (check digit); left out"))
            holder.gtin = None
    return product


def add_product(loaded: Loaded, data: dict, line: int | None, item: str | None, lines: dict[str, int] | None = None) -> None:
    """Validate one product into ``loaded``: a product, or one rejection naming its fields. ``lines``: the
    line of each variant SKU, for warnings about one variant."""
    try:
        product = Product.model_validate(_without_unsafe_links(data, loaded, line, item))
    except ValidationError as exc:
        loaded.rejections.extend(_validation_rejections(loaded.source, line, item, exc))
        return
    loaded.items.append(keep_valid_gtins(product, loaded, line, lines or {}))


def _without_unsafe_links(data: dict, loaded: Loaded, line: int | None, item: str | None) -> dict:
    """A link or image that is not an http(s) address (`javascript:`, `data:`) is left out, with a warning;
    the product stays."""
    for name in ("url", "image_url"):
        value = data.get(name)
        if value and not safe_link(str(value).strip()):
            loaded.warnings.append(Rejection(loaded.source, line, item, name,
                                             f"not an http(s) link, left out: {str(value)[:80]!r}"))
            data = {**data, name: ""}
    return data


def product_from_dict(data: object, options: LoadOptions, loaded: Loaded, line: int | None, item: str | None) -> None:
    """Validate one product object (JSON shape) into ``loaded``: a product or rejections."""
    if not isinstance(data, dict):
        loaded.rejections.append(Rejection(loaded.source, line, item, None, "not a JSON object"))
        return
    data = options.rename(data)
    item = str(data.get("sku") or item or "") or None
    if str(data.get("status") or "active").strip().lower() != "active":
        loaded.skipped.append(Rejection(loaded.source, line, item, "status", f"product is {data['status']}, not for sale"))
        return
    try:
        data = normalise_offer(data)
        variants = data.get("variants")
        if isinstance(variants, list):
            data["variants"] = [normalise_offer(v) if isinstance(v, dict) else v for v in variants]
    except FieldError as exc:
        loaded.rejections.append(Rejection(loaded.source, line, item, exc.field, str(exc)))
        return
    data.setdefault("currency", options.default_currency)
    add_product(loaded, data, line, item)


def load_catalog_jsonl(path: Path, source: str, options: LoadOptions) -> Loaded:
    """One product per line, variants nested."""
    loaded = Loaded("product", source)
    for line_no, line in enumerate(read_source_text(path, loaded).splitlines(), start=1):
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
        return json.loads(read_source_text(path, loaded))
    except json.JSONDecodeError as exc:
        loaded.read = 1
        loaded.rejections.append(Rejection(loaded.source, exc.lineno, None, None, f"invalid JSON: {exc.msg}"))
        return _UNREADABLE


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


# Columns of a generic catalog CSV row that belong to the variant, not the product.
_VARIANT_COLUMNS = ("price", "sale_price", "compare_at_price", "sale_price_effective_date", "availability",
                    "availability_date")


def load_catalog_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    """One row per variant, grouped by the product ``sku`` column.

    Product fields are read from the first row of a product; ``attr:<name>`` columns become attributes.
    A row's price, sale price, compare-at price and availability that differ from the first row's are
    that variant's own.
    """
    loaded = Loaded("product", source)
    reader = csv_rows(read_source_text(path, loaded), required=(options.fields.get("sku", "sku"),))
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for raw in reader:
        line_no = reader.line_num
        row = {k: (v or "").strip() for k, v in options.rename(raw).items() if k}
        sku = row.get("sku", "")
        if not sku:
            loaded.read += 1
            loaded.rejections.append(Rejection(source, line_no, None, "sku", "missing SKU"))
            continue
        groups.setdefault(sku, []).append((line_no, row))
    for sku, rows in groups.items():
        loaded.read += 1
        _csv_product(sku, rows, options, loaded)
    return loaded


def _csv_product(sku: str, rows: list[tuple[int, dict[str, str]]], options: LoadOptions, loaded: Loaded) -> None:
    first_line, first = rows[0]
    if (first.get("status") or "active").lower() != "active":
        loaded.skipped.append(Rejection(loaded.source, first_line, sku, "status", f"product is {first['status']}, not for sale"))
        return
    variants = []
    for line_no, row in rows:
        if not row.get("variant_sku"):
            continue
        try:
            stock = int(row["stock"]) if row.get("stock") else None
        except ValueError:
            loaded.rejections.append(Rejection(loaded.source, line_no, row["variant_sku"], "stock",
                                               f"not a whole number: {row.get('stock')!r}"))
            continue
        own = {k: row[k] for k in _VARIANT_COLUMNS if row.get(k) and row.get(k) != first.get(k)}
        try:
            offer = normalise_offer(own)
        except FieldError as exc:
            loaded.rejections.append(Rejection(loaded.source, line_no, row["variant_sku"], exc.field, str(exc)))
            continue
        variants.append({"sku": row["variant_sku"], "size": row.get("size") or None, "color": row.get("color") or None,
                         "stock": stock, "gtin": row.get("gtin") or None, **offer})
    try:
        product = normalise_offer({k: first[k] for k in _VARIANT_COLUMNS if first.get(k)})
    except FieldError as exc:
        loaded.rejections.append(Rejection(loaded.source, first_line, sku, exc.field, str(exc)))
        return
    if "price" not in product:
        loaded.rejections.append(Rejection(loaded.source, first_line, sku, "price", f"not a price: {first.get('price', '')!r}"))
        return
    add_product(loaded, {
        **product,
        "sku": sku, "title": first.get("title", ""), "brand": first.get("brand", ""),
        "category": first.get("category", ""), "currency": first.get("currency") or product.get("currency")
        or options.default_currency, "description": first.get("description", ""), "url": first.get("url", ""),
        "image_url": first.get("image") or first.get("image_url", ""), "gtin": None if variants else first.get("gtin") or None,
        "mpn": first.get("mpn") or None,
        "attributes": {k[5:]: v for k, v in first.items() if k.startswith("attr:") and v},
        "variants": variants,
    }, first_line, sku, {row["variant_sku"]: line_no for line_no, row in rows if row.get("variant_sku")})


def load_markdown(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("document", source, read=1)
    text = read_source_text(path, loaded)
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return add_document(loaded, heading.group(1).strip() if heading else title_from(path), text)


def load_faq_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("faq", source)
    reader = csv_rows(read_source_text(path, loaded), required=("question",))
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
