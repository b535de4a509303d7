"""Filter parsing: hard constraints read from a shopper's words, only when the message is a product search."""

from __future__ import annotations

from rag.filters import Filters, Vocabulary, category_words, parse_filters

# Category words come from the store's own product names (and their Chinese synonyms).
CATALOG = [("Basecamp Hiking Boot", "Footwear"), ("Glacier Winter Boot", "Footwear"), ("Beacon 400 Headlamp", "Electronics"),
           ("Beacon 900 Headlamp", "Electronics"), ("Ember Down Jacket", "Jackets"), ("Ridgeback Insulated Jacket", "Jackets")]
STORE = Vocabulary(categories=("Jackets", "Footwear", "Tents & Shelter", "Electronics"),
                   brands=("Trailhead", "Ridgeline"), colors=("Blue", "Red", "Teal"), category_words=category_words(CATALOG))


def test_a_product_search_carries_category_price_stock_and_features():
    found = parse_filters("Looking for a waterproof jacket under $100, in stock please", STORE)
    assert found == Filters(category="Jackets", max_price=100, in_stock=True, attributes={"waterproof": "yes"})


def test_price_ranges_in_either_order_and_lower_bounds():
    assert parse_filters("tents between $300 and $100", STORE).model_dump(include={"min_price", "max_price"}) == {
        "min_price": 100, "max_price": 300}
    assert parse_filters("show me Ridgeline boots over 80 dollars", STORE).model_dump(
        include={"brand", "category", "min_price", "max_price"}) == {
        "brand": "Ridgeline", "category": "Footwear", "min_price": 80, "max_price": None}


def test_a_budget_not_to_go_over_is_an_upper_bound():
    found = parse_filters("Which boots go to -20 or colder without going over $300?", STORE)
    assert (found.category, found.min_price, found.max_price) == ("Footwear", None, 300)


def test_policy_questions_stay_unfiltered():
    assert parse_filters("What is the warranty on tents?", STORE).is_empty()
    assert parse_filters("Are orders under $75 shipped free?", STORE).is_empty()


def test_a_measure_is_not_a_price():
    found = parse_filters("recommend a headlamp with at least 400 lumens", STORE)
    assert found.category == "Electronics" and found.min_price is None and found.max_price is None


def test_two_constraints_without_a_verb_make_a_search():
    assert parse_filters("teal, size L, in stock", STORE) == Filters(color="Teal", size="L", in_stock=True)
    assert parse_filters("size L", STORE).is_empty()


def test_chinese_budget_and_category():
    found = parse_filters("推荐500元以下的冲锋衣", STORE)
    assert (found.category, found.max_price, found.min_price) == ("Jackets", 500, None)
    assert parse_filters("有没有300到600元的红色外套", STORE).model_dump(include={"min_price", "max_price", "color"}) == {
        "min_price": 300, "max_price": 600, "color": "Red"}


def test_explicit_filters_win_over_words():
    from_words = Filters(category="Jackets", max_price=100, attributes={"waterproof": "yes"})
    merged = Filters(max_price=60, attributes={"waterproof": "no"}).merged(from_words)
    assert merged == Filters(category="Jackets", max_price=60, attributes={"waterproof": "no"})


def test_kinds_of_product_point_to_their_category():
    vocabulary = Vocabulary(categories=("Electronics", "Camp Kitchen"), brands=(), colors=(), kinds=("headlamp",),
                            category_words={"headlamp": "Electronics", "beacon": "Electronics", "stove": "Camp Kitchen"})
    # "beacon" is a product's name, not a kind of product: a policy naming Electronics does not speak of it
    assert vocabulary.kind_categories() == {"headlamp": "Electronics", "stove": "Camp Kitchen"}


def test_a_dollar_budget_written_before_chinese_words_and_a_rating_is_no_price():
    found = parse_filters("女款防水外套，$150以下的有哪些？", STORE)
    assert found.max_price == 150 and found.audience == "women"
    assert parse_filters("冲锋衣 $80以上 有吗", STORE).min_price == 80
    assert parse_filters("recommend a jacket with an R value above 4", STORE).min_price is None
