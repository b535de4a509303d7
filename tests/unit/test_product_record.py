"""The product record: prices on a given day, availability, currencies, identifiers and the text shoppers read."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from rag.product_record import (
    Product,
    availability_from,
    identifier_candidates,
    identifier_forms,
    labelled_lines,
    money,
    plain_text,
    render_product,
    valid_gtin,
)

TODAY = date(2026, 11, 26)


def product(**fields) -> Product:
    return Product.model_validate({"sku": "P-1", "title": "Trail Kettle", "price": 24.90, **fields})


@pytest.mark.parametrize("amount, currency, said", [
    (24.9, "EUR", "€24.90"), (89, "USD", "$89.00"), (12, "GBP", "£12.00"), (2500, "JPY", "¥2,500"),
    (24.9, "CHF", "24.90 CHF"), (1299.5, "USD", "$1,299.50"),
])
def test_money_uses_the_currencys_own_symbol(amount, currency, said):
    assert money(amount, currency) == said


def test_no_price_reads_dollars_with_another_currency():
    text = render_product(product(currency="EUR"), TODAY)
    assert "Price: €24.90." in text and "$" not in text


@pytest.mark.parametrize("today, line", [
    (date(2026, 11, 30), "Price: €19.90 on sale until 31 December 2026 (regular price €24.90)."),
    (date(2026, 11, 1), "Price: €24.90 (on sale for €19.90 from 15 November 2026)."),
    (date(2027, 1, 1), "Price: €24.90."),
])
def test_a_dated_sale_is_said_only_while_it_runs(today, line):
    sale = product(currency="EUR", sale_price=19.90, sale_start=date(2026, 11, 15), sale_end=date(2026, 12, 31))
    assert line in render_product(sale, today).splitlines()
    paid = sale.price_of(None, today)
    assert paid.paid == (19.90 if "until" in line else 24.90)


def test_compare_at_price_is_the_original_price():
    jacket = product(price=59.0, compare_at_price=79.0)
    assert "Price: $59.00 on sale (original price $79.00)." in render_product(jacket, TODAY)
    assert jacket.lowest_price(TODAY).original == 79.0
    assert product(price=59.0, compare_at_price=50.0).lowest_price(TODAY).original is None  # not a reduction


def test_variants_with_their_own_prices_and_availability():
    kettle = product(price=59.0, variants=[
        {"sku": "K-BLU", "color": "Blue", "price": 59.0, "stock": 0},
        {"sku": "K-RED", "color": "Red", "price": 64.0, "stock": 3},
        {"sku": "K-GRN", "color": "Green", "price": 66.0, "availability": "preorder", "availability_date": "2027-01-15"},
    ])
    lines = render_product(kettle, TODAY).splitlines()
    assert "Price: from $59.00 to $66.00, by variant." in lines
    assert "Blue: $59.00, out of stock." in lines
    assert "Red: $64.00, in stock." in lines
    assert "Green: $66.00, preorder, ships from 15 January 2027." in lines
    assert "Preorder: Green, ships from 15 January 2027." in lines
    assert [kettle.card_availability(v) for v in kettle.variants] == ["out of stock", "low stock", "preorder"]


def test_same_priced_variants_keep_the_short_text():
    tent = product(price=100.0, variants=[{"sku": "T-G-S", "color": "Green", "size": "S", "stock": 9},
                                          {"sku": "T-G-M", "color": "Green", "size": "M", "stock": 0}])
    lines = render_product(tent, TODAY).splitlines()
    assert lines[1] == "Price: $100.00."
    assert lines[-2:] == ["Availability: in stock in Green (S).", "Out of stock: Green (M)."]


def test_products_without_options_never_read_in_stock_in_nothing():
    mug = product(variants=[{"sku": "M-1", "stock": 25}])
    assert render_product(mug, TODAY).splitlines()[-1] == "Availability: in stock."
    assert "in stock in ." not in render_product(product(variants=[{"sku": "M-1", "stock": 2}, {"sku": "M-2"}]), TODAY)


def test_preorder_and_backorder_of_a_product_without_variants():
    scope = product(availability="preorder", availability_date="2027-03-15")
    assert render_product(scope, TODAY).splitlines()[-1] == "Availability: preorder, ships from 15 March 2027."
    assert scope.card_availability() == "preorder" and not scope.in_stock
    assert product(availability="backorder").card_availability() == "backorder"


@pytest.mark.parametrize("word, state", [("in_stock", "in stock"), ("out_of_stock", "out of stock"),
                                         ("preorder", "preorder"), ("http://schema.org/BackOrder", "backorder")])
def test_feed_availability_words(word, state):
    assert availability_from(word) == state


def test_unknown_availability_and_currency_are_errors():
    with pytest.raises(ValueError, match="unknown availability"):
        availability_from("maybe")
    with pytest.raises(ValidationError, match="unknown currency"):
        product(currency="EURO")


@pytest.mark.parametrize("field", ["url", "image_url"])
def test_links_are_http_only(field):
    with pytest.raises(ValidationError, match="not an http"):
        product(**{field: "javascript:alert(1)"})
    assert getattr(product(**{field: "https://shop.example/p"}), field) == "https://shop.example/p"


def test_html_in_descriptions_is_read_as_text():
    item = product(description="<p>Holds <b>1 L</b>.</p><ul><li>Steel</li><li>Folding handle</li></ul><script>x()</script>",
                   title="Trail &amp; Camp Kettle")
    assert item.description == "Holds 1 L. Steel. Folding handle." and item.title == "Trail & Camp Kettle"
    assert plain_text("weighs < 300 g") == "weighs < 300 g"


@pytest.mark.parametrize("gtin, valid", [("4006381333931", True), ("4006381333932", False), ("036000291452", True),
                                         ("00036000291452", True), ("12345", False), ("40063813339x1", False)])
def test_gtin_check_digit(gtin, valid):
    assert valid_gtin(gtin) is valid


def test_identifier_forms_find_each_other():
    assert "tentultralite" in identifier_forms("TENT-ULTRA-LITE")
    assert identifier_forms("036000291452") & identifier_forms("0036000291452")  # UPC-A and its EAN-13
    asked = identifier_candidates("Do you still have tent-ultra-lite, or 0 36000 29145 2?")
    assert "tent-ultra-lite" in asked and "00036000291452" in asked


def test_the_chunk_stores_each_lines_label_so_nothing_is_parsed_back_from_text():
    from indexer.chunking import product_chunk

    item = product(description="Note: packs small.", attributes={"weight": "1.2 kg"}, price=59.0, variants=[
        {"sku": "K-BLU", "color": "Blue", "price": 59.0, "stock": 0}, {"sku": "K-RED", "color": "Red", "price": 64.0}])
    chunk = product_chunk(item, "catalog/x.jsonl", TODAY)
    facts = labelled_lines(chunk.text, chunk.metadata)
    assert [f.text for f in facts] == chunk.text.splitlines()
    assert [(f.label, f.text) for f in facts] == [
        ("", "Trail Kettle (SKU P-1)."), ("Price", "Price: from $59.00 to $64.00, by variant."),
        ("", "Note: packs small."), ("Weight", "Weight: 1.2 kg."), ("Colours", "Colours: Blue, Red."),
        ("Availability", "Availability: out of stock."), ("Blue", "Blue: $59.00, out of stock."),
        ("Red", "Red: $64.00, out of stock."),
    ]
    assert Product.model_validate(chunk.metadata) == item.model_copy()  # the typed facts come back whole
