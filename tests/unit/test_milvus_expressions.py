"""Product filters as Milvus boolean expressions: the same rules as the FAISS backend's product filter."""

from __future__ import annotations

from rag.filters import Filters, Vocabulary
from rag.index.milvus import filter_expression, variant_keys, wanted_variant_key

VOCABULARY = Vocabulary(categories=("Jackets", "Rain Jackets", "Tents"), brands=("Northpeak", 'Quote "Co"'), colors=())


def test_variant_keys_hold_every_combination_of_one_variant():
    keys = variant_keys([{"size": "m", "color": "Orange", "stock": 2}, {"size": "L", "color": "Teal", "stock": 0}])
    assert "size:M|color:orange|in_stock" in keys and "color:orange|in_stock" in keys and "size:M" in keys
    assert "size:L|color:teal" in keys and not any(k.startswith("size:L") and "in_stock" in k for k in keys)
    assert "size:M|color:teal" not in keys  # size of one variant, colour of another: no match
    assert variant_keys([{"color": "Red", "in_stock": True}]) == ["color:red", "color:red|in_stock", "in_stock"]


def test_wanted_key_adds_stock_only_with_size_or_colour():
    assert wanted_variant_key(Filters(size="m", color="ORANGE", in_stock=True)) == "size:M|color:orange|in_stock"
    assert wanted_variant_key(Filters(in_stock=True)) is None


def test_expression_resolves_names_against_the_vocabulary_and_quotes_values():
    expression = filter_expression(Filters(category="jacket", brand="quote \"co\"", min_price=10, max_price=99.5,
                                           attributes={"waterproof": "Yes"}), VOCABULARY)
    assert expression == ('kind == "product" and category in ["Jackets", "Rain Jackets"] and '
                          'brand in ["Quote \\"Co\\""] and price >= 10.0 and price <= 99.5 and '
                          'attributes["waterproof"] == "yes"')


def test_stock_alone_is_the_products_and_unknown_names_match_nothing():
    assert filter_expression(Filters(in_stock=True), VOCABULARY) == 'kind == "product" and in_stock == true'
    assert filter_expression(Filters(size="10", in_stock=True), VOCABULARY) == (
        'kind == "product" and array_contains(variant_keys, "size:10|in_stock")')
    assert filter_expression(Filters(brand="No Such Brand"), VOCABULARY) is None
    assert filter_expression(Filters(category="boots"), VOCABULARY) is None
    assert filter_expression(Filters(), VOCABULARY) == 'kind == "product"'
