"""Grading one reply against its case: the facts stated, the refusal or handoff right, every card allowed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from evals.cases import Case

_YES = re.compile(r"^\s*(?:yes|是的|是|可以|能|有|会|对)", re.I)
_NO = re.compile(r"^\s*(?:no\b|不|没有|否|无法)", re.I)


def normalise(text: str) -> str:
    """Case, width, spaces and thousands separators do not matter when looking for a fact."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = text.replace("–", "-").replace("—", "-").replace("’", "'")
    text = re.sub(r"(?<=\d)-(?=[a-z])", " ", text)  # "a 1-year warranty" states "1 year"
    return re.sub(r"\s+", "", text)


@dataclass
class Grade:
    case: Case
    outcome: str  # what the reply did: answered, refused, handed_off, products
    problems: list[str] = field(default_factory=list)
    body: dict = field(default_factory=dict, repr=False)  # the whole reply

    @property
    def reply(self) -> str:
        return self.body.get("text", "")

    @property
    def passed(self) -> bool:
        return not self.problems


def outcome_of(reply: dict) -> str:
    if reply.get("outcome") == "handed_off":
        return "handed_off"
    if reply.get("refused"):
        return "refused"
    return "products" if reply.get("products") else "answered"


def grade(case: Case, reply: dict) -> Grade:
    """``reply`` is the JSON body of POST /v1/chat."""
    outcome = outcome_of(reply)
    text = reply.get("text", "")
    result = Grade(case, outcome, body=reply)
    problems = result.problems
    if case.expect == "refuse":
        if outcome != "refused":
            problems.append(f"expected a refusal, got {outcome}")
        return result
    if case.expect == "handoff":
        if outcome != "handed_off":
            problems.append(f"expected a handoff, got {outcome}")
        return result
    if outcome in ("refused", "handed_off"):
        problems.append(f"expected {case.expect}, got {outcome}: {reply.get('refusal_reason')}")
        return result
    if case.expect == "products":
        cards = reply.get("products", [])
        if not cards:
            problems.append("no product card")
        # A Shopify product is known by its handle; a case may name it by its variant's SKU instead.
        wrong = [card["sku"] for card in cards if card["sku"] not in case.acceptable_skus
                 and not any(v.get("sku") in case.acceptable_skus for v in card.get("variants", []))]
        if wrong:
            problems.append(f"cards break a stated constraint: {wrong}")
        return result
    body = normalise(re.sub(r"\[\d+\]", "", text))
    for alternatives in case.facts:
        if not any(normalise(a) in body for a in alternatives):
            problems.append(f"missing fact {alternatives[0]!r}")
    for banned in case.must_not:
        if normalise(banned) in body:
            problems.append(f"states {banned!r}, which is wrong here")
    if case.direct:
        opening = re.sub(r"\[\d+\]", "", text).strip()
        said = "yes" if _YES.match(opening) and not _NO.match(opening) else "no" if _NO.match(opening) else None
        if said != case.direct:
            problems.append(f"direct answer should be {case.direct!r}, reply opens {opening[:30]!r}")
    return result
