"""Catalog feeds as stores export them: Shopify product CSV and Google Merchant Center (XML, TSV).

What each column becomes is listed in the README's "Bring your own catalog"."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from indexer.loaders import (
    FieldError,
    Loaded,
    LoadOptions,
    Rejection,
    add_product,
    csv_rows,
    normalise_offer,
    parse_price,
    read_source_text,
)

SIZE_NAMES = {"size", "shoe size", "尺码"}
COLOR_NAMES = {"color", "colour", "颜色"}


def is_shopify_csv(path: Path) -> bool:
    with open(path, "rb") as handle:
        header = handle.readline(64_000).decode("utf-8", errors="replace")
    return "Handle" in header and ("Variant SKU" in header or "Variant Price" in header)


def load_shopify_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    """Rows grouped by Handle: the first row holds the product, later rows more variants or images."""
    loaded = Loaded("product", source)
    reader = csv_rows(read_source_text(path, loaded), required=("Handle",))
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for raw in reader:
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not row.get("Handle"):
            loaded.read += 1
            loaded.rejections.append(Rejection(source, reader.line_num, None, "Handle", "missing handle"))
            continue
        groups.setdefault(row["Handle"], []).append((reader.line_num, row))
    for handle_name, rows in groups.items():
        loaded.read += 1
        _shopify_product(handle_name, rows, options, loaded)
    return loaded


def _shopify_stock(row: dict[str, str]) -> dict:
    """Stock and availability of one Shopify variant: untracked is always in stock; selling on at zero
    ('continue') is a backorder."""
    if not row.get("Variant Inventory Tracker") and not row.get("Variant Inventory Qty"):
        return {"stock": None, "availability": "in stock"}
    stock = max(int(float(row.get("Variant Inventory Qty") or 0)), 0)
    if stock == 0 and row.get("Variant Inventory Policy", "").lower() == "continue":
        return {"stock": 0, "availability": "backorder"}
    return {"stock": stock}


# Shopify exports every variant's weight in grams ("Variant Grams"); "Variant Weight Unit" is the unit the shop shows.
_GRAMS_PER_UNIT = {"g": 1.0, "kg": 1000.0, "lb": 453.592, "oz": 28.3495}


def _shopify_weights(rows: Iterable[dict[str, str]]) -> str:
    """"640 g", or "1.2 kg, 1.4 kg" when the variants differ; empty when the export gives no weight."""
    weights = []
    for row in rows:
        try:
            grams = float(row.get("Variant Grams") or 0)
        except ValueError:
            continue  # not a weight; the variant itself is still loaded
        unit = (row.get("Variant Weight Unit") or "g").strip().lower()
        if grams > 0:
            amount = grams / _GRAMS_PER_UNIT.get(unit, 1.0)
            weights.append(f"{amount:.2f}".rstrip("0").rstrip(".") + f" {unit if unit in _GRAMS_PER_UNIT else 'g'}")
    return ", ".join(dict.fromkeys(weights))


def _shopify_product(handle: str, rows: list[tuple[int, dict]], options: LoadOptions, loaded: Loaded) -> None:
    line, first = rows[0]
    status = (first.get("Status") or "active").lower()
    if status != "active":
        loaded.skipped.append(Rejection(loaded.source, line, handle, "Status", f"product is {status}, not for sale"))
        return
    option_names = [first.get(f"Option{i} Name", "") for i in (1, 2, 3)]
    variants: list[dict] = []
    other_options: dict[str, list[str]] = {}
    for line_no, row in rows:
        if not (row.get("Variant SKU") or row.get("Variant Price") or row.get("Option1 Value")):
            continue  # an image-only row
        sku = row.get("Variant SKU") or f"{handle}-{len(variants) + 1}"
        try:
            price = parse_price(row.get("Variant Price"))[0]
        except ValueError as exc:
            loaded.rejections.append(Rejection(loaded.source, line_no, sku, "Variant Price", str(exc)))
            continue
        try:
            compare_at = parse_price(row["Variant Compare At Price"])[0] if row.get("Variant Compare At Price") else None
        except ValueError as exc:
            loaded.rejections.append(Rejection(loaded.source, line_no, sku, "Variant Compare At Price", str(exc)))
            continue
        try:
            stock = _shopify_stock(row)
        except ValueError:
            loaded.rejections.append(Rejection(loaded.source, line_no, sku, "Variant Inventory Qty",
                                               f"not a number: {row.get('Variant Inventory Qty')!r}"))
            continue
        named: dict[str, str] = {}
        for i, name in enumerate(option_names, start=1):
            value = row.get(f"Option{i} Value", "")
            if not name or not value or (name == "Title" and value == "Default Title"):
                continue
            key = "size" if name.lower() in SIZE_NAMES else "color" if name.lower() in COLOR_NAMES else name.lower()
            named[key] = value
            if key not in ("size", "color"):
                other_options.setdefault(key, []).append(value)
        variants.append({
            "sku": sku, "size": named.pop("size", None), "color": named.pop("color", None), "options": named,
            "price": price, "compare_at_price": compare_at, "gtin": row.get("Variant Barcode") or None, **stock,
        })
    if not variants:
        if not any(r.line in {n for n, _ in rows} for r in loaded.rejections):  # one line per rejected row
            loaded.rejections.append(Rejection(loaded.source, line, handle, "Variant Price", "no usable variant"))
        return
    attributes = {name: ", ".join(dict.fromkeys(values)) for name, values in other_options.items()}
    if weights := _shopify_weights(row for _, row in rows):
        attributes["weight"] = weights
    if first.get("Tags"):
        attributes["tags"] = first["Tags"]
    add_product(loaded, {
        "sku": handle, "title": first.get("Title", ""), "brand": first.get("Vendor", ""),
        "category": first.get("Type") or first.get("Product Category", ""),
        "price": min(v["price"] for v in variants), "currency": options.default_currency,
        "description": first.get("Body (HTML)", ""),
        "url": f"{options.store_url.rstrip('/')}/products/{handle}" if options.store_url else "",
        "image_url": next((row["Image Src"] for _, row in rows if row.get("Image Src")), ""),
        "attributes": attributes, "variants": variants,
    }, line, handle, {row.get("Variant SKU", ""): line_no for line_no, row in rows})


# Google Merchant Center ---------------------------------------------------------------------

MERCHANT_ATTRIBUTES = ("material", "pattern", "gender", "age_group", "condition")


def _merchant_products(items: list[tuple[int | None, str, dict[str, str]]], options: LoadOptions, loaded: Loaded) -> None:
    """Group feed items into products by item_group_id; an item without one is its own product.

    Each item is a variant with its own price, sale price and dates, and availability (with the date a
    preorder or backorder ships). Counts are per product: read = groups formed + items too broken to group.
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
        variants, currencies = [], []
        for line, _, item in members:
            try:
                offer = normalise_offer({k: item[k] for k in ("price", "sale_price", "sale_price_effective_date",
                                                              "availability", "availability_date") if item.get(k)})
            except FieldError as exc:
                loaded.rejections.append(Rejection(loaded.source, line, item["id"], exc.field, str(exc)))
                continue
            currencies.append(offer.pop("currency", None))
            variants.append({"sku": item["id"], "size": item.get("size") or None, "color": item.get("color") or None,
                             "gtin": item.get("gtin") or None, "availability": offer.pop("availability", "in stock"),
                             **offer})
        if not variants:
            continue
        line, _, first = members[0]
        attributes = {k: first[k] for k in MERCHANT_ATTRIBUTES if first.get(k)}
        single = len(members) == 1 and not (variants[0]["size"] or variants[0]["color"])
        product = {
            "sku": group_id, "title": first["title"], "brand": first.get("brand", ""),
            "category": first.get("product_type") or first.get("google_product_category", ""),
            "price": min(v["price"] for v in variants), "currency": currencies[0] or options.default_currency,
            "description": first.get("description", ""), "url": first.get("link", ""),
            "image_url": first.get("image_link", ""), "mpn": first.get("mpn") or None, "attributes": attributes,
        }
        if single:  # one item, no options: its offer is the product's
            offer = variants[0]
            product.update({k: offer[k] for k in ("price", "sale_price", "sale_start", "sale_end", "availability",
                                                   "availability_date", "gtin") if offer.get(k) is not None})
        else:
            product["variants"] = variants
        add_product(loaded, product, line, group_id, {item["id"]: item_line for item_line, _, item in members if item_line})


def load_merchant_xml(path: Path, source: str, options: LoadOptions) -> Loaded:
    """RSS 2.0 with the g: namespace (http://base.google.com/ns/1.0)."""
    loaded = Loaded("product", source)
    try:
        root = ET.fromstring(path.read_bytes())
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
    reader = csv_rows(read_source_text(path, loaded), required=("id", "g:id"))
    items = []
    for row in reader:
        items.append((reader.line_num, f"line {reader.line_num}",
                      {k.removeprefix("g:").strip(): (v or "").strip() for k, v in row.items() if k}))
    _merchant_products(items, options, loaded)
    return loaded
