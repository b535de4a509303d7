"""Conditions a policy sentence sets, checked against what the shopper says about their own case.

"Is $120 enough for free shipping?" against "free on orders of $150 or more"; "can I still return it after five
weeks?" against "within 30 days of delivery"; "delivered Dec 2, it's Jan 15 now" against "purchases made between
November 1 and December 24 can be returned until January 31". Each check says True or False when both the question
and the sentence state what it needs, and None otherwise: then the reader answers from the sentence's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rag import language
from rag.filters import stated_size
from rag.product_record import Product, StatedAvailability
from rag.reader.evidence import TermIndex
from rag.reader.question import key_terms

_AMOUNT = r"(?:[$€£¥]\s?)?(\d[\d,]*(?:\.\d+)?)\s*(?:美元|元|dollars?|usd)?"
_AT_LEAST = re.compile(rf"(?:orders? (?:of|over|from)|spend(?:ing)?|at least|\bfree\b[^.;:]{{0,30}}?\bfrom|满)\s*{_AMOUNT}\s*(?:or more|and up|以上)?|{_AMOUNT}\s*(?:or more|and up|以上)", re.I)
_BETWEEN_AMOUNTS = re.compile(rf"between\s*{_AMOUNT}\s*and\s*{_AMOUNT}|{_AMOUNT}\s*(?:到|至|-)\s*{_AMOUNT}"
                              r"|[$€£¥]\s?(\d[\d,]*(?:\.\d+)?)\s*(?:to|–)\s*[$€£¥]\s?(\d[\d,]*(?:\.\d+)?)", re.I)
_QUESTION_AMOUNT = re.compile(r"(?:[$€£¥]\s?(\d[\d,]*(?:\.\d+)?))|(\d[\d,]*(?:\.\d+)?)\s*(?:美元|元|dollars?|bucks|usd)", re.I)


def amount_condition_holds(question: str, sentence: str) -> bool | None:
    """Whether the amount the shopper names meets the sentence's condition on amounts ("$120" against "free on
    orders of $150 or more", "$1,250" against "between $50 and $1,000"); None when either says no amount."""
    asked = [float((a or b).replace(",", "")) for a, b in _QUESTION_AMOUNT.findall(question)]
    if not asked:
        return None
    amount = asked[0]
    if match := _BETWEEN_AMOUNTS.search(sentence):
        low, high = sorted(float(g.replace(",", "")) for g in match.groups() if g)
        return low <= amount <= high
    if match := _AT_LEAST.search(sentence):
        return amount >= float(next(g for g in match.groups() if g).replace(",", ""))
    return None


_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(rf"\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b"
                   rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\b"
                   r"|(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})\s*[日号號]?", re.I)
_COUNT = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|一|两|二|三|四|五|六|七|八|九|十)"
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365, "天": 1, "日": 1, "周": 7, "星期": 7, "个月": 30, "月": 30,
              "年": 365}
_UNIT = r"(days?|weeks?|months?|years?|天|日|周|星期|个月|年)"
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9, "十": 10}
# "after five weeks", "I've had it 4 months", "bought it 10 days ago", "it's been 40 days", "两个月了", "40天前".
_ELAPSED = re.compile(
    rf"\b(?:after|for|had (?:it|them)(?: for)?|been|over|more than|almost|nearly|about)\s+(?:about\s+)?{_COUNT}\s+{_UNIT}"
    rf"|\b{_COUNT}\s+{_UNIT}\s+(?:ago|later|after|now|since|old)\b|{_COUNT}\s*{_UNIT}(?:了|前|以后|之后)", re.I)
# (the day the shopper would act is the day the rule is checked on: "can I still return it on January 20?")
_NOW = re.compile(r"\b(?:today(?: is|'s)?|it's|it is|now(?: it's| is)?|(?:return|send|bring) (?:it|them)(?: back)? (?:on|by))"
                  r"\s*(?:already\s+)?$|现在(?:都|已经)?$|今天(?:是)?$", re.I)
_RECEIVED = re.compile(r"\b(?:delivered|arrived|received|got (?:it|them))\b(?:\s+on)?\s*$|收到的?$|到货$|送到$", re.I)
_WITHIN = re.compile(rf"\bwithin\s+{_COUNT}\s+{_UNIT}|{_COUNT}\s*{_UNIT}(?:内|之内|以内)", re.I)
_UNTIL_BEFORE = re.compile(r"\b(?:until|by|through|before)\s*$|截至\s*$|截止\s*$", re.I)
_UNTIL_AFTER = re.compile(r"^\s*(?:前|之前|以前)")
_RANGE_JOIN = re.compile(r"^\s*(?:and|to|through|-|–|至|到)\s*$", re.I)


# "more than one battery?": a bound on a count, in digits or in words up to ten
_COUNT_BOUND = re.compile(r"\b(more than|over|at least|fewer than|less than|under)\s+(\d+|"
                          + "|".join(w for w, n in _COUNTS.items() if w.isascii() and w not in ("a", "an") and n <= 10)
                          + r")\b", re.I)
_BOUND_HOLDS = {"more than": float.__gt__, "over": float.__gt__, "at least": float.__ge__, "fewer than": float.__lt__,
                "less than": float.__lt__, "under": float.__lt__}


def count_bound_holds(question: str, value: str) -> bool | None:
    """Whether a fact's number meets the bound a question puts on it ("more than one battery?" - "3"); None when
    the question bounds no count or the fact opens with no number."""
    bound, number = _COUNT_BOUND.search(question), re.match(r"\s*(\d+(?:\.\d+)?)\b", value)
    if not bound or not number or any(_measured(text) for text in (question[bound.end():], value[number.end():])):
        return None  # "over 2 kg?" - "Weight: 950 g" is a measure, not a count
    return _BOUND_HOLDS[bound.group(1).lower()](float(number.group(1)), float(_count(bound.group(2))))


def _measured(after_number: str) -> bool:
    """Does a unit follow the number ("2 kg", "950 g", "$5")?"""
    return bool(re.match(rf"\s*(?:[%°$€£x×]|(?:{language.MEASURE_WORDS})(?![a-z]))", after_number, re.I))


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _COUNTS[word.lower()]


def _day_unit(unit: str) -> str:
    """"Weeks" -> "week"; a Chinese unit as it is."""
    return unit.lower().rstrip("s") if unit.isascii() else unit


def _days(count: str, unit: str) -> int:
    return _count(count) * _UNIT_DAYS[_day_unit(unit)]


def _month_day(match: re.Match) -> tuple[int, int]:
    groups = match.groupdict()
    if groups.get("m1"):
        return _MONTHS[groups["m1"].lower()], int(groups["d1"])
    if groups.get("m2"):
        return _MONTHS[groups["m2"].lower()], int(groups["d2"])
    return int(groups["m3"]), int(groups["d3"])


_LEAD_UNIT = r"(hours?|days?|weeks?|months?|小时|天|周|星期|个月)"
# How long before a class, booking or event the shopper is: "it's 10 days away", "3 days before", "只剩三天".
_LEAD_TIME = re.compile(rf"\b{_COUNT}\s+{_LEAD_UNIT}\s+(?:away|ahead|before|out|left|to go|in advance|beforehand)\b"
                        rf"|(?:只剩|还有|还剩|提前)\s*{_COUNT}\s*{_LEAD_UNIT}", re.I)
# A rule for how far ahead: "14 or more days ahead", "7 to 13 days before the class", "less than 7 days before".
_LEAD_TIER = re.compile(
    r"(?:(?P<least>\d+)\s*(?:or more|\+)\s*(?P<u1>hours?|days?|weeks?)|(?:more than|at least|over)\s*(?P<over>\d+)\s*"
    r"(?P<u2>hours?|days?|weeks?)|(?P<low>\d+)\s*(?:to|-|–)\s*(?P<high>\d+)\s*(?P<u3>hours?|days?|weeks?)"
    r"|(?:less than|fewer than|under|within)\s*(?P<under>\d+)\s*(?P<u4>hours?|days?|weeks?))"
    r"\s*(?:before|ahead|in advance|prior)", re.I)


def _hours(count: str, unit: str) -> float:
    unit = _day_unit(unit)
    return float(_count(count)) if unit in ("hour", "小时") else 24.0 * _count(count) * _UNIT_DAYS[unit]


def lead_time_holds(question: str, sentence: str) -> bool | None:
    """Whether how far ahead the shopper is ("it's 10 days away") falls in the tier a sentence sets ("7 to 13 days
    before the class"); None when either says nothing of it."""
    asked, tier = _LEAD_TIME.search(question), _LEAD_TIER.search(sentence)
    if not asked or not tier:
        return None
    count, unit = next((c, u) for c, u in zip(asked.groups()[::2], asked.groups()[1::2]) if c)
    ahead = _hours(count, unit)
    found = tier.groupdict()
    unit = found["u1"] or found["u2"] or found["u3"] or found["u4"]
    if found["least"]:
        return ahead >= _hours(found["least"], unit)
    if found["over"]:
        return ahead > _hours(found["over"], unit)
    if found["low"]:  # "7 to 13 days": day 13 and a bit is still 13 days
        return _hours(found["low"], unit) <= ahead < _hours(str(int(found["high"]) + 1), unit)
    return ahead < _hours(found["under"], unit)


@dataclass
class ShopperTimeline:
    """What the shopper says about when: the purchase, the delivery, today, or how long ago."""

    bought: date | None = None
    received: date | None = None
    today: date | None = None
    elapsed_days: int | None = None

    @property
    def since_delivery(self) -> int | None:
        start = self.received or self.bought
        if self.today and start:
            return (self.today - start).days
        return self.elapsed_days


def shopper_timeline(question: str) -> ShopperTimeline:
    """Dates without a year follow one another: a date earlier in the calendar than the one before is next year."""
    timeline = ShopperTimeline()
    year, last = 2001, None
    for match in _DATE.finditer(question):
        if match.group(0).strip().isdigit():
            continue
        month, day = _month_day(match)
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if last and when < last:
            year += 1
            when = date(year, month, day)
        last = when
        before = question[: match.start()]
        if _NOW.search(before):
            timeline.today = when
        elif _RECEIVED.search(before) or re.match(r"\s*(?:收到|到货|送到)", question[match.end():]):
            timeline.received = when
        elif timeline.bought is None:
            timeline.bought = when
        else:
            timeline.today = timeline.today or when
    if match := _ELAPSED.search(question):
        count, unit = next((c, u) for c, u in zip(match.groups()[::2], match.groups()[1::2]) if c)
        timeline.elapsed_days = _days(count, unit)
    return timeline


def _sentence_dates(sentence: str) -> tuple[tuple[int, int] | None, tuple[tuple[int, int], tuple[int, int]] | None]:
    """The deadline a sentence sets ("until January 31", "1 月 31 日前") and the purchase dates it is for
    ("between November 1 and December 24", "11 月 1 日至 12 月 24 日")."""
    found = [m for m in _DATE.finditer(sentence) if not m.group(0).strip().isdigit()]
    deadline = next((_month_day(m) for m in found if _UNTIL_BEFORE.search(sentence[: m.start()])
                     or _UNTIL_AFTER.match(sentence[m.end():])), None)
    span = next(((_month_day(a), _month_day(b)) for a, b in zip(found, found[1:])
                 if _RANGE_JOIN.match(sentence[a.end(): b.start()])), None)
    return deadline, span


def window_condition(question: str, sentences: list[str]) -> tuple[int, bool] | None:
    """The first sentence whose time condition the shopper's case can be checked against, and whether it holds;
    a rule for some purchases only ("bought between November 1 and December 24") speaks before the general one."""
    checked = [(i, holds) for i, s in enumerate(sentences) if (holds := window_holds(question, s)) is not None]
    specific = [(i, holds) for i, holds in checked if _sentence_dates(sentences[i])[1]]
    return (specific or checked or [None])[0]


def window_clause(sentence: str) -> str:
    """The clause of a sentence that states its time window ("a battery that holds less than 50% of its capacity
    within 6 months is covered" of "Batteries in electronics after 6 months of use; a battery that ..."); the whole
    sentence when it has one clause or none states one."""
    return next((clause for clause in re.split(r"[;；]", sentence) if _WITHIN.search(clause)), sentence)


def rule_for_purchase(question: str, sentence: str) -> bool:
    """Is the sentence a rule for purchases made when the shopper's was ("Holiday purchases made between November 1
    and December 24 ..." for "bought on Nov 10")?"""
    span = _sentence_dates(sentence)[1]
    if not span:
        return False
    if window_holds(question, sentence) is not None:
        return True
    # "bought ... on Nov 28, whats the last day to return it?": no day to check, the day it was bought says
    bought = shopper_timeline(question).bought
    return bool(bought) and date(bought.year, *span[0]) <= bought <= date(bought.year, *span[1])


def for_purchases_between(sentence: str) -> bool:
    """Is the sentence a rule for purchases made between two dates ("Holiday purchases made between November 1 and
    December 24 ...")?"""
    return bool(_sentence_dates(sentence)[1])


def window_holds(question: str, sentence: str) -> bool | None:
    """Whether the shopper's case is inside the time the sentence allows ("within 30 days of delivery", "until
    January 31" for purchases "between November 1 and December 24"); None when either says nothing it can use."""
    timeline = shopper_timeline(question)
    deadline, span = _sentence_dates(sentence)
    if timeline.today and deadline:
        bought = timeline.bought or timeline.received
        if span:
            if not bought:
                return None
            first, last = (date(bought.year, *month_day) for month_day in span)
            if not first <= bought <= last:
                return None  # the rule is for other purchases: the general one speaks
        start = bought or timeline.today
        end = date(start.year, *deadline)
        if bought and end < bought:
            end = date(end.year + 1, *deadline)
        return timeline.today <= end
    if (window := _WITHIN.search(sentence)) and (elapsed := timeline.since_delivery) is not None:
        count, unit = next((c, u) for c, u in zip(window.groups()[::2], window.groups()[1::2]) if c)
        return elapsed <= _days(count, unit)
    return None


_STATE_ORDER: tuple[StatedAvailability, ...] = ("in stock", "preorder", "backorder", "out of stock")


def asked_variant_state(question: str, product: Product) -> StatedAvailability | None:
    """Whether the variant the shopper asks about ("black, size 10", "黑色的", "in a size 13") can be bought now, by
    the catalog's variants; a colour or size the product does not come in is out of stock. None when the question
    names no colour or size and the product can be bought (then its description and availability answer)."""
    size, colours = _asked_variant(question, product)
    if not product.variants or not (size or colours):
        state = product.state_of(None)[0]  # "Can I order the Ember Down Jacket at the moment?" when none is left
        return None if state == "in stock" else state
    states = {v.state for v in _matching(product, size, colours)}
    return next((state for state in _STATE_ORDER if state in states), "out of stock")


def asked_variant_offered(question: str, product: Product) -> bool:
    """Does the product come in the colour and size asked about at all ("有蓝色的吗？" of a yellow and green jacket)?"""
    size, colours = _asked_variant(question, product)
    return not product.variants or not (size or colours) or bool(_matching(product, size, colours))


def _asked_variant(question: str, product: Product) -> tuple[str | None, list[str]]:
    asked = question.lower().replace(product.title.lower(), " ")
    # The product's own colour or shade names first ("Medium" is a shade of this sunscreen, not a size).
    # A shade is also named by its code alone: "5N" is "5N Tan".
    own = {v.color.lower() for v in product.variants
           if v.color and any(_names_word(asked, name) for name in (v.color.lower(), _shade_code(v.color.lower())) if name)}
    for name in own:
        asked = re.sub(rf"(?<![a-z]){re.escape(name)}(?![a-z])", " ", asked)
    colours = [*own, *(name for name, aliases in language.COLOURS.items()
                       if any(_names_word(asked, alias) for alias in (name, *aliases)))]
    # ...and its own size names ("King", "Queen" of a bed frame) before the sizes shoppers write.
    sizes = [v.size for v in product.variants if v.size and not v.size[:1].isdigit() and _names_word(asked, v.size.lower())]
    return (sizes[0] if sizes else stated_size(asked)), colours


def _matching(product: Product, size: str | None, colours: list[str]) -> list:
    return [v for v in product.variants
            if (not size or not any(w.size for w in product.variants) or _same_size(v.size or "", size))
            and (not colours or any(_is_colour(v.color or "", c) for c in colours))]


def _shade_code(colour: str) -> str:
    """The code a shade's name starts with ("5n" of "5n tan"), or "" when its first word holds no digit."""
    first = colour.split()[0] if len(colour.split()) > 1 else ""
    return first if re.search(r"\d", first) else ""


def _same_size(variant_size: str, asked: str) -> bool:
    """"54 cm" is size 54; "M" is size M; "US 6" is size 6."""
    return variant_size.upper() == asked.upper() or bool(
        asked[:1].isdigit() and re.fullmatch(rf"(?:[a-z]{{2}}\s*)?{re.escape(asked)}\s*(?:cm|mm|in|\"|l|litres?)?",
                                             variant_size, re.I))


def _is_colour(variant_colour: str, asked: str) -> bool:
    """"Navy Stripe" is navy; "深蓝色" is navy too."""
    names = language.colour_names(asked) | {asked}
    return variant_colour.lower() in names or any(_names_word(variant_colour.lower(), n) for n in names)


def _names_word(text: str, word: str) -> bool:
    return bool(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text))


_ONLY_IF = re.compile(r"\bonly (?:if|when)\b\s*(?P<en>[^.;]+)|(?:仅当|只有在?|仅在)(?P<zh>[^。；，]+?)(?:时|的情况下)", re.I)
_ALTERNATIVES = re.compile(r",?\s+or\s+|、|或者?|,\s*", re.I)
CONDITION_MET = 2 / 3  # share of an alternative's key words the shopper's case must state


def only_if_holds(question: str, sentence: str) -> bool | None:
    """"Original shipping charges are refunded only if the item arrived damaged or we sent the wrong item." to "if
    you ship me the wrong item, do I get my shipping back?": True when the shopper's case states one of the
    alternatives, False when it states none; None when the sentence sets no such condition."""
    match = _ONLY_IF.search(sentence)
    if not match:
        return None
    asked = TermIndex(question)
    for alternative in _ALTERNATIVES.split(match.group("en") or match.group("zh")):
        terms = key_terms(alternative)
        if terms and sum(asked.covers(t) for t in terms) / len(terms) >= CONDITION_MET:
            return True
    return False


_QUANTITY = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)\s*([a-z°]+|[\u4e00-\u9fff]+)?", re.I)


def _quantity(value: str) -> float | None:
    """"2 years" -> 730 (days), "1.2 kg" -> 1200 (grams), "$299.00" -> 299; None without a number."""
    match = _QUANTITY.search(value)
    if not match:
        return None
    number, unit = float(match.group(1).replace(",", "")), (match.group(2) or "").lower()
    if (days := _UNIT_DAYS.get(_day_unit(unit))) is not None:
        return number * days
    return number * language.UNITS.get(unit, ("", 1.0))[1]


def comparison_holds(question: str, values: list[str]) -> bool | None:
    """"Is the warranty on the book light longer than the one on the dice tray?" with the two products' values, in
    the order the question names them ("2 years", "1 year"): True, False, or None when it is not such a question or
    a value states no number."""
    if len(values) != 2 or not language.is_yes_no(question):
        return None
    lowered = question.lower()
    direction = next((way for word, way in language.COMPARATIVE_DIRECTION.items()
                      if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)), None)
    first, second = (_quantity(v) for v in values)
    if direction is None or first is None or second is None:
        return None
    return (first - second) * direction > 0  # equal values: not longer, not shorter


_STATED_COUNT = re.compile(r"(?<![\d.,$£€])(\d+)\s*([a-z]+)", re.I)


def listed_choice_holds(question: str, sentence: str) -> bool | None:
    """"Every 6 weeks?" against "every 4, 6, 8 or 12 weeks": is the stated number one of the listed ones? None
    when the sentence lists no numbers of the question's unit."""
    for number, unit in _STATED_COUNT.findall(question):
        unit = unit.lower().rstrip("s")
        listed = re.search(rf"((?:\d+\s*(?:,|or|and)\s*)+\d+)\s*{unit}", sentence, re.I)
        if listed:
            return number in re.findall(r"\d+", listed.group(1))
    return None
