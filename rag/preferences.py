"""What a shopper has said they want, remembered within one conversation.

Read again each turn from the shopper's earlier messages (the history the assistant is given), so nothing
new is stored and nothing follows anyone across conversations: the latest value of each slot wins, a new
value replaces it, and "any colour" / "颜色不限" clears it. A later shopping request gets every remembered
slot it does not state itself, and the answer's filters show them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from rag import language
from rag.filters import Filters, Vocabulary, parse_filters, stated_constraints

# Slots a shopper's preference fills; "price" clears both bounds of the budget.
PRICE_SLOTS = ("min_price", "max_price")
CLEARED_BY = {"color": ("color",), "size": ("size",), "price": PRICE_SLOTS, "audience": ("audience",),
              "activity": ("activity",)}


# The order in which remembered preferences are let go when no product of a request meets them all.
PREFERENCE_ORDER = ("color", "size", "activity", "audience", "min_price", "max_price")
_DESCRIPTIONS = {
    "en": {"color": "colour {}", "size": "size {}", "activity": "for {}", "audience": "for {}", "min_price": "price from {:g}",
           "max_price": "budget up to {:g}"},
    "zh": {"color": "颜色 {}", "size": "{}码", "activity": "用于{}", "audience": "适合{}", "min_price": "价格{:g}起",
           "max_price": "预算{:g}以内"},
}


def describe(slot: str, value: object, language: str) -> str:
    """A preference as the reply names it: "size M", "budget up to 100", "M码"."""
    return _DESCRIPTIONS.get(language, _DESCRIPTIONS["en"])[slot].format(value)


@dataclass(frozen=True)
class Preferences:
    """The shopper's standing wishes: what every later shopping request is filtered by unless it says otherwise."""

    size: str | None = None
    color: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    audience: str | None = None  # kids, women or men
    activity: str | None = None  # a key of language.ACTIVITIES

    def stated(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def updated(self, message: str, vocabulary: Vocabulary) -> "Preferences":
        """These preferences after ``message``: what it takes back is cleared, what it states replaces."""
        values: dict[str, object | None] = dict(self.stated())
        for slot in language.cleared_slots(message):
            for name in CLEARED_BY[slot]:
                values.pop(name, None)
        said = stated_in(message, vocabulary)
        if said.keys() & set(PRICE_SLOTS):  # a new budget replaces the old one whole
            for name in PRICE_SLOTS:
                values.pop(name, None)
        values.update(said)
        return Preferences(**values)


def stated_in(message: str, vocabulary: Vocabulary) -> dict[str, object]:
    """The preferences one message states: in a shopping request, or said outright ("I wear a medium")."""
    found = parse_filters(message, vocabulary)
    said = {name: value for name, value in found.model_dump(exclude_none=True).items()
            if name in {f.name for f in fields(Preferences)}}
    own = stated_constraints(message, vocabulary)  # "my budget is $80", "I'm a size 10": no product named
    budget = bool(language.BUDGET_CUES.search(message))  # "orders under $75 ship free" states no budget
    for name in ("size", "min_price", "max_price") if budget else ("size",):
        if name in own:
            said.setdefault(name, own[name])
    audiences, activities = language.audiences(message), language.activity_names(message)
    if len(audiences) == 1:
        said["audience"] = audiences[0]
    if len(activities) == 1:
        said["activity"] = activities[0]
    return said


def remembered(history: list[str], vocabulary: Vocabulary) -> Preferences:
    """The preferences the shopper's earlier messages (oldest first) leave standing."""
    preferences = Preferences()
    for message in history:
        preferences = preferences.updated(message, vocabulary)
    return preferences


def carried(preferences: Preferences, message: str, stated: Filters, vocabulary: Vocabulary) -> Filters:
    """The remembered preferences a shopping request ``message`` takes over: those it neither states
    (``stated`` holds the filters it does) nor takes back."""
    taken_back = {name for slot in language.cleared_slots(message) for name in CLEARED_BY[slot]}
    own = stated.model_dump(exclude_none=True, exclude_defaults=True).keys() | stated_in(message, vocabulary).keys()
    if own & set(PRICE_SLOTS):
        taken_back |= set(PRICE_SLOTS)
    return Filters(**{name: value for name, value in preferences.stated().items()
                      if name not in own and name not in taken_back})
