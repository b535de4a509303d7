"""Catalog feeds as stores export them: Shopify product CSV and Google Merchant Center (XML, TSV)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

from bs4 import BeautifulSoup
from pydantic import ValidationError

from indexer.loaders import (
    Loaded,
    LoadOptions,
    Rejection,
    _validation_rejections,
    parse_price,
)
from rag.models import Product, Variant

SIZE_NAMES = {"size", "shoe size", "尺码"}
COLOR_NAMES = {"color", "colour", "颜色"}


def html_to_text(html: str) -> str:
    return " ".join(BeautifulSoup(html or "", "html.parser").get_text(" ").split())


def is_shopify_csv(path: Path) -> bool:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    return "Handle" in header and ("Variant SKU" in header or "Variant Price" in header)


def load_shopify_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    """Rows grouped by Handle: the first row holds the product, later rows more variants or images."""
    loaded = Loaded("product", source)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            handle_name = (row.get("Handle") or "").strip()
            if not handle_name:
                loaded.read += 1
                loaded.rejections.append(Rejection(source, reader.line_num, None, "Handle", "missing handle"))
                continue
            groups.setdefault(handle_name, []).append((reader.line_num, row))
    for handle_name, rows in groups.items():
        loaded.read += 1
        product = _shopify_product(handle_name, rows, options, loaded)
        if product is not None:
            loaded.items.append(product)
    return loaded


def _shopify_product(handle: str, rows: list[tuple[int, dict]], options: LoadOptions, loaded: Loaded) -> Product | None:
    line, first = rows[0]
    status = (first.get("Status") or "active").strip().lower()
    if status != "active":
        loaded.rejections.append(Rejection(loaded.source, line, handle, "Status", f"product is {status}, not for sale"))
        return None
    option_names = [(first.get(f"Option{i} Name") or "").strip() for i in (1, 2, 3)]
    variants: list[Variant] = []
    prices: list[float] = []
    other_options: dict[str, list[str]] = {}
    for line_no, row in rows:
        if not (row.get("Variant SKU") or row.get("Variant Price") or row.get("Option1 Value")):
            continue  # an image-only row
        try:
            price, _ = parse_price(row.get("Variant Price"))
        except ValueError as exc:
            loaded.rejections.append(Rejection(loaded.source, line_no, row.get("Variant SKU") or handle, "Variant Price", str(exc)))
            continue
        try:
            stock = int(float(row.get("Variant Inventory Qty") or 0))
        except ValueError:
            loaded.rejections.append(Rejection(
                loaded.source, line_no, row.get("Variant SKU") or handle, "Variant Inventory Qty",
                f"not a number: {row.get('Variant Inventory Qty')!r}",
            ))
            continue
        size = color = None
        for i, name in enumerate(option_names, start=1):
            value = (row.get(f"Option{i} Value") or "").strip()
            if not name or not value or (name == "Title" and value == "Default Title"):
                continue
            if name.lower() in SIZE_NAMES:
                size = value
            elif name.lower() in COLOR_NAMES:
                color = value
            else:
                other_options.setdefault(name.lower(), []).append(value)
        prices.append(price)
        variants.append(Variant(
            sku=(row.get("Variant SKU") or f"{handle}-{len(variants) + 1}").strip(), size=size, color=color,
            stock=max(stock, 0), price=price, gtin=(row.get("Variant Barcode") or "").strip() or None,
        ))
    if not variants:
        loaded.rejections.append(Rejection(loaded.source, line, handle, "Variant Price", "no usable variant"))
        return None
    attributes = {name: ", ".join(dict.fromkeys(values)) for name, values in other_options.items()}
    if first.get("Tags"):
        attributes["tags"] = first["Tags"].strip()
    try:
        return Product(
            sku=handle,
            title=(first.get("Title") or "").strip(),
            brand=(first.get("Vendor") or "").strip(),
            category=(first.get("Type") or first.get("Product Category") or "").strip(),
            price=min(prices),
            currency=options.default_currency,
            description=html_to_text(first.get("Body (HTML)", "")),
            url=f"{options.store_url.rstrip('/')}/products/{handle}" if options.store_url else "",
            attributes=attributes,
            variants=variants,
        )
    except ValidationError as exc:
        loaded.rejections.extend(_validation_rejections(loaded.source, line, handle, exc))
        return None


# Google Merchant Center ---------------------------------------------------------------------

IN_STOCK = {"in_stock", "in stock"}
MERCHANT_ATTRIBUTES = ("material", "pattern", "gender", "age_group", "condition", "color", "size")


def _merchant_products(items: list[tuple[int | None, str, dict[str, str]]], options: LoadOptions, loaded: Loaded) -> None:
    """Group feed items into products by item_group_id; an item without one is its own product.

    Counts are per product: read = groups formed + items too broken to group.
    """
    groups: dict[str, list[tuple[int | None, str, dict[str, str]]]] = {}
    broken = 0
    for line, label, item in items:
        item = options.rename(item)
        missing = [f for f in ("id", "title", "price") if not item.get(f)]
        if missing:
            broken += 1
            loaded.rejections.append(Rejection(loaded.source, line, item.get("id") or label, missing[0], "missing"))
            continue
        groups.setdefault(item.get("item_group_id") or item["id"], []).append((line, label, item))
    loaded.read = len(groups) + broken
    for group_id, members in groups.items():
        variants, prices = [], []
        for line, _, item in members:
            try:
                amount, currency = parse_price(item.get("sale_price") or item["price"])
            except ValueError as exc:
                loaded.rejections.append(Rejection(loaded.source, line, item["id"], "price", str(exc)))
                continue
            prices.append((amount, currency))
            variants.append(Variant(
                sku=item["id"], size=item.get("size") or None, color=item.get("color") or None,
                stock=1 if item.get("availability", "").strip().lower() in IN_STOCK else 0,
                price=amount, gtin=item.get("gtin") or None,
            ))
        if not variants:
            continue
        line, _, first = members[0]
        attributes = {k: first[k] for k in MERCHANT_ATTRIBUTES if first.get(k) and k not in ("color", "size")}
        attributes["stock_source"] = "availability only"
        try:
            loaded.items.append(Product(
                sku=group_id, title=first["title"], brand=first.get("brand", ""),
                category=first.get("product_type") or first.get("google_product_category", ""),
                price=min(p for p, _ in prices), currency=prices[0][1] or options.default_currency,
                description=html_to_text(first.get("description", "")), url=first.get("link", ""),
                gtin=first.get("gtin") if len(members) == 1 else None, mpn=first.get("mpn") or None,
                attributes=attributes, variants=variants,
            ))
        except ValidationError as exc:
            loaded.rejections.extend(_validation_rejections(loaded.source, line, group_id, exc))


def load_merchant_xml(path: Path, source: str, options: LoadOptions) -> Loaded:
    """RSS 2.0 with the g: namespace (http://base.google.com/ns/1.0)."""
    loaded = Loaded("product", source)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        loaded.read = 1
        loaded.rejections.append(Rejection(source, exc.position[0], None, None, f"invalid XML: {exc}"))
        return loaded
    items = []
    for number, element in enumerate(root.iter("item"), start=1):
        fields = {child.tag.split("}")[-1]: (child.text or "").strip() for child in element}
        items.append((None, f"item #{number}", fields))
    _merchant_products(items, options, loaded)
    return loaded


def load_merchant_tsv(path: Path, source: str, options: LoadOptions) -> Loaded:
    """Tab-separated Merchant Center feed; headers may carry a g: prefix."""
    loaded = Loaded("product", source)
    items = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for row in reader:
            items.append((reader.line_num, f"line {reader.line_num}",
                          {k.removeprefix("g:").strip(): (v or "").strip() for k, v in row.items() if k}))
    _merchant_products(items, options, loaded)
    return loaded

