"""Every catalog and document format normalises into one product model, field by field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer import build_index
from indexer.chunking import tables_to_sentences
from indexer.documents import load_html, load_pdf, load_text
from indexer.feeds import load_merchant_tsv, load_merchant_xml, load_shopify_csv
from indexer.loaders import LoadOptions, load_catalog_csv
from rag.index.versions import IndexDirectory
from rag.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
FEEDS = FIXTURES / "feeds"
DOCS = FIXTURES / "docs"
OPTIONS = LoadOptions(default_currency="USD", store_url="https://shop.example")


def by_sku(loaded):
    return {p.sku: p for p in loaded.items}


def test_shopify_export():
    loaded = load_shopify_csv(FEEDS / "shopify_products.csv", "catalog/shopify.csv", OPTIONS)
    products = by_sku(loaded)
    assert set(products) == {"alpine-rain-jacket", "trail-mug"}
    jacket = products["alpine-rain-jacket"]
    assert jacket.title == "Alpine Rain Jacket" and jacket.brand == "Northpeak" and jacket.category == "Jackets"
    assert [v.sku for v in jacket.variants] == ["ARJ-S-BLU", "ARJ-M-BLU", "ARJ-M-BLK"]  # image row skipped
    assert [(v.size, v.color, v.stock) for v in jacket.variants] == [("S", "Blue", 4), ("M", "Blue", 0), ("M", "Black", 7)]
    assert jacket.price == 89.00 and jacket.currency == "USD" and jacket.variants[2].price == 94.00
    assert jacket.stock == 11 and jacket.in_stock
    assert jacket.description == "A waterproof 2.5-layer shell. Taped seams. Pit zips."  # HTML stripped
    assert jacket.attributes["tags"] == "rain, waterproof, hiking"
    assert jacket.attributes["weight"] == "310 g, 320 g"  # each variant's Variant Grams, in the shop's unit
    assert jacket.variants[0].gtin == "0812345000016"
    assert jacket.variants[1].gtin is None  # its check digit is wrong: left out, with a warning naming it
    assert [(w.line, w.item, w.field) for w in loaded.warnings] == [(3, "ARJ-M-BLU", "gtin")]
    assert jacket.variants[0].compare_at_price == 109.00  # Variant Compare At Price is the original price
    assert jacket.image_url == "https://cdn.example/arj-blue.jpg"
    assert jacket.url == "https://shop.example/products/alpine-rain-jacket"
    mug = products["trail-mug"]
    assert mug.variants[0].size is None and mug.variants[0].color is None and mug.stock == 25
    assert "weight" not in mug.attributes  # no Variant Grams: no weight, rather than "0 g"
    assert "track()" not in mug.description
    assert [(r.item, r.field, r.reason) for r in loaded.skipped] == [
        ("winter-beanie", "Status", "product is draft, not for sale")]  # skipped, not rejected
    assert [(r.item, r.field) for r in loaded.rejections] == [("TENT-X", "Variant Price")]
    assert loaded.read == 4 and len(loaded.items) == 2


def test_merchant_rss_feed():
    loaded = load_merchant_xml(FEEDS / "merchant_feed.xml", "catalog/feed.xml", OPTIONS)
    products = by_sku(loaded)
    assert set(products) == {"TRK-POLE", "HEADLAMP-400"}
    poles = products["TRK-POLE"]
    assert poles.title == "Carbon Trekking Poles" and poles.brand == "Granite Co."
    assert poles.category == "Sporting Goods > Outdoor Recreation > Hiking"
    assert [(v.sku, v.size, v.availability, v.price, v.sale_price) for v in poles.variants] == [
        ("TRK-POLE-BLK-S", "S", "in stock", 129.0, None), ("TRK-POLE-BLK-L", "L", "out of stock", 129.0, 109.0)
    ]  # the regular price and the sale price, each kept
    assert poles.price == 129.0 and poles.currency == "USD" and poles.image_url == "https://cdn.example/poles.jpg"
    assert poles.description == "Pair of carbon trekking poles with cork grips."
    assert poles.attributes["material"] == "carbon fibre"
    lamp = products["HEADLAMP-400"]
    assert lamp.mpn == "LT-B400" and lamp.in_stock and lamp.url.endswith("/beacon-400")
    assert [(r.item, r.field) for r in loaded.rejections] == [("NO-PRICE-1", "price")]
    assert loaded.read == 3


def test_merchant_tsv_feed():
    loaded = load_merchant_tsv(FEEDS / "merchant_feed.tsv", "catalog/feed.tsv", OPTIONS)
    socks = by_sku(loaded)["SOCK"]
    assert [v.size for v in socks.variants] == ["M", "L"] and socks.in_stock
    assert socks.variants[1].gtin == "00812345000214" and socks.price == 18.0
    assert [(r.line, r.item, r.field) for r in loaded.rejections] == [(4, "BOTTLE-1", "price")]


def test_generic_csv_with_a_column_mapping():
    mapping = {"sku": "Item No", "title": "Name", "brand": "Maker", "category": "Dept", "price": "Retail",
               "description": "Summary", "variant_sku": "Option Code", "color": "Colour", "size": "Size",
               "stock": "On Hand"}
    loaded = load_catalog_csv(FEEDS / "mapped_catalog.csv", "catalog/mapped.csv", LoadOptions(fields=mapping))
    paddle = by_sku(loaded)["KAY-01"]
    assert paddle.title == "Touring Kayak Paddle" and paddle.brand == "Riverline" and paddle.price == 149.0
    assert [(v.sku, v.color, v.stock) for v in paddle.variants] == [("KAY-01-RED", "Red", 3), ("KAY-01-BLU", "Blue", 2)]
    assert paddle.stock == 5 and not loaded.rejections


def test_html_keeps_headings_and_drops_page_furniture():
    document = load_html(DOCS / "shipping-faq.html", "help/shipping-faq.html", OPTIONS).items[0]
    assert document.title == "Shipping help"
    assert "## Delivery times" in document.text and "3 to 5 business days" in document.text
    for furniture in ("Shop all", "newsletter", "analytics"):
        assert furniture not in document.text


def test_an_html_table_becomes_a_sentence_per_row(tmp_path):
    page = tmp_path / "fees.html"
    page.write_text("<html><body><h2>Ring resizing</h2><table><tr><th>Metal</th><th>Sizing down</th>"
                    "<th>Sizing up</th></tr><tr><td>14k gold</td><td>$45</td><td>$55</td></tr>"
                    "<tr><td>Platinum</td><td>$90</td><td>$110</td></tr></table></body></html>")
    document = load_html(page, "policies/fees.html", OPTIONS).items[0]
    rows = tables_to_sentences(document.text)
    assert "14k gold: sizing down $45; sizing up $55." in rows and "Platinum: sizing down $90; sizing up $110." in rows


def test_text_and_pdf_documents():
    text = load_text(DOCS / "gift-wrapping.txt", "help/gift-wrapping.txt", OPTIONS).items[0]
    assert text.title == "Gift Wrapping" and "$4.95" in text.text
    pdf = load_pdf(DOCS / "care-guide.pdf", "help/care-guide.pdf", OPTIONS).items[0]
    assert pdf.title == "Down Jacket Care Guide" and "30 degrees" in pdf.text


def test_broken_pdf_is_rejected_not_fatal(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    loaded = load_pdf(broken, "help/broken.pdf", OPTIONS)
    assert not loaded.items and "unreadable PDF" in loaded.rejections[0].reason


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    kb = root / "kb"
    (kb / "catalog").mkdir(parents=True)
    for name in ("shopify_products.csv", "merchant_feed.xml", "merchant_feed.tsv"):
        shutil.copy(FEEDS / name, kb / "catalog" / name)
    shutil.copytree(DOCS, kb / "help")
    settings = Settings(knowledge_base=kb, index_dir=root / "index", multilingual_model=None)
    return build_index(settings), IndexDirectory(root / "index").open_current()


def test_all_formats_index_together_and_reconcile(fixture_index):
    report, store = fixture_index
    products, documents = report.by_kind["product"], report.by_kind["document"]
    assert (products.read, products.indexed, products.skipped, products.rejected) == (9, 5, 1, 3)
    assert (documents.read, documents.indexed, documents.rejected) == (3, 3, 0)
    ids = {c.id for c in store.iter_chunks()}
    assert {"product:alpine-rain-jacket", "product:TRK-POLE", "product:SOCK", "product:HEADLAMP-400"} <= ids
    assert any(i.startswith("doc:help/shipping-faq.html#delivery-times") for i in ids)
    # Variant SKUs and GTINs are exact identifiers of their product.
    assert store.fetch(store.lookup_identifiers(["ARJ-M-BLK"]))[0].id == "product:alpine-rain-jacket"
    assert store.fetch(store.lookup_identifiers(["00812345000115"]))[0].id == "product:TRK-POLE"
