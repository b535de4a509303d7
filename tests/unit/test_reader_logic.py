"""The reader's pure logic: question analysis, term coverage, entities, direct answers, sentence context."""

from __future__ import annotations

import pytest

from rag import language
from rag.embedding import EmbedderSet, load_embedder
from rag.models import Chunk, Passage
from rag.reader import Reader, ReaderThresholds, Scored, _direct, _entity_fit
from rag.reader.evidence import TermIndex, coverage, sentences_of
from rag.reader.question import analyse, comparison_sides, key_terms
from tests.fakes import FAKE_EMBEDDER


def passage(text: str, kind: str = "document", section: str = "", title: str = "Returns") -> Passage:
    chunk = Chunk(id=f"{kind}:{hash(text)}", kind=kind, source="x.md", title=title, section=section, text=text)
    return Passage(chunk=chunk, score=0.5, similarity=0.5, rank=1)


def test_two_part_question_is_split_and_keeps_the_shared_place():
    question = analyse("What does shipping to Canada cost and how long does it take?")
    assert [p.kind for p in question.parts] == ["amount", "duration"]
    assert all(p.entities.get("place") == {"Canada"} for p in question.parts)


def test_question_kinds():
    assert analyse("Can I return clearance items?").kind == "yes_no"
    assert analyse("可以退货吗？").kind == "yes_no"
    assert analyse("Which is lighter, the Summit 45 or the Summit 65?").kind == "compare"
    assert analyse("How long does a refund take?").kind == "duration"
    assert analyse("What payment methods do you accept?").kind == "list"


def test_comparison_sides_come_from_either_end_of_the_question():
    assert comparison_sides("Ember Down Jacket vs Summit Parka - which one is lighter?") == ["Ember Down Jacket", "Summit Parka"]
    assert comparison_sides("Which is lighter, the Summit 45 or the Summit 65?") == ["Summit 45", "the Summit 65"]
    assert comparison_sides("What is the difference between express and standard shipping?") == ["express", "standard shipping"]


def test_key_terms_drop_filler_and_pieces_of_chinese_words():
    assert key_terms("hey what's the warranty on backpacks?") == ["warranty", "backpacks"]
    assert "加拿" not in key_terms("寄加拿大运费多少？")


def test_coverage_counts_synonyms_and_weighs_specific_words():
    index = TermIndex("Items marked Final sale, including clearance items, cannot be returned.")
    weights = {"clearance": 2.0, "send": 0.5}
    covered, missing = coverage(["clearance", "refund"], weights, index)
    assert missing == ["refund"] and covered == pytest.approx(2.0 / 3.0)
    assert TermIndex("Refunds go back within 5 days").covers("refund")
    assert TermIndex("运费为 24.95 美元").covers("shipping") and not TermIndex("运费为 24.95 美元").covers("warranty")
    assert TermIndex("退货运费由顾客承担").covers("退货")
    assert language.specificity("clearance") > language.specificity("getting")


def test_list_items_keep_their_lead_in_and_staff_notes_are_marked():
    text = "These items cannot be returned:\n- Gift cards.\n- Used climbing ropes.\nShare the return code with the customer."
    sentences = sentences_of([passage(text)])
    assert sentences[1].readable == "These items cannot be returned: Gift cards."
    assert sentences[1].bullet and not sentences[0].bullet
    assert sentences[-1].staff
    faq = sentences_of([passage("No. Gift cards never expire.", kind="faq", section="Do gift cards expire?")])
    assert [s.text for s in faq] == ["No. Gift cards never expire."]
    assert faq[0].context == "Do gift cards expire?"


def _scored(sentence, coverage=1.0, missing=()):
    return Scored(sentence, 1.0, 0.8, coverage, list(missing), True, 0.5, focus=coverage)


def test_direct_answer_follows_the_polarity_of_the_evidence():
    part = analyse("Can I return gift cards?").parts[0]
    bullet = sentences_of([passage("Items that cannot be returned:\n- Gift cards.")])[1]
    assert _direct(part, _scored(bullet), 0.75) == "no"
    plain = sentences_of([passage("You can return most items within 30 days.")])[0]
    assert _direct(part, _scored(plain), 0.75) == "yes"
    assert _direct(part, _scored(plain, coverage=0.5), 0.75) is None
    only = sentences_of([passage("PO boxes can receive Standard shipping only.")])[0]
    express = analyse("Can I get express to a PO box?").parts[0]
    assert _direct(express, _scored(only, missing=["express"]), 0.75) == "no"


def test_a_sentence_about_another_country_does_not_answer():
    part = analyse("How much is shipping to Canada?").parts[0]
    uk = sentences_of([passage("Shipping to the United Kingdom costs $24.95.")])[0]
    canada = sentences_of([passage("Shipping to Canada costs $14.95.")])[0]
    general = sentences_of([passage("Shipping is calculated at checkout.")])[0]
    assert _entity_fit(part, uk) == (False, 0.0)
    assert _entity_fit(part, canada) == (True, 1.0)
    assert _entity_fit(part, general) == (True, 0.0)
    germany = analyse("Do you ship to Germany?").parts[0]
    eu = sentences_of([passage("We ship to the European Union and Japan.")])[0]
    assert _entity_fit(germany, eu)[0]


def test_reader_prefers_the_exception_and_refuses_what_no_passage_mentions():
    passages = [
        passage("You can return most items within 30 days of delivery for a full refund.", section="Return window"),
        passage("Items that cannot be returned:\n- Items marked Final sale, including clearance items.\n- Gift cards.",
                section="Items that cannot be returned"),
    ]
    counts = {"return": 2, "clearance": 1, "items": 2, "gift": 1}
    # The fake embedder finds every sentence alike, so no paraphrase may rescue an unknown word here.
    reader = Reader(EmbedderSet(load_embedder(FAKE_EMBEDDER)), lambda terms: {t: counts[t] for t in terms if t in counts}, 200,
                    ReaderThresholds(paraphrase_similarity=1.01))
    reading = reader.read("Can I return clearance items?", passages)
    finding = reading.findings[0]
    assert finding.answerable and finding.direct == "no"
    assert "clearance" in finding.evidence[0].sentence.text
    refused = reader.read("Do you offer gift wrapping?", passages)
    assert not refused.answerable and "wrapping" in refused.reason


def test_a_parenthesised_subject_stays_with_its_question():
    question = analyse("有蓝色的吗？ (青山 防水冲锋衣)")
    assert len(question.parts) == 1 and "青山" in question.parts[0].text
