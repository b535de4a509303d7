"""Language detection: which templates and which vector space a message gets."""

from __future__ import annotations

from rag.language import detect_language, has_cjk, normalise_phrases, synonyms
from rag.reader.question import key_terms


def test_chinese_and_english_messages():
    assert detect_language("可以寄到中国吗？") == "zh"
    assert detect_language("How long do I have to return an item?") == "en"


def test_mixed_messages_go_by_their_share_of_chinese():
    assert detect_language("青山冲锋衣 waterproof 吗") == "zh"  # 6 of 17 letters are Chinese
    assert detect_language("Is the 青 Summit Parka waterproof and warm enough?") == "en"  # 1 of 37


def test_messages_without_letters_are_english():
    assert detect_language("12345 ?!") == "en"
    assert detect_language("") == "en"


def test_has_cjk():
    assert has_cjk("SKU JK-1015 蓝色") and not has_cjk("SKU JK-1015 blue")


def test_a_preamble_and_casual_phrasing_become_the_words_the_store_writes():
    assert "quick" not in normalise_phrases("quick q about Duel of Crowns: how long does a game take?")
    assert normalise_phrases("how quick do you reply?") == "how long do you reply?"
    assert "refund" in normalise_phrases("how long until I see the money?")
    assert "material" in normalise_phrases("what's the cascade rain shell made of")
    assert "capacity" in normalise_phrases("bear canister - how much food does it hold?")
    assert "capacity" not in normalise_phrases("how much does it weigh?")
    assert "already shipped" in normalise_phrases("Can I still cancel once my order has shipped?")


def test_a_comparison_between_two_named_things_is_told_from_a_bound():
    from rag.reader.question import analyse

    assert analyse("Which puzzle has more pieces, Banff in Autumn or Vintage Library Shelves?").kind == "compare"
    assert analyse("Which sleeping pads have an R-value of 4 or higher?").kind != "compare"
    assert analyse("which tents have more than 2 doors?").kind != "compare"


def test_a_chinese_stock_question_and_a_case_the_faq_does_not_ask():
    from rag.faq import _asks_alike
    from rag.language import ASKS_STOCK

    assert ASKS_STOCK.search("有黄色的吗？") and not ASKS_STOCK.search("多少钱？")
    assert _asks_alike("Can I cancel my order?", "Can I cancel my order?")
    assert not _asks_alike("Can I cancel an order if it already shipped?", "Can I cancel my order?")


def test_a_service_asked_for_must_be_named_by_the_answer():
    from rag.language import services_asked

    asked = dict(services_asked("Do you do a student discount?"))
    assert list(asked) == ["a student discount"]
    assert not asked["a student discount"].search("Only one discount code can be used per order.")
    assert asked["a student discount"].search("Students get 10% off with a verified email.")
    weekend = dict(services_asked("Can I get my order delivered on a Saturday?"))["weekend delivery"]
    assert not weekend.search("Orders placed on weekends ship the next business day.")
    assert services_asked("How long do refunds take?") == [] and services_asked("你们有实体店吗？")


def test_numbers_in_words_and_percentages_off():
    from rag.language import MONEY, STATES_NUMBER

    assert STATES_NUMBER.search("You can skip up to two deliveries in a row.") and not STATES_NUMBER.search("Skip it.")
    assert MONEY.search("10% off every Auto-Replenish delivery") and not MONEY.search("Turn it off.")


def test_a_question_for_an_address_and_the_sentences_that_give_one():
    from rag.language import ASKS_CONTACT, STATES_CONTACT

    assert ASKS_CONTACT.search("What email do I use for privacy stuff?")
    assert ASKS_CONTACT.search("what's your phone number for customer service")
    assert ASKS_CONTACT.search("where do I send a request to have my data deleted?")
    assert not ASKS_CONTACT.search("do you email a receipt?")
    assert STATES_CONTACT.search("Send requests to privacy@shop.example.") and STATES_CONTACT.search("call +1 800 555 0142")
    assert not STATES_CONTACT.search("We reply within 5 business days.")


def test_where_orders_ship_from_asks_for_the_warehouse_and_chinese_words_stay_whole():
    assert key_terms("Where do you ship from?") == ["warehouse"]
    assert "防晒指数" in key_terms("速干T恤的防晒指数是多少") and "第三方" in key_terms("亚马逊第三方卖家更便宜")
    assert "marketplace" in synonyms("第三方") and "upf" in synonyms("防晒指数")
