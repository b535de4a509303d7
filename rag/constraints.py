"""What a shopper asks of a product, read from their words, and whether a product meets it.

Hard filters (category, price, colour, size, stock) run inside the search (rag/filters.py). The rest is
checked here on every product before it becomes a card: who it is for (kids, women, men), the activity
and kind of product, features ("with a rain cover"), things ruled out ("not a tarp"), and measures with
bounds ("at least 400 lumens", "30 to 50 litres", "for 6 players", "my nephew is turning 5").
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from rag import language
from rag.filters import ATTRIBUTE_WORDS, Filters
from rag.models import Product
from rag.reader.evidence import TYPO_SIMILARITY, TermIndex
from rag.text import content_words

_UNIT = (r"°c|r-value|lumens?|litres?|liters?|mah|hours?|ml|kg|gsm|oz|lbs?|pounds|gb|tb|g|l|c|grams?|people|persons?|person|players?|pieces|pcs"
         r"|togs?|升|毫升|克|公斤|度|流明|小时|人|片|托"
         r"|(?:years?|yrs?)(?![- ]?olds?\b)|年(?!级)")  # "at least a 2 year warranty", but not "my 8 year old"
_MEASURE = re.compile(rf"(-?\d+(?:\.\d+)?)\s*-?\s*({_UNIT})(?![a-z])", re.I)
# Ratings named before their number ("R-value of 4", "UPF 50"): the product must be rated at least that.
_RATING = re.compile(r"(?<![a-z])(r[- ]?value|r值|upf)\s*(?:of\s*)?(?:at least\s*|over\s*|above\s*|>=?\s*)?(\d+(?:\.\d+)?)", re.I)
_RANGE_UNIT = r"(°c|litres?|liters?|l|g|kg|ml|oz|lbs?|lumens?|pieces|升|毫升|克|公斤|片)"
_RANGE = re.compile(rf"(-?\d+(?:\.\d+)?)\s*{_RANGE_UNIT}?\s*(?:-|–|to|and|到|至)\s*(-?\d+(?:\.\d+)?)\s*{_RANGE_UNIT}(?![a-z])",
                    re.I)
# How many people a product is for, said without a number.
_PEOPLE_WORDS = ((re.compile(r"\b(?:solo|alone|by myself|on my own|single[- ]player)\b|单人|一个人", re.I), 1),
                 (re.compile(r"\b(?:me and my (?:partner|wife|husband|girlfriend|boyfriend)|two of us|the 2 of us|"
                             r"couple(?!\s+(?:of\b|\w+\s+\w+s\b|\w+s\b)))\b|两个人|双人(?!尺寸|床|被|码)", re.I), 2))  # not "a couple fuel canisters"
# The people a shopper lists ("me, my husband and our toddler"): a tent for all of them holds at least that many.
_COMPANION = re.compile(r"\b(?:my|our)\s+(?:wife|husband|partner|son|daughter|toddler|baby|boyfriend|girlfriend|friend|mum|mom|dad"
                        r"|brother|sister|kid|child)\b", re.I)
_ME = re.compile(r"\b(?:me|myself|i)\b", re.I)
_SLEEPS = re.compile(r"\bsleeps\s+(\d+)\b|睡(\d+)个?人", re.I)  # "a tent that sleeps 3": at least three
_EXACT_PEOPLE = re.compile(r"\b(?:group of|for)\s+(\d+)\s*(?:players?|people|ppl|persons?)?\b|\b(\d+)\s*(?:players?|ppl)\b",
                           re.I)
_AGE = re.compile(r"\b(?:turning|aged?|is)\s+(\d{1,2})\b(?!\s*(?:%|\$|dollars|pieces))|\b(\d{1,2})[- ]?(?:years?|yrs?)[- ]?old\b"
                  r"|(\d{1,2})\s*岁", re.I)
# "chew resistant rating 3 or higher", "difficulty level of at least 2": a bound on the attribute of that name
_RATED = ("_rating", "_level")
_NAMED_RATING = re.compile(r"\b((?:[a-z]+[ -]){1,2}(?:rating|level))\s*(?:of\s*)?(?:at least\s*|over\s*|above\s*|>=?\s*)?"
                           r"(\d+(?:\.\d+)?)(?:\s*/\s*\d+)?", re.I)
# Attributes whose name is the measure ("players: 2-4", "age: 12+", "pieces: 1000").
NAMED_MEASURES = {"players": "people", "capacity": "people", "seats": "people", "sleeps": "people", "age": "age",
                  "pieces": "pieces", "upf": "upf"}


@dataclass(frozen=True)
class Bound:
    """A measure the shopper bounded: the product's range must reach into [low, high]."""

    measure: str
    low: float | None = None
    high: float | None = None
    stated: bool = True  # False when read from context ("turning 5"): a product that states no such measure may still fit
    subject: bool = False  # the measure of whom the product is for ("my 30 kg kelpie"): only a range it is made for rules it out


_PLUS = re.compile(r"(\d+(?:\.\d+)?)\s*\+\s*(?=[a-z°\u4e00-\u9fff])", re.I)


def measure_bounds(text: str) -> list[Bound]:
    """"at least 400 lumens", "30 to 50 litres", "-5C or colder", "a group of 6", "my nephew is turning 5"."""
    text = _PLUS.sub(r"at least \1 ", language.numbers_in_words(text))  # "1000+ lumens"
    text = re.sub(r"(\d)\s*个人", r"\1人", text)  # "两个人露营的帐篷": two people
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # "20,000mm"
    bounds = []
    for match in _RANGE.finditer(text):
        measure, factor = language.UNITS.get(match.group(4).lower(), ("pieces", 1.0))
        first_factor = language.UNITS.get((match.group(2) or "").lower(), (measure, factor))[1]
        low, high = sorted((float(match.group(1)) * first_factor, float(match.group(3)) * factor))
        bounds.append(Bound(measure, low, high))
    if bounds:
        return bounds
    found = [(m.start(), m.end(), float(m.group(1)), m.group(2).lower()) for m in _MEASURE.finditer(text)]
    ratings = [(r.start(), r.end(), float(r.group(2)), "r-value" if "值" in r.group(1) else re.sub(r"r[- ]?v", "r-v", r.group(1).lower())) for r in _RATING.finditer(text)]
    exact_people = {int(n) for m in _EXACT_PEOPLE.finditer(text) for n in m.groups() if n}
    bounds += [Bound(unit, number, None) for _, _, number, unit in ratings]
    for rated in _NAMED_RATING.finditer(text):
        name = rated.group(1).lower().replace("-", " ")
        if not _RATING.search(rated.group(0)):
            high = language.AT_MOST.search(text[rated.end():rated.end() + 20]) is not None
            bounds.append(Bound(name, None if high else float(rated.group(2)), float(rated.group(2)) if high else None))
    for start, end, number, unit in found:
        measure, factor = language.UNITS.get(unit, ("people" if unit.startswith(("player", "人")) else "pieces", 1.0))
        before, after = text[max(0, start - 20):start], text[end:end + 20]
        value = number * factor
        if measure == "temperature":  # "rated to -5C", "-5C or colder": the bag must be rated at least that cold
            bounds.append(Bound(measure, None, value))
        elif measure == "people":  # "a 2-person tent" sleeps at least two; "6 players" must all play
            bounds.append(Bound(measure, value, value if int(number) in exact_people else None))
        elif language.HOLDS.search(before):
            bounds.append(Bound(measure, value, None))
        elif language.AT_MOST.search(before) or language.AT_MOST.search(after):
            bounds.append(Bound(measure, None, value))
        elif language.AT_LEAST.search(before) or language.AT_LEAST.search(after):
            bounds.append(Bound(measure, value, None))
        elif language.ABOUT.search(before) or language.ABOUT.search(after) or measure in language.GRADES:
            # "40升左右", "around 40 litres"; "a 4.5 tog duvet" is of that grade
            bounds.append(Bound(measure, value * (1 - language.ABOUT_SHARE), value * (1 + language.ABOUT_SHARE)))
        else:  # "a harness for my 12 kg staffy", "我家狗18公斤"
            bounds.append(Bound(measure, value, value, stated=False, subject=True))
    if not any(b.measure == "temperature" for b in bounds) and language.BELOW_ZERO.search(text):
        bounds.append(Bound("temperature", None, -0.5))  # "a bag for below freezing": rated under 0 °C
    if not any(b.measure == "people" for b in bounds) and (sleeps := _SLEEPS.search(text)):
        bounds.append(Bound("people", float(next(g for g in sleeps.groups() if g)), None))
    if not any(b.measure == "people" for b in bounds):
        counted = sorted(exact_people) or [n for pattern, n in _PEOPLE_WORDS if pattern.search(text)]
        bounds += [Bound("people", n, n) for n in counted[:1]]
    listed = len(_COMPANION.findall(text)) + bool(_ME.search(text))
    if not any(b.measure == "people" for b in bounds) and listed >= 3:
        bounds.append(Bound("people", float(listed), None, stated=False))
    if (age := _AGE.search(text)) and language.AUDIENCE_WORDS["kids"].search(text):
        years = float(next(g for g in age.groups() if g))
        bounds.append(Bound("age", years, years, stated=False))
    return bounds


def bounds_a_measure(text: str) -> bool:
    """Does the text bound a measure ("at least 400 lumens"), not only say one of whom it is for ("my 30 kg dog")?"""
    return any(not bound.subject for bound in measure_bounds(text))


def _range(value: str) -> tuple[float, float] | None:
    """"2-4" -> (2, 4); "12+" -> (12, inf); "1000" -> (1000, 1000)."""
    if match := re.match(r"\s*(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)", value):
        return float(match.group(1)), float(match.group(2))
    if match := re.match(r"\s*(\d+(?:\.\d+)?)\s*\+", value):
        return float(match.group(1)), math.inf
    if match := re.match(r"\s*(\d+(?:\.\d+)?)", value):
        return float(match.group(1)), float(match.group(1))
    return None


def _attribute_measures(product: Product) -> Iterator[tuple[str, tuple[float, float]]]:
    """Each measure an attribute states, as a range, in the catalog's order: ("volume", (45, 45)), ("people", (2, 4)),
    ("mass", (0, 10000)) for "suitable dog weight: up to 10 kg"."""
    for name, value in product.attributes.items():
        key = name.replace("_", "-")
        if key == "r-value" and (found := _range(value)):
            yield "r-value", found
        elif (span := _RANGE.search(value)) and name != "battery":  # "weight band: 10–20 kg" fits a 15 kg dog
            measure, factor = language.UNITS.get(span.group(4).lower(), (NAMED_MEASURES.get(name, name), 1.0))
            yield measure, (float(span.group(1)) * factor, float(span.group(3)) * factor)
        elif (match := _MEASURE.search(value)) and name != "battery":
            measure, factor = language.UNITS.get(match.group(2).lower(), (NAMED_MEASURES.get(name, name), 1.0))
            # "players: 2-4", "age: 2-7 years": the range of the measure the attribute names
            if (measure in ("people", "pieces") or NAMED_MEASURES.get(name) == "age") and name in NAMED_MEASURES \
                    and (found := _range(value)):
                yield NAMED_MEASURES[name], found
            else:
                amount = float(match.group(1)) * factor
                before, after = value[:match.start()], value[match.end():]
                if language.AT_MOST.search(before) or language.AT_MOST.search(after):  # "up to 10 kg"
                    yield measure, (0.0, amount)
                elif language.AT_LEAST.search(before) or language.AT_LEAST.search(after):  # "over 20 kg"
                    yield measure, (amount, math.inf)
                else:
                    yield measure, (amount, amount)
        elif name.endswith(_RATED) and (found := re.match(r"\s*(\d+(?:\.\d+)?)", value)):  # "chew resistant rating: 3/5"
            yield name.replace("_", " ").lower(), (float(found.group(1)),) * 2
        elif name in NAMED_MEASURES and (found := _range(value)):
            yield NAMED_MEASURES[name], found
        elif (unit := _unit_named(name)) and (found := _range(value)):  # "lumens: 1600", "volume_ml: 50"
            measure, factor = language.UNITS[unit]
            yield measure, (found[0] * factor, found[1] * factor)


def _unit_named(name: str) -> str | None:
    """The unit an attribute's name gives its bare numbers: "lumens", or the unit it ends on ("volume_ml")."""
    return next((unit for unit in (name, name.rpartition("_")[2]) if unit in language.UNITS), None)


def product_measures(product: Product) -> dict[str, tuple[float, float]]:
    """Each measure a product's attributes state, as a range, the first attribute of each measure: {"volume": (45, 45),
    "people": (2, 4)}."""
    values: dict[str, tuple[float, float]] = {}
    for measure, found in _attribute_measures(product):
        values.setdefault(measure, found)
    return values


def product_ranges(product: Product) -> dict[str, tuple[float, float]]:
    """The measures a product states as a range it is made for: "suitable dog weight: 10.1-25 kg", not "bag: 15 kg"."""
    values: dict[str, tuple[float, float]] = {}
    for measure, (low, high) in _attribute_measures(product):
        if high > low:
            values.setdefault(measure, (low, high))
    return values


def made_for_children(product: Product) -> bool:
    """A children's product, by its name or gender, or by the ages it is for ("8+")."""
    ages = product_measures(product).get("age")
    return audience(product) == "kids" or bool(ages and ages[0] < 13)


def audience(product: Product) -> str:
    """kids, women, men or everyone, from the product's gender attribute and its name."""
    said = f"{product.attributes.get('gender', '')} {product.title}".lower()
    for name in ("kids", "women", "men"):
        if language.AUDIENCE_WORDS[name].search(said):
            return name
    return "everyone"


_FEATURE = re.compile(
    r"\b(?:comes? with|with(?: an?)?|that has an?|has an?|comes? in an?|in an?)\s+([a-z][a-z\-]+(?:\s+[a-z][a-z\-]+)?)"
    r"(?=\s*(?:[,.?!;]|$|\b(?:and|that|for|under|which|please|pls|in)\b))", re.I)
NOT_FEATURES = frozenset("fit size colour color stock budget hurry small medium large xl xs xxl petite tall".split())


def features(request: str) -> list[str]:
    """Words a product must have for "with a rain cover", "in a wide fit" or "有填充棉的" ("rain", "cover", "wide",
    "insulation")."""
    words = [w for m in _FEATURE.finditer(request) for w in m.group(1).lower().split()
             if not any(p.search(w) for p in language.AUDIENCE_WORDS.values()) and w not in language.COMPANY_WORDS]
    words += ["waterproof" if m.group(1).lower() == "dry" else m.group(1).lower() for m in _KEEPS.finditer(request)]
    chinese = [english for word, english in language.FEATURE_WORDS_ZH.items() if word in request]
    chinese += [meant for phrase, meant in language.FEATURE_PHRASES.items() if phrase in request.lower()]
    if language.has_cjk(request):  # "GPS手表": a Latin abbreviation in a Chinese request is a feature
        chinese += [a.lower() for a in re.findall(r"(?<![A-Za-z])([A-Z]{2,5})(?![A-Za-z])", request)]
    return [w for w in words if w not in language.STOPWORDS and w not in language.GENERIC_WORDS
            and w not in NOT_FEATURES and w not in language.UNITS] + chinese


_KEEPS = re.compile(r"\bkeeps? (?:\w+ ){0,2}?(hot|cold|dry)\b", re.I)  # "a bottle that keeps coffee hot"
_IP_RATING = re.compile(r"(?<![a-z])(ipx?\d)(?![a-z0-9])", re.I)
_NOT_A = re.compile(r"\b(?:not|nothing|no) (?:an? |the )?([a-z]{3,})\b|不要(\w{1,3})", re.I)  # "no feathers"


def unwanted(request: str) -> list[str]:
    """What the shopper rules out: "a real tent, not a tarp" -> ["tarp"]; a "no pull harness" rules out nothing."""
    found = []
    for match in _NOT_A.finditer(request):
        if (match.group(1) or "") in _NOT_UNWANTED:
            continue
        following = re.match(r"[\s-]+([a-z]+)", request[match.end():].lower())
        if not (following and language.product_kinds(following.group(1))):
            found.append(_singular(match.group(1) or match.group(2)))
    return found


_NOT_UNWANTED = frozenset(("too", "sure", "more", "longer", "later", "matter", "problem", "idea", "need"))


def _is_a(text: str, kind: str) -> bool:
    """Does the text call the product a ``kind``, and not an accessory of one ("bottle holster")?"""
    for variant in language.synonyms(kind):
        for match in re.finditer(rf"(?<![a-z]){re.escape(variant)}(?:e?s)?(?![a-z])", text):
            if text[:match.start()].endswith("for "):
                continue  # "a compression sack for sleeping bags" is no sleeping bag
            following = text[match.end():].split()[:1]
            if not following or following[0].strip(".,;:") not in language.ACCESSORY_HEADS:
                return True
    return False


def qualifiers(request: str, kinds: Iterable[str] = ()) -> list[str]:
    """Words that narrow the kind of product asked for: "insulated" jacket, "road running" shoes, "4-season" tent;
    ``kinds`` adds the store's own kinds ("glazed" pots)."""
    lowered = language.numbers_in_words(request.lower())
    found = []
    for kind in [*language.product_kinds(lowered), *kinds]:
        match = re.search(rf"((?:[a-z0-9'\-]+\s+){{1,2}}){re.escape(kind)}", lowered)
        if not match:
            continue
        for word in match.group(1).split():
            word = word.strip("'")
            if ((word in language.STOPWORDS and word not in language.FILL_WORDS) or word in language.GENERIC_WORDS or word in NOT_FEATURES
                    or any(p.search(word) for p in language.AUDIENCE_WORDS.values()) or language.colour_names(word)
                    or any(ch.isdigit() for ch in word) or word in language.PRODUCT_KINDS or len(word) < 3
                    or word in QUALIFIER_STOPS or word.endswith("est") or re.search(rf"\d[- ]{word}", lowered)
                    or any(SequenceMatcher(None, word, stop).ratio() >= TYPO_SIMILARITY for stop in ASKING_VERBS)):
                continue
            found.append(language.QUALIFIER_MEANS.get(word, word))
    found += [f"{n}-{w}" for n, w in re.findall(r"\b(\d)[- ](season|layer|burner)s?\b", lowered)]
    found += [f"{n}-season" for n in re.findall(r"(\d)季", lowered)]  # "四季帐篷"
    found += [rating.lower() for rating in _IP_RATING.findall(request)]  # "防水要IPX7的"
    return found


QUALIFIER_STOPS = frozenset("good nice cheap new light lightweight warm best decent great real proper some show find want "
                            "need get buy recommend suggest looking any pair couple water".split())
ASKING_VERBS = ("recommend", "suggest")  # "Recomend a sleeping pad": a misspelt request is no kind of pad
# "a sun hoodie or shirt": either kind will do; "a harness and a helmet": one of each
_ALTERNATIVES = re.compile(r"\bor\b|\band\b|\bplus\b|或者|还是|或|和|还有|以及", re.I)


# What a product may fail to meet, in the order checked: who it is for, the activity, the kind of product,
# a feature or qualifier ("with a rain cover", "4-season"), a measure ("at least 400 lumens").
UNMET_KINDS = ("audience", "activity", "kind", "origin", "feature", "measure")


NOT_FACTS = frozenset({"tags"})  # a feed's search keywords: what a product is tagged with, not what it is


@dataclass(frozen=True)
class AttributeWishes:
    """What a request asks of the store's own attributes, read against the products it is choosing among:
    "fragrance-free" names the yes-or-no attribute fragrance_free; "oily skin" names a value of skin_type
    ("oily, combination"). Nothing here is about one store: the attributes come from its catalog."""

    flags: frozenset[str] = frozenset()  # attributes that must be yes
    free_of: frozenset[str] = frozenset()  # attributes that must be no ("caffeine free": caffeine "None", not "Medium")
    values: tuple[tuple[str, frozenset[str]], ...] = ()  # (attribute, values it must list)
    kinds: frozenset[str] = frozenset()  # what the product must be, in the store's words ("pot", "plant")
    qualifiers: tuple[str, ...] = ()  # words before that kind that its products must say ("glazed")
    # kinds known only from the ends of product names ("binocular"): a product that says the word is one too
    # ("Cleansing Balm" among "Gel Cleanser" and "Cream Cleanser")
    titled: frozenset[str] = frozenset()
    # what the store's products are, by their categories and the ends of their names ("crib", "mattress")
    store_kinds: frozenset[str] = frozenset()
    named_kinds: frozenset[str] = frozenset()  # those of them the request names ("kit" of "aquarium starter kit")

    @classmethod
    def read(cls, request: str, products: list[Product]) -> "AttributeWishes":
        said = re.sub(r"[-_]", " ", language.normalise_phrases(_with_english(request)).lower())
        if language.PET_SAFETY.search(request):
            said += " pet safe pet friendly"
        said += "".join(f" {grade}" for condition, grade in language.RATED_FOR if condition.search(request))
        kinds = frozenset() if language.product_kinds(request) else _store_kinds_asked(said, products)
        # "glazed" pots; a word none of them says ("skincare" tools) narrows nothing
        narrowed = tuple(part for q in qualifiers(request, kinds) if _singular(q) not in kinds
                         for part in re.findall(r"[a-z]+", q) if any(_says(p, part) for p in products)) if kinds else ()
        flags, free_of, listed = set(), set(), defaultdict(set)
        for product in products:
            for name, value in product.attributes.items():
                if name in NOT_FACTS:
                    continue
                phrase = re.escape(name.replace("_", " ").lower())
                if re.search(rf"(?<![a-z]){phrase} free\b|\b(?:no|without|non) {phrase}(?![a-z])", said):
                    free_of.add(name)  # "caffeine free", "without fragrance"
                elif language.flag(value) is not None:
                    if re.search(rf"(?<![a-z]){phrase}(?![a-z])", said) and not re.search(rf"\bnot {phrase}", said):
                        flags.add(name)
                else:
                    listed[name].update(_listed(value))
        values = []
        for name, choices in listed.items():
            if len(choices) < 2:
                continue  # what every product here says tells none apart
            wanted = frozenset(c for c in choices if re.search(rf"(?<![a-z]){re.escape(_singular(c))}s?(?![a-z])", said))
            if wanted:
                values.append((name, wanted))
        # "low light": "low" is a value of light_needs and of humidity; the attribute the request names has it
        named = [(name, wanted) for name, wanted in values if any(
            re.search(rf"(?<![a-z]){re.escape(word)}", said) for word in name.lower().split("_") if len(word) > 2)]
        values = [(name, wanted) for name, wanted in values
                  if (name, wanted) in named or not any(wanted & other for _, other in named)]
        held = _category_kinds(products)
        titled = frozenset(k for k in kinds if not any(category.endswith(k) for category in held))
        store_kinds = frozenset(_kinds_of(products))
        return cls(frozenset(flags - free_of), frozenset(free_of), tuple(values), kinds, narrowed, titled=titled,
                   store_kinds=store_kinds,
                   named_kinds=frozenset(k for k in store_kinds if _kind_named(k, said)))

    def asked_part(self, request: str) -> str:
        """The request up to the kind of product it asks for: "a self watering pot" of "a self watering pot for a
        plant that needs low light"."""
        ends = [match.end() for kind in self.kinds if (match := _kind_named(kind, request.lower()))]
        return request[:min(ends)] if ends else request

    def affirmed_by(self, product: Product) -> bool:
        """Does the product say yes to every yes-or-no wish, and no to what it must be free of?"""
        return all(language.flag(product.attributes.get(name, "")) is True for name in self.flags) and all(
            language.flag(product.attributes.get(name, "")) is False for name in self.free_of)

    def unmet_by(self, product: Product) -> bool:
        """Does the product state that it lacks one of the wishes, or is it another kind of product? (One that
        states nothing is not ruled out.)"""
        if any(language.flag(product.attributes.get(name, "")) is False for name in self.flags):
            return True
        if any(name in product.attributes and language.flag(product.attributes[name]) is not False for name in self.free_of):
            return True  # "caffeine: Medium" for a caffeine-free tea
        is_a = {_head(product.title), *_category_heads(product.category)}  # "Houseplants" hold plants
        if self.kinds and not any(mine and mine.endswith(kind) for mine in is_a for kind in self.kinds) \
                and not any(_says(product, kind) for kind in self.titled):
            return True  # a grow light is no plant, though "plant" is in its description
        head = _head(_MARK_AT_END.sub("", language.PARENTHESES.sub("", product.title)))  # "Mineral Sunscreen SPF 30": a sunscreen
        if self.kinds and head in self.store_kinds - self.named_kinds and any(
                _kind_named(f"{kind} {head}", product.title.lower()) for kind in self.kinds):
            return True  # a "Mini Crib Mattress" is a mattress for a crib, not a crib
        if not all(_says(product, word) for word in self.qualifiers):
            return True
        for name, wanted in self.values:
            if name in product.attributes:
                mine = _listed(product.attributes[name]) | _said_whole(product.attributes[name])
                if not any(language.ALL_OF_THEM.search(v) for v in mine) and not all(  # "ticks" in "paralysis ticks"
                        any(re.search(rf"(?<![a-z]){re.escape(_singular(w))}", v) for v in mine) for w in wanted):
                    return True
        return False


TITLE_KIND_PRODUCTS = 2  # a word that ends this many products' names says what kind of product they are
COMMON_KIND_FREQUENCY = 4.0  # the end of a compound category name that is a word of its own ("plant" of "houseplant")


def _store_kinds_asked(said: str, products: list[Product]) -> frozenset[str]:
    """"a pet safe plant", "a self watering pot": the kind of product, among those this store's categories hold
    ("Houseplants", "Pots & Planters"), that a request asks for. The first one named is what is asked for ("a plant
    that can handle low light" is no light), unless another is offered beside it ("a toner or a moisturiser")."""
    held = _category_kinds(products)
    heads = _kinds_of(products) | {category[start:] for category in held for start in range(1, len(category) - 4)
                                   if language.general_frequency(category[start:]) >= COMMON_KIND_FREQUENCY}  # "plant"
    named = sorted((match.start(), head) for head in heads if (match := _kind_named(head, said)))
    if not named:
        return frozenset()
    return frozenset({named[0][1]} | {head for (start, head), (previous, _) in zip(named[1:], named)
                                      if re.search(r"\bor\b|或|还是", said[previous:start])})


def _kinds_of(products: list[Product]) -> set[str]:
    """What the products are: the heads of their categories and names that a category holds, and the ends of
    names that several products share ("Binoculars" ends two names in "Optics")."""
    held = _category_kinds(products)
    heads = {head for product in products for head in (_head(product.title), *_category_heads(product.category))
             if head and any(category.endswith(head) for category in held)}
    titled = Counter(_head(product.title) for product in products)
    return heads | {head for head, count in titled.items() if head and count >= TITLE_KIND_PRODUCTS}


def _category_kinds(products: list[Product]) -> set[str]:
    """What the products' categories hold: "Pots & Planters" -> "pot", "planter"."""
    return {head for product in products for head in _category_heads(product.category)}


def _kind_named(kind: str, text: str) -> re.Match | None:
    """Where lowercase ``text`` names the kind ("pots"); "fragrance-free" names no fragrance."""
    return re.search(rf"(?<![a-z]){re.escape(kind)}(?:e?s)?(?![a-z])(?![- ]free\b)", text)


def _says(product: Product, word: str) -> bool:
    """Does the product say the word, or one of its forms? "fast growing" is said by "a fast grower", "glazed" by
    "matte glaze" (not by "unglazed"), "board" by the category "Board Games", "fragrance free" by "fragrance_free: yes"."""
    affirmed = [name.replace("_", " ") for name, value in product.attributes.items() if language.flag(value) is True]
    said = " ".join([product.title, product.description, product.category, *product.attributes.values(), *affirmed])
    return any(w.startswith(word[:max(4, len(word) - 3)]) for w in re.findall(r"[a-z]+", said.lower()))


def words_said(product: Product, request: str, glosses: Iterable[str] = ()) -> int:
    """How many of the request's words the product says ("synthetic insulated layer": an insulated synthetic jacket
    says three, a merino base layer one). A Chinese word counts when the product writes it ("冲锋衣") or one of its
    ``glosses``, the store's English words for it ("活塞" -> "piston")."""
    english = " ".join([_with_english(request), *glosses]).lower()
    words = {w for w in re.findall(r"[a-z]{3,}", english) if w not in language.STOPWORDS}
    written = " ".join([product.title, product.description, *product.attributes.values()])
    chinese = {w for w in content_words(request) if len(w) >= 2 and language.has_cjk(w) and w in written}
    return sum(_says(product, word) for word in words) + len(chinese)


def _head(title: str) -> str | None:
    """What a product is, by the last word of its name that is no number, unit, size or colour: "AquaRoot
    Self-Watering Pot 16 cm" -> "pot"."""
    for word in reversed(re.findall(r"[a-z]+", title.lower())):
        if len(word) >= 3 and word not in language.UNITS and word not in language.SIZE_WORDS and not language.colour_names(word):
            return _singular(word)
    return None


def _category_heads(category: str) -> list[str]:
    """What a category holds: "Pots & Planters" -> ["pot", "planter"], "Houseplants" -> ["houseplant"]."""
    return [_singular(part.split()[-1]) for part in re.split(r"&|,|\band\b", category.lower()) if part.split()]


def _singular(word: str) -> str:
    """"cats" -> "cat": a shopper's "for my cat" asks for "Species: Cats"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _listed(value: str) -> set[str]:
    """The words of a listed value ("oily, combination, blemish-prone"; "espresso to French press"), without
    numbers or colours."""
    value = language.PARENTHESES.sub("", value)  # "mineral (zinc oxide)" is "mineral"
    return {v for v in (p.strip(" .").lower() for p in re.split(r"[,;/]| and | to ", value))
            if len(v) >= 3 and len(v.split()) <= 3 and v not in language.STOPWORDS
            and (not any(ch.isdigit() for ch in v) or re.fullmatch(r"\d-[a-z]+", v))  # a grade ("4-season"), no measure
            and not language.colour_names(v) and not any(p.search(v) for p in language.AUDIENCE_WORDS.values())}


def _said_whole(value: str) -> set[str]:
    """A value too long to list, as one ("Whole bed machine washable (gentle cycle)"), unless it denies."""
    value = language.PARENTHESES.sub("", value).strip().lower()
    return set() if language.is_negative(value) else {value}


_MARK_AT_END = re.compile(r"\s+[a-z]+\s*\d[\w.–-]*\s*$", re.I)  # a name's closing mark and number: "SPF 30", "Mk 2"


def _with_english(request: str) -> str:
    """A Chinese request with the English words of the features and values it names ("不含香精" -> "fragrance free",
    "小猫" -> "kitten")."""
    return " ".join([request, *(english for word, english in _ENGLISH_OF_CHINESE.items() if word in request)])


_ENGLISH_OF_CHINESE = {**language.FEATURE_WORDS_ZH, **language.VALUE_WORDS_ZH}


def fits(product: Product, request: str, wants: Filters | None = None, waived: frozenset[str] = frozenset()) -> bool:
    """Does the product meet everything the shopper said beyond the search filters? ``wants`` may name the
    audience and activity (remembered from earlier in the conversation); else they are read from ``request``."""
    return unmet(product, request, wants, waived) is None


def unmet(product: Product, request: str, wants: Filters | None = None, waived: frozenset[str] = frozenset()) -> str | None:
    """The first kind of constraint (one of UNMET_KINDS) the product does not meet, or None when it meets all;
    ``waived`` names kinds not checked."""
    wants = wants or Filters()
    wanted = [wants.audience] if wants.audience else language.audiences(request)
    mine = audience(product)
    # A product its catalog calls kid-friendly ("kid_friendly: yes") suits a child too
    kid_friendly = any(language.AUDIENCE_WORDS["kids"].search(name.replace("_", " ")) and language.flag(value) is True
                       for name, value in product.attributes.items())
    if wanted == ["kids"] and not made_for_children(product) and not kid_friendly:
        return "audience"
    if "kids" not in wanted and mine == "kids":
        return "audience"  # children's products only when asked for
    if wanted and mine != "everyone" and mine not in wanted and not ("kids" in wanted and made_for_children(product)):
        return "audience"  # "for me, my husband and our toddler": one for any of them, or for everyone
    if language.UNISEX.search(request) and mine != "everyone":
        return "audience"
    if language.NOT_UNISEX.search(request) and mine == "everyone":
        return "audience"  # "a jacket cut for women (not a unisex one)"
    facts = " ".join(f"{name.replace('_', ' ')} {value}" for name, value in product.attributes.items())
    said = f"{product.title} {product.description} {facts}".lower()
    described_as = f"{product.title} {product.description}".lower()
    activities = [language.ACTIVITIES[wants.activity][1]] if wants.activity in language.ACTIVITIES else language.activities(request)
    if "activity" not in waived and any(not re.search(pattern, said) for pattern in activities):
        return "activity"
    ruled_out = unwanted(request)
    if any(re.search(rf"\b{re.escape(word)}", product.title.lower()) for word in ruled_out):
        return "kind"  # "a real tent, not a tarp"
    # A title that names a kind says what the product is ("Trail Gaiters" that keep grit out of running shoes);
    # else its description, use and a category that is one kind do ("Tundra Kids' Puffer" in Jackets, but a bivy
    # sack in "Tents & Shelter" is no tent).
    category = "" if re.search(r"&|,|\band\b", product.category) else product.category
    kind = product.title.lower() if language.product_kinds(product.title) else \
        f"{product.title} {product.description} {product.attributes.get('use', '')} {category}".lower()
    wanted_kinds = [k for k in language.product_kinds(request) if k not in ruled_out]
    either = any if len(wanted_kinds) > 1 and _ALTERNATIVES.search(request) else all
    if wanted_kinds and not either(_is_a(kind, word) for word in wanted_kinds):
        return "kind"  # a lantern is no headlamp, though both are electronics; a bottle holster is no bottle
    # "a knife made in Japan": its facts, or its own "made in ...", name the place ("tougher than Japanese knives" does not)
    origin = f"{facts} {' '.join(re.findall(r'made in [^.,;]+', described_as))}"
    if language.MADE_IN.search(request) and (places := language.entities(request).get("place")) \
            and not places & language.entities(origin).get("place", set()):
        return "origin"
    # What the product is said to be or have. An attribute's name counts only word for word: "waterproof rating"
    # has a laptop sleeve's "laptop_sleeve" but says nothing of warmth, though "rating" and "warm" are synonyms.
    stated = " ".join(value if language.flag(value) is not True else name.replace("_", " ")
                      for name, value in product.attributes.items())
    text = f"{product.title} {product.description} {stated}".lower()
    described = TermIndex(text)
    names = TermIndex(" ".join(name.replace("_", " ") for name, value in product.attributes.items()
                               if language.flag(value) is not False))
    denied = {name.replace("_", " ") for name, value in product.attributes.items()
              if language.flag(value) is False}
    lowered = request.lower()
    if any(word in lowered and not (language.flag(product.attributes.get(name, "")) is True
                                    or word in described_as) for word, (name, _) in ATTRIBUTE_WORDS.items()):
        return "feature"  # "something waterproof": "Waterproof: no", or no word of it
    if language.WARMTH_ASKED.search(request) and language.product_kinds(request) and not (
            language.WARMTH_SAID.search(described_as) or language.flag(product.attributes.get("insulation", "no")) is not False):
        return "feature"  # "a warm jacket": a rain shell is not one
    for word in features(request) + qualifiers(request):
        if word in language.USE_WORDS and "activity" in waived:
            continue  # "winter camping sleeping pad": what it is for, waived like an activity
        if word in denied:
            return "feature"  # "an insulated jacket" and "Insulated: no"
        if any(ch.isdigit() for ch in word):  # "4-season" is no "3-season"
            if not re.search(re.escape(word).replace("\\-", "[- ]?"), said):
                return "feature"
        elif not (described.covers(word) or names.match(word) >= 1.0 or re.search(rf"(?<![a-z]){re.escape(word)}", text)):
            # "with a rain cover", "in a wide fit", "an insulated jacket", "zip-off"; "winter" is what it is for
            return "activity" if word in language.USE_WORDS else "feature"
    measures, ranges = product_measures(product), product_ranges(product)
    for bound in measure_bounds(request):
        found = (ranges if bound.subject else measures).get(bound.measure) or _rating_named(measures, bound.measure)
        if found is None:
            if bound.stated:
                return "measure"
            continue
        low, high = found
        if (bound.low is not None and high < bound.low) or (bound.high is not None and low > bound.high):
            return "measure"
    return None


def _rating_named(measures: dict[str, tuple[float, float]], asked: str) -> tuple[float, float] | None:
    """The product's rating the shopper's words name: "chew rating" is its "chew resistant rating"."""
    words = set(asked.split())
    if not asked.endswith(("rating", "level")) or len(words) < 2:
        return None
    return next((found for name, found in measures.items() if name.split()[-1:] == asked.split()[-1:]
                 and words - set(asked.split()[-1:]) <= set(name.split())), None)


def superlative_key(request: str):
    """"the cheapest tent", "最轻的睡袋": a sort key for products, best first; None when nothing is asked superlatively.
    Products that do not state the measure go last."""
    lowered = request.lower()
    word = next((w for w in language.SUPERLATIVE_ORDER if w in lowered), None)
    if word is None:
        return None
    ranking = language.SUPERLATIVE_ORDER[word]

    def key(product: Product) -> tuple[bool, float]:
        measures = {**product_measures(product), "price": (product.price,)}
        for measure, descending in ranking:  # "the warmest pad": no temperature rating, so its R-value
            if measure in measures:
                value = measures[measure][0]
                return False, -value if descending else value
        return True, 0.0
    return key
