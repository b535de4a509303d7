"""The reader: between retrieval and the reply, it decides which sentences answer which part of
the question, about the right entities, and whether the question can be answered at all.

question analysis (question.py) -> sentence evidence per part (evidence.py) -> answerability,
each decision with its reason, so a test or an engineer can see why an answer was given or refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable

from rag import language
from rag.models import Chunk, Passage
from rag.product_record import AVAILABILITY, BACKORDER, COLOURS, OUT_OF_STOCK, PREORDER, SIZES, Product
from rag.reader.conditions import (
    amount_condition_holds,
    asked_variant_offered,
    asked_variant_state,
    comparison_holds,
    count_bound_holds,
    for_purchases_between,
    lead_time_holds,
    listed_choice_holds,
    only_if_holds,
    rule_for_purchase,
    window_clause,
    window_condition,
)
from rag.reader.evidence import (
    Scored,
    Sentence,
    SentenceVectors,
    TermIndex,
    coverage,
    sentences_of,
    stem,
    term_weights,
)
from rag.reader.question import (
    COMPARISON_WORDS,
    Question,
    SubQuestion,
    analyse,
    asking_clause,
    key_terms,
    split_comparison,
)
from rag.reader.translation import CrossLingualTerms
from rag.text import content_words, tokens

LOCAL_LIST_ITEMS = 3  # the other items of a list for the shopper's place that join its first
_CONDITION = re.compile(r"^\s*(?:if|when|should)\b|^\s*如果", re.I)  # a condition whose consequence follows

__all__ = ["Finding", "Reader", "ReaderThresholds", "Reading", "Scored", "Sentence", "analyse"]


@dataclass
class ReaderThresholds:
    """When a part counts as answered. Chosen on the dev, dev2 and dev_store splits, never on test (docs/evaluation.md)."""

    min_coverage: float = 0.5  # weighted share of the part's key terms the best sentence covers...
    min_focus_coverage: float = 0.6  # ...or of the asking clause's terms ("Can I send it back?" after a story)
    # A specific word (Zipf frequency below this) that no passage mentions means the store may not know...
    unknown_word_frequency: float = 5.0
    # ...unless the best sentence is this close in meaning (it says it in other words).
    paraphrase_similarity: float = 0.6
    min_similarity: float = 0.25  # cosine between the part and the sentence (with its context)
    min_aspect_coverage: float = 0.3  # share of the terms a product's name does not cover that its fact covers
    direct_coverage: float = 0.3  # a Yes/No is given only when the best sentence covers this much
    keep_margin: float = 0.15  # another sentence joins the best when within this score and it adds coverage


@dataclass
class Finding:
    """What the passages say to one part of the question."""

    part: SubQuestion
    evidence: list[Scored] = field(default_factory=list)  # chosen sentences, best first
    answerable: bool = False
    reason: str = ""
    direct: str | None = None  # "yes" or "no" for a yes/no part answered with confidence; "free" for an amount; "no_free"
    # for "do I still pay ...?" when the shopper's case costs nothing
    signals: dict[str, float] = field(default_factory=dict)  # what the decision was made on


@dataclass
class Reading:
    question: Question
    findings: list[Finding]

    @property
    def answerable(self) -> bool:
        return any(f.answerable for f in self.findings)

    @property
    def reason(self) -> str:
        return "; ".join(f"{f.part.text!r}: {f.reason}" for f in self.findings)


class Reader:
    """Scores every sentence of the retrieved passages against each part of the question.

    ``document_counts(terms)`` gives how many chunks of the index hold each term, so rare terms
    (the "clearance" in a returns question) weigh more than common ones (the "return").
    """

    def __init__(self, embedders, document_counts: Callable[[list[str]], dict[str, int]], total_chunks: int,
                 thresholds: ReaderThresholds | None = None, kind_categories: dict[str, str] | None = None,
                 translations: CrossLingualTerms | None = None):
        self.embedders = embedders
        self.translations = translations  # the store's English words for a Chinese question's words
        # The store's kinds of product and their categories ("headlamp" -> "Electronics", from its catalog): a
        # sentence that names the category speaks about the kind ("Electronics: 1 year" to "warranty on headlamps").
        self.kind_categories = {kind: category.lower() for kind, category in (kind_categories or {}).items()}
        self.document_counts = document_counts
        self.total_chunks = max(total_chunks, 1)
        self.thresholds = thresholds or ReaderThresholds()
        self.sentence_vectors = SentenceVectors()
        self._kind_pattern: re.Pattern | None = None

    def _split_compounds_unwritten(self, question: Question) -> None:
        """"the free-shipping threshold" at a store that writes "free shipping": a hyphenated term the store never
        writes is its words, when the store writes each of them."""
        pieces = {t: [p for p in t.split("-") if p] for t in question.terms if "-" in t and not language.has_cjk(t)}
        if not pieces:
            return
        counts = self.document_counts(list(dict.fromkeys([*pieces, *(p for ps in pieces.values() for p in ps)])))

        def written(word: str) -> bool:
            return bool(counts.get(word) or counts.get(stem(word)))

        split = {t: ps for t, ps in pieces.items() if len(ps) > 1 and not written(t) and all(map(written, ps))}
        for part in question.parts:
            part.terms = list(dict.fromkeys(p for t in part.terms for p in split.get(t, [t])))
            part.focus = list(dict.fromkeys(p for t in part.focus for p in split.get(t, [t])))

    def read(self, text: str, passages: list[Passage], compare: list[list[int]] | None = None) -> Reading:
        """``compare`` lists, for a comparison, the passages of each side (product passages by side)."""
        question = analyse(text)
        if not compare:  # "express or expedited?" without products: each side is a question of its own
            question.parts = [side for part in question.parts for side in split_comparison(part)]
        self._split_compounds_unwritten(question)
        sentences = [s for s in sentences_of(passages) if not s.staff]
        if not sentences:
            return Reading(question, [Finding(p, reason="no passage was retrieved") for p in question.parts])
        embedder = self.embedders.spaces()[self.embedders.space_for(text)]
        part_vectors, sentence_vectors = self.sentence_vectors.embed(embedder, [p.readable for p in question.parts], sentences)
        aliases = self.translations.aliases(question.terms) if self.translations and language.has_cjk(text) else {}
        kinds = self._kinds_asked(question, aliases)
        # The store's English words say a Chinese word in its product facts; in its English policies, the words a
        # dictionary gives for it do.
        glossed = self.translations.aliases(question.terms, by_meaning=False) if aliases else {}
        said_as = [aliases if passages[s.passage].chunk.kind == "product" else {} if language.has_cjk(s.text) else glossed
                   for s in sentences]
        # A policy sentence that names no kind of product is a rule for every kind: "You can return most items within
        # 30 days" speaks about returning a tent.
        # Unless a policy sentence on the same matter names that kind or its category: then the rule for it is there
        # ("Electronics: warranty 1 year" for a headlamp's warranty; not for returning one).
        policies = [s.searchable for s in sentences if passages[s.passage].chunk.kind != "product"]
        matter = [t for t in question.terms if t not in kinds]
        asked_kinds = " ".join(w for w in kinds if (w in self.kind_categories or w.rstrip("s") in self.kind_categories)
                               and not any(language.any_word((w, kinds[w])).search(text)
                                           and any(TermIndex(text).covers(t) for t in matter) for text in policies))
        general = [asked_kinds and passages[s.passage].chunk.kind != "product" and not self._names_a_kind(s.searchable)
                   for s in sentences]
        # A question about the product it names is not answered by another product's facts (but a comparison is).
        named = set() if compare else {i for i, p in enumerate(passages) if p.exact_match and p.chunk.kind == "product"}
        # "can you send the Bird of Paradise to Hong Kong?": a rule for its kind ("live plants") speaks about the
        # product by name (but "how much warmer does the silk liner make my bag?" asks for a fact of it)
        name_terms, kind_words = _named_kind(question.terms, [passages[i].chunk for i in named])
        rule_asked = bool(name_terms) and bool(language.POLICY_WORDS.search(text))
        # (or a made-up word of its name: "Cloudnest" in the heading of the Cloudnest sleep trial, for "... after you
        # pick up the Cloudnest Organic Mini Crib Mattress")
        coined = [t for t in name_terms if language.general_frequency(t) == 0 and not t.isdigit()]
        about_kind = [rule_asked and passages[s.passage].chunk.kind != "product"
                      and any(TermIndex(s.searchable).covers(k) for k in (*kind_words, *coined)) for s in sentences]
        indexes = [TermIndex(_with_kinds(f"{s.searchable} {s.choices}", kinds) + (f" {asked_kinds}" if rule else "")
                             + (f" {' '.join(name_terms)}" if kind else ""), a)
                   for s, a, rule, kind in zip(sentences, said_as, general, about_kind)]
        own = [(TermIndex(s.context, a), TermIndex(f"{s.lead_in} {s.text} {s.choices}", a)) for s, a in zip(sentences, said_as)]
        said_otherwise = {t: sorted((language.synonyms(t) | {stem(t)} | set(aliases.get(t, ()))) - {t}) for t in question.terms}
        counts = self.document_counts(list(dict.fromkeys([*question.terms, *(w for ws in said_otherwise.values() for w in ws)])))
        weights = term_weights(question.terms, counts, self.total_chunks, said_otherwise)
        # ("how does standard postage compare for the two of us?": "compare" asks how, it names nothing to find)
        unknown = {t for t in question.terms if not counts.get(t) and not counts.get(stem(t)) and t not in COMPARISON_WORDS}
        for term in unknown:  # a word the store never writes, in any form, tells no sentence apart from another;
            if not any(counts.get(w) for w in said_otherwise[term]):  # whether the store knows it is decided on its own
                weights[term] = 0.0
        # A Chinese word the store writes only by a translation ("冲突": "conflict") counts where a sentence says it:
        # a dictionary's word is one way among several to say it, and the store may write another.
        translated_only = frozenset(
            t for t in unknown if weights[t] and not any(counts.get(w) for w in language.synonyms(t) - {t}))
        offered = set().union(*(language.services_named(s.text) for s in sentences))  # the services the store names
        findings: list[Finding] = []

        def read_part(number: int, part: SubQuestion, vector) -> Finding:
            scored = [
                self._score(part, s, float(v @ vector), index, weights, passages, context, body, named, translated_only)
                for s, v, index, (context, body) in zip(sentences, sentence_vectors, indexes, own)
            ]
            if asked := language.services_named(part.text) & offered:  # Expedited, not the Express beside it
                for found in scored:
                    said = language.services_named(found.sentence.text)
                    found.entity_ok = found.entity_ok and not (said and not said & asked and not language.RESTRICTION.search(
                        found.sentence.text))  # "... with Standard shipping only" still answers "express to a PO box?"
            # "Horizon 2 帐篷多重？保修几年？": a part that keeps the first part's subject asks about the product that part
            # was answered from, not about another one beside it (the tent's repair kit).
            about = next((f for f in findings if part.subject and f.part.text == part.subject and f.evidence), None)
            if about is not None and passages[(own_product := about.evidence[0].sentence.passage)].chunk.kind == "product":
                for found in scored:
                    if found.sentence.passage != own_product and passages[found.sentence.passage].chunk.kind == "product":
                        found.entity_ok = False
            # "A or B — which is lighter and what's the price gap?": the second part compares the same products.
            compared = part.kind == "compare" or (number > 0 and question.parts[0].kind == "compare")
            if compared and compare and len(compare) >= 2:
                return self._compare(part, scored, compare)
            return _stock_finding(part, scored, passages) or self._decide(part, scored, unknown, indexes)

        for number, (part, vector) in enumerate(zip(question.parts, part_vectors)):
            finding = read_part(number, part, vector)
            if number and not finding.answerable and not part.subject and findings[0].answerable \
                    and part.kind != "compare" and question.parts[0].kind != "compare":
                # "what size laptop fits in the Travel Carry-On 40 and how heavy is the bag itself": a part the
                # passages cannot answer alone may be about what the first part asked about
                # ("the bag" is then the Travel Carry-On 40, not what is asked of it)
                called = {w for w in re.findall(r"\bthe\s+([a-z]+)", part.text.lower()) if self._is_kind(w)}
                about = replace(part, terms=[t for t in dict.fromkeys(part.terms + question.parts[0].terms) if t not in called],
                                focus=[t for t in part.focus if t not in called], subject=question.parts[0].text)
                again = read_part(number, about, embedder.embed([about.readable])[0])
                finding = again if again.answerable else finding
            findings.append(finding)
            # "Do you offer Saturday delivery, and what does it cost?": what "it" costs is unknown when "it" is.
            subject = next((f for f in findings[:-1] if part.subject and f.part.text == part.subject), None)
            if subject is not None and not subject.answerable:
                findings[-1] = Finding(part, reason=f"it asks about {part.subject!r}, which the store's information "
                                                    "does not answer")
        return Reading(question, findings)

    def _is_kind(self, word: str) -> bool:
        """Is the word a kind of product ("bag", "tank"): the store's or any store's?"""
        return any(w in self.kind_categories or w in language.PRODUCT_KINDS for w in (word, word.rstrip("s")))

    def _names_a_kind(self, text: str) -> bool:
        """Does the text name a kind of product or a category the store sells ("Footwear", "tents")?"""
        if self._kind_pattern is None:
            self._kind_pattern = language.any_word({*self.kind_categories, *self.kind_categories.values()})
        return bool(self._kind_pattern.search(text))

    def _kinds_asked(self, question: Question, aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
        """The kinds of product the question names, with the word before each ("hiking boots"), and their category;
        a Chinese word by the store's word for it ("电子产品": electronics)."""
        words = tokens(question.text)
        categories = set(self.kind_categories.values())
        kinds = {term: self.kind_categories.get(w) or w for term, said in aliases.items() for w in said
                 if w in self.kind_categories or w in categories}
        for position, word in enumerate(words):
            category = self.kind_categories.get(word) or self.kind_categories.get(word.rstrip("s"))
            if category:
                kinds[word] = category
                if position and words[position - 1] in question.terms:
                    kinds[words[position - 1]] = category
        return kinds

    def _score(self, part: SubQuestion, sentence: Sentence, similarity: float, index: TermIndex,
               weights: dict[str, float], passages: list[Passage], context: TermIndex, body: TermIndex,
               named: set[int], translated_only: frozenset[str]) -> Scored:
        covered, missing = coverage(part.terms, weights, index, translated_only)
        # A product fact's name says which product it is about; the fact itself must speak to the rest of the
        # question ("hours on a full charge" is not answered by the lantern's price).
        passage = passages[sentence.passage]
        # What the asking clause leaves open weighs, not the story before it ("... dunked in a creek — what's its
        # water rating?").
        aspects = []
        if passage.chunk.kind == "product":
            aspects = [t for t in _after_the_name(part.focus, context) if not context.covers(t)] or [
                t for t in part.terms if not context.covers(t)]
            aspects = [t for t in aspects if t not in OVERVIEW_WORDS]  # "do you sell the Stormline?" asks for it whole
            # "the 45L summit pack": a measure the product has says which one it is, not what is asked of it; and
            # "Jetflow 炉头多少钱？": neither is what the shopper calls a product they name.
            aspects = [t for t in aspects if not _measure_of(t, passage.chunk.text) and not (
                passage.exact_match and _kind_after_name(part.text, passage.chunk.title, t))]
        aspect_weights = {t: max(language.specificity(t), 0.3) for t in aspects}
        aspect_covered = coverage(aspects, aspect_weights, body)[0] if aspects else 1.0
        entity_ok, entity_bonus = _entity_fit(part, sentence)
        entity_ok = entity_ok and not _contrary(part, sentence, index)
        if named and passage.chunk.kind == "product" and sentence.passage not in named:
            entity_ok = False
        typed = _typed(part, sentence)
        focus = coverage(part.focus, weights, index, translated_only)[0] if part.focus else covered
        # "... take $5 off?" is answered by the sentence that states $5, among others about the same points.
        stated = 0.1 if any(_states(sentence.text, value) for value in _stated_values(part.text)) else 0.0
        score = (0.45 * similarity + 0.25 * covered + 0.2 * focus + 0.1 * typed + 0.15 * passage.similarity
                 + 0.1 * entity_bonus + (0.2 if passage.exact_match else 0.0) + stated)
        return Scored(sentence, score, similarity, covered, missing,
                      entity_ok and aspect_covered >= self.thresholds.min_aspect_coverage, typed, aspect_covered, focus,
                      passage.exact_match, entity_bonus > 0)

    def _decide(self, part: SubQuestion, scored: list[Scored], unknown: set[str], indexes: list[TermIndex]) -> Finding:
        limits = self.thresholds
        eligible = sorted((s for s in scored if s.entity_ok), key=lambda s: s.score, reverse=True)
        if paid := language.PAID_WITH.search(part.text):
            # "用礼品卡付的钱，退货的话钱退到哪里？": the gift card is how the shopper paid, so "Items that cannot be
            # returned: Gift cards" is about another thing
            method = key_terms(next(g for g in paid.groups() if g))
            eligible = [s for s in eligible if not (s.sentence.bullet and _denies(s.sentence)
                                                    and any(TermIndex(s.sentence.text).covers(t) for t in method))]
        if not eligible:
            wanted = ", ".join(sorted(n for names in part.entities.values() for n in names))
            return Finding(part, reason=f"no passage is about {wanted}" if wanted else
                           "no sentence speaks about what the question asks beyond its topic")
        case_notes: list[Scored] = []  # sentences stating no amount that speak to the shopper's stated case
        case = _case_terms(part.text) or _leading_case_terms(part.text)
        if part.kind == "amount" or (part.kind == "duration" and language.HOW_LONG.search(part.text)):
            typed = [s for s in eligible if s.typed]
            # a single Chinese character ("用") is too little to say the case
            case_notes = [s for s in eligible if not s.typed and not _denies(s.sentence)
                          and any(len(t) > 1 or not language.has_cjk(t) for t in set(case) - set(s.missing))]
            # "How long do refunds take if I paid with a gift card?" - "... refunded to a new gift card": the
            # shopper's case changes the answer, and only a sentence without a duration speaks to all of it.
            # "How long is the return window for clearance stuff?" - "Cannot be returned: clearance items": the
            # exception that names the shopper's case answers, though it states no duration.
            whole_case = bool(_CASE_STATED.search(part.text)) and eligible[0].coverage >= WHOLE_CASE and (
                not typed or typed[0].coverage < limits.min_coverage)
            # "How long after ordering can I cancel if it's already shipped?" - "An order that has shipped cannot be
            # cancelled": the exception that speaks to more of the shopper's stated case than the duration does.
            exception = None if whole_case or not typed else self._exception(part, eligible, typed[0])
            if exception is not None:
                eligible = [exception, *typed]
            elif not whole_case:
                eligible = typed
            if not eligible:
                return Finding(part, reason=f"no sentence states the {part.kind} asked for")
            # "How long is your warranty?": the table of warranty periods ("Electronics: warranty 1 year", ...), not a
            # duration under the warranty's heading ("We reply within 5 business days").
            if not _says_itself(part, eligible[0]):
                table = next((s for s in eligible if s.score >= eligible[0].score - self.thresholds.keep_margin
                              and s.coverage >= eligible[0].coverage and _says_itself(part, s)
                              and len(_rows_like(s, eligible)) >= MIN_TABLE_ROWS), None)
                eligible = eligible if table is None else [table, *(s for s in eligible if s is not table)]
        if unit := language.ASKS_IN_UNIT.search(part.text):  # "the waterproof rating in mm?" wants a number in mm
            family = language.unit_family(unit.group(1))
            eligible = [s for s in eligible if any(language.unit_family(u) == family
                                                   for u in language.STATED_UNIT.findall(s.sentence.text))]
            if not eligible:
                return Finding(part, reason=f"no sentence states a measure in {unit.group(1)}")
        if language.ASKS_MEASURE.search(asking_clause(part.text)):  # "how heavy is it?" is answered with a number
            eligible = [s for s in eligible if language.STATES_NUMBER.search(s.sentence.text)]
            if not eligible:
                return Finding(part, reason="no sentence states the measure asked for")
        if count := language.HOW_MANY.search(asking_clause(part.text)):
            eligible = [s for s in eligible if _counts(s.sentence.text, count.group(1))
                        and TermIndex(f"{s.sentence.field_label} {s.sentence.text}").covers(count.group(1).lower())]
            if not eligible:
                return Finding(part, reason=f"no sentence states how many {count.group(1)}")
        if language.ASKS_WEIGHT.search(asking_clause(part.text)):
            eligible = [s for s in eligible if language.STATES_WEIGHT.search(s.sentence.text)]
            if not eligible:
                return Finding(part, reason="no sentence states the weight asked for")
        if language.ASKS_LENGTH.search(part.text):  # "what torso lengths does the Summit 45 fit?"
            eligible = [s for s in eligible if language.STATES_LENGTH.search(s.sentence.text)]
            if not eligible:
                return Finding(part, reason="no sentence states the length asked for")
        if language.ASKS_CONTACT.search(asking_clause(part.text)):  # "what email do I use for privacy stuff?"
            eligible = [s for s in eligible if language.STATES_CONTACT.search(s.sentence.text)] or eligible
        if places := part.entities.get("place"):
            # "standard shipping to Juneau, how long?": the sentence that names Alaska, not the general one beside it
            # "We do not ship to other countries" names Mexico too, though it leaves out the word "order".
            named_anywhere = any(places & language.entities(s.sentence.text).get("place", set()) for s in eligible)
            if not named_anywhere:  # "I'm in Toronto": no sentence names Ontario, the one that names Canada speaks
                places = places | {language.PART_OF[p] for p in places if p in language.PART_OF}
                named_anywhere = any(places & language.entities(s.sentence.text).get("place", set()) for s in eligible)
            # the best sentence is for the region the place is in ("Standard shipping in the United States ..." to a
            # shopper in Hawaii): one that names the place itself may cover a little less and still speak first
            regional = {language.PART_OF.get(p) for p in places} & language.entities(eligible[0].sentence.text).get("place", set())
            naming = [s for s in eligible if s.score >= eligible[0].score - self.thresholds.keep_margin
                      and _names_place(s, places, eligible[0].coverage - (PLACE_NAMED_SLACK if regional else 0.0),
                                       named_anywhere)]
            # "same day delivery in amsterdam": a sentence under "Same-day courier in Amsterdam" says the very place
            # the shopper wrote, before the zone table's row for the Netherlands
            written = language.place_aliases(part.text) & language.CITY_NAMES
            spelled = [s for s in eligible if s.score >= eligible[0].score - self.thresholds.keep_margin
                       and s.coverage >= eligible[0].coverage and written & language.place_aliases(s.sentence.searchable)
                       ] if written else []
            naming = spelled + [s for s in naming if s not in spelled]
            eligible = naming + [s for s in eligible if s not in naming]
        if part.others:  # "expedited vs express": "Expedited and Express are available to Alaska" tells neither apart
            alone = next((s for s in eligible if s.score >= eligible[0].score - self.thresholds.keep_margin
                          and s.coverage >= eligible[0].coverage
                          and not any(re.search(rf"(?<!\w){re.escape(o)}", s.sentence.text.lower()) for o in part.others)), None)
            eligible = eligible if alone is None else [alone, *(s for s in eligible if s is not alone)]
        best = _override(eligible, self.thresholds.keep_margin) or eligible[0]
        # (a place the case names is read by place: "... if I live in Switzerland?")
        if part.kind == "yes_no" and (case := [t for t in _case_terms(part.text) or (
                _leading_case_terms(part.text) if language.has_cjk(part.text) else []) if not language.names_entity(t)]):
            best = self._for_the_case(part, case, eligible, best)
        if not best.sentence.field_label and best.sentence.position > 0:  # "Four shades." - the fact listing them
            facts = [s for s in eligible if s.sentence.passage == best.sentence.passage and s.sentence.field_label
                     and _speaks_to(part, s.sentence) and s.score >= best.score - limits.keep_margin]
            # the fact named for what is asked ("Waterproof: Yes" to "防水吗"), before one that only mentions it
            # ("In the box: ... rain guard")
            named = [s for s in facts if any(TermIndex(s.sentence.field_label).covers(t) for t in part.focus)]
            best = (named or facts or [best])[0]
        if best.sentence.field_label in _STOCK_LABELS and not language.ASKS_STOCK.search(part.text):
            # "in teal?" asks whether it comes in teal: the colours it comes in, not the variants sold out
            best = next((s for s in eligible if s.sentence.passage == best.sentence.passage
                         and s.sentence.field_label in _OFFER_LABELS and s.coverage >= best.coverage), best)
        # What the answer must name, or there is none: the service asked for ("Do you do a student discount?"), one of
        # the things a Chinese "A还是B" question offers ("帐杆是铝合金的还是碳纤维的？") - (reason, signal, test)
        required: list[tuple[str, str, Callable[[Scored], bool]]] = [
            (f"the store's information does not mention {service}", "service_named",
             lambda s, named=named: bool(named.search(s.sentence.searchable)))
            for service, named in language.services_asked(part.text)]
        if choices := _choices_asked(part.text):
            said = {id(s): index for s, index in zip(scored, indexes)}
            required.append((f"no sentence says which of {', '.join(choices)}", "choice_named",
                             lambda s: any(said[id(s)].covers(t) for t in choices)))
        for reason, signal, names in required:
            speaking = [s for s in eligible[:SERVICE_WINDOW] if names(s)]
            if not speaking:
                return Finding(part, [best], reason=reason, signals={signal: 0.0})
            best = best if best in speaking else speaking[0]
        never_mentioned = [t for t in part.focus if t in unknown and t not in OVERVIEW_WORDS and not language.has_cjk(t)
                           and not language.names_entity(t)  # a place the store never names: "other countries" may
                           and not re.search(r"\d", t)
                           and language.general_frequency(t) < limits.unknown_word_frequency
                           and not language.misspelt(t)  # "seperately" is a word the store may well use
                           and t not in language.BOUND_WORDS  # "minimum" is said by "from $50"
                           and t not in language.PEOPLE_WORDS  # "send it to my cousin": who it is for, not what is asked
                           and not any(i.covers(t) for i in indexes)]
        signals = {"coverage": round(best.coverage, 3), "focus": round(best.focus, 3),
                   "similarity": round(best.similarity, 3), "never_mentioned": len(never_mentioned)}
        finding = self._answerability(part, best, never_mentioned, signals)
        if finding is not None:
            return finding
        # (once the part is answerable) "... cancel an order after placing it if I miss that window?": the
        # nearly-as-good sentence for a shopper past the window ("If more than 60 minutes have passed, contact
        # support") speaks before the rule the case is outside of.
        if language.LATE_CASE.search(part.text) and not language.STATES_LATE.search(best.sentence.text):
            best = _nearly_as_good(best, eligible, lambda s: bool(language.STATES_LATE.search(s.sentence.text)))
        # "it's 10 days away": the tier the shopper's case falls in ("7 to 13 days before the class") speaks first
        if lead_time_holds(part.text, best.sentence.readable) is False:
            best = _nearly_as_good(best, eligible, lambda s: bool(lead_time_holds(part.text, s.sentence.readable)))
        # "bought it on Nov 10 as a gift, can he return it Jan 15?": the rule for purchases made then speaks first
        if not rule_for_purchase(part.text, best.sentence.readable):
            best = _nearly_as_good(best, eligible, lambda s: rule_for_purchase(part.text, s.sentence.readable))
        # "what's your return window?": the general rule, not the one for purchases made between two dates (unless
        # the question speaks of them more: "当圣诞礼物送人，明年1月中旬还能退吗？")
        if for_purchases_between(best.sentence.readable) and not rule_for_purchase(part.text, best.sentence.readable):
            best = _nearly_as_good(best, eligible, lambda s: not for_purchases_between(s.sentence.readable)
                                   and s.coverage >= best.coverage)
        chosen = [best]
        if best.sentence.faq and _asks_the_faq(part, best.sentence):  # the FAQ's own question: its whole answer
            answer = [s for s in scored if s.sentence.passage == best.sentence.passage][:FAQ_SENTENCES]
            direct = _direct(part, answer[0], limits.direct_coverage, answer) if part.kind == "yes_no" else None
            return Finding(part, answer, True, f"the FAQ {best.sentence.context!r} asks the same", direct,
                           {**signals, "faq_asks_same": 1.0})
        if best.sentence.field_label or best.exact:
            overview = _overview(part, best, scored)  # "Do you have FW-1029?": what it is, its price, its stock
            if overview:
                # "Is the Summit 65 in stock?": the fact that speaks to it first, and its Yes or No.
                speaking = [s for s in overview if s.sentence.field_label and _speaks_to(part, s.sentence)][:1]
                direct = _direct(part, speaking[0], limits.direct_coverage, speaking) if speaking and part.kind == "yes_no" else None
                return Finding(part, speaking + [s for s in overview if s not in speaking], True,
                               f"describes the product the question names ({_where(best.sentence)})", direct, signals)
        if _is_flag(best.sentence):  # "Waterproof: yes" with the fact that says how: "Water rating: IPX7"
            chosen += [s for s in scored if s.sentence.passage == best.sentence.passage and s.sentence.field_label
                       and not _is_flag(s.sentence) and _speaks_to(part, s.sentence)][:1]
        # "It costs $24.95." after "We ship to Japan."; "DHL Express is not offered ..." after "... can only be sent by
        # Tracked Standard" (what is offered instead).
        if best.sentence.previous and (_needs_previous(part, best.sentence) or (
                language.is_negative(best.sentence.text) and language.RESTRICTION.search(best.sentence.previous))):
            chosen = [s for s in scored if s.sentence.passage == best.sentence.passage
                      and s.sentence.position == best.sentence.position - 1][:1] + chosen
        # "Items cannot be added ..." + "Place a second order instead"; "... cannot be cancelled." + "You can return it"
        if language.is_negative(best.sentence.text):
            chosen += [s for s in scored if s.sentence.passage == best.sentence.passage and s not in chosen
                       and s.sentence.position == best.sentence.position + 1 and language.INSTEAD.search(s.sentence.text)][:1]
        if part.kind in ("amount", "duration"):  # "... within 5 business days." + "Your bank may take another 3 to 10."
            chosen += [s for s in eligible if s.sentence.passage == best.sentence.passage and s.typed
                       and s.sentence.position == best.sentence.position + 1 and s.sentence.previous][:1]
        if part.kind == "yes_no" and part.entities.get("place") and any(t in language.synonyms("ship") for t in part.terms) \
                and not language.is_negative(best.sentence.text):
            # "Do you ship to Japan?" - "We ship to ... Japan." + "Delivery takes 7 to 14 business days and costs $24.95."
            chosen += [s for s in eligible if s.sentence.passage == best.sentence.passage and s not in chosen
                       and s.sentence.position == best.sentence.position + 1
                       and language.STATES_NUMBER.search(s.sentence.text)][:1]
        if _CONDITION.match(best.sentence.text):  # "If an item arrives damaged, contact us." + "We send a replacement."
            chosen += [s for s in scored if s.sentence.passage == best.sentence.passage and s.entity_ok
                       and s.sentence.position == best.sentence.position + 1][:1]
        rows = _rows_like(best, eligible) if part.kind in ("amount", "duration") else []
        if len(rows) >= MIN_TABLE_ROWS and all(s.coverage >= best.coverage for s in rows):
            chosen += rows[:12]  # "how long is the warranty?" with one period per category, none asked: every row
        elif part.kind == "list" or best.sentence.bullet:
            # A list for the shopper's place says what holds there instead ("Northern Ireland: DPD Next Day is not
            # available; Royal Mail Tracked 48 takes 3-5 working days").
            local = best.on_entity and _names(part, best.sentence.lead_in)
            chosen += [s for s in eligible[1:] if _same_list(s.sentence, best.sentence)][
                : 12 if part.kind == "list" else LOCAL_LIST_ITEMS if local else 0]
        uncovered = set(best.missing)
        exact_place = part.entities.get("place", set()) & language.entities(best.sentence.text).get("place", set())
        for candidate in eligible[1:]:
            if len(chosen) >= 3 or not uncovered:
                break
            if (best.on_entity and not candidate.on_entity) or (
                    exact_place and not exact_place & language.entities(candidate.sentence.text).get("place", set())):
                continue  # the rates for Alaska (Hawaii), not the general (US) ones beside them
            if _another_products_fact(best, candidate):
                continue  # one product's facts answer about it, not another's beside them
            if _denies(best.sentence) and candidate.sentence.passage != best.sentence.passage and not _denies(
                    candidate.sentence):
                continue  # "clearance items cannot be returned": not the general rule it is the exception to
            same_product = candidate.sentence.field_label and candidate.sentence.passage == best.sentence.passage
            gain = uncovered - set(candidate.missing)
            if gain and (same_product or candidate.score >= best.score - limits.keep_margin) and candidate not in chosen:
                chosen.append(candidate)
                uncovered -= gain
        # "How long do refunds take if I paid with a gift card?": the duration, and what is said of the gift card
        chosen += sorted((s for s in case_notes if uncovered - set(s.missing) and s not in chosen),
                         key=lambda s: (-sum(len(t) for t in case if t not in s.missing), len(s.missing), -s.score))[:1]
        if part.entities.get("place") and not any(_restricted_elsewhere(part, s.sentence) for s in chosen):
            chosen += [s for s in sorted(scored, key=lambda s: s.score, reverse=True)
                       if s.sentence.passage == best.sentence.passage and not s.sentence.field_label
                       and _restricted_elsewhere(part, s.sentence, by_region=False)][:1]  # "... available in the United States only"
        elif methods := language.entities(best.sentence.text).get("payment"):
            # "那分期付款呢" - "With Klarna you can split orders ...": and where Klarna is offered, whoever asks
            chosen += [s for s in scored if s.sentence.passage == best.sentence.passage and s not in chosen
                       and methods & language.entities(s.sentence.text).get("payment", set())
                       and language.AVAILABLE_IN.search(s.sentence.text) and language.entities(s.sentence.text).get("place")][:1]
        # "It is free on orders of $150 or more.": the sentence "it" points back to comes first
        if language.POINTS_BACK.match(best.sentence.text) and not best.sentence.field_label:
            chosen[:0] = [s for s in scored if s.sentence.passage == best.sentence.passage and s not in chosen
                          and s.sentence.position == best.sentence.position - 1][:1]
        direct = _direct(part, best, limits.direct_coverage, chosen) if part.kind == "yes_no" else (
            "free" if part.kind == "amount" and _free_as_asked(part, chosen) else None)
        if direct == "no" and language.SHOPPER_PAYS.search(part.text) and _free_as_asked(part, chosen):
            direct = "no_free"  # "if my cart is around $160, do i still pay for shipping?": "No, it's free
        # "... cannot be cancelled." + "You can return it ...": what the shopper can do instead, after any denial chosen
        for said in [s for s in chosen[1:] if language.is_negative(s.sentence.text)]:
            chosen += [s for s in scored if s.sentence.passage == said.sentence.passage and s not in chosen
                       and s.sentence.position == said.sentence.position + 1 and language.INSTEAD.search(s.sentence.text)][:1]
        return Finding(part, chosen, True, f"answered by {_where(best.sentence)} (coverage {best.coverage:.2f}, "
                                           f"similarity {best.similarity:.2f})", direct, signals)

    def _exception(self, part: SubQuestion, eligible: list[Scored], duration: Scored) -> Scored | None:
        """The denial that answers an amount or duration question in place of the best sentence stating one."""
        # a case that leads an English question only says when ("Once you've got my return back, how long ...?");
        # a Chinese one states the case ("如果已经发货了，多久之内还能取消？")
        case = _case_terms(part.text) or (_leading_case_terms(part.text) if language.has_cjk(part.text) else [])
        if _CASE_STATED.search(part.text) and not case:
            return None

        def answers(s: Scored) -> bool:
            if case:  # an item of "cannot be returned:" must say the case itself
                # "... cancel if it already shipped?": both the duration's sentence ("... free shipping ... within 24
                # hours") and "An order that has shipped cannot be cancelled" say the case; the one whose own words
                # also say what is asked of it answers
                said = (_case_covered(case, s), _own_coverage(part.terms, s))
                return said > (_case_covered(case, duration), _own_coverage(part.terms, duration)) and said[0] > 0 \
                    and s.coverage >= duration.coverage - CASE_MARGIN \
                    and not (_listed_exclusion(s.sentence) and _case_covered(case, s) < LISTED_EXCEPTION_WORDS)
            return (s.coverage >= duration.coverage and bool(set(duration.missing) - set(s.missing))
                    and s.score >= duration.score - self.thresholds.keep_margin)

        return next((s for s in eligible if not s.typed and _denies(s.sentence) and answers(s)), None)

    def _for_the_case(self, part: SubQuestion, case: list[str], eligible: list[Scored], best: Scored) -> Scored:
        """"Can I cancel an order I placed this morning if it's already shipped?": the nearly-as-good sentence that
        speaks to the shopper's case ("An order that has shipped cannot be cancelled") answers before the rule that
        leaves the case out ("You can cancel an order within 60 minutes of placing it")."""
        def said(s: Scored) -> tuple[int, int, int]:  # (the heading "Orders that have shipped" says it too)
            heading = _stems(s.sentence.context)
            return _case_covered(case, s), sum(stem(t) in heading for t in case), _own_coverage(part.terms, s)

        speaking = [s for s in eligible if s.score >= best.score - self.thresholds.keep_margin
                    and s.coverage >= best.coverage - CASE_MARGIN and said(s)[:2] > said(best)[:2]]
        return max(speaking, key=said, default=best)

    def _answerability(self, part: SubQuestion, best: Scored, never_mentioned: list[str],
                       signals: dict[str, float]) -> Finding | None:
        """A refusal when the best sentence does not answer the part, with the reason; None when it does."""
        limits = self.thresholds
        # "Can I pick up my order at your warehouse?": a yes/no question's word the store never uses is what it asks.
        # "Do you sell my data to advertisers?" - "We never sell your personal data.": a "never" that says all the
        # rest answers for whoever the shopper names.
        universal = part.kind == "yes_no" and best.coverage >= UNIVERSAL_COVERAGE and _NEVER.search(best.sentence.text)
        if never_mentioned and not universal and (part.kind == "yes_no" or best.similarity < limits.paraphrase_similarity):
            reason = f"the store's information never mentions {', '.join(never_mentioned)}"
        elif best.coverage < limits.min_coverage and best.focus < limits.min_focus_coverage:
            reason = (f"the best sentence covers {best.coverage:.2f} of the key terms (needs {limits.min_coverage}); "
                      f"missing: {', '.join(best.missing)}")
        elif best.similarity < limits.min_similarity and not best.exact and not (
                best.on_entity and all(language.names_entity(t) for t in part.terms)):  # "do u take amex"
            reason = f"the best sentence's similarity {best.similarity:.2f} is below {limits.min_similarity}"
        else:
            return None
        return Finding(part, [best], reason=reason, signals=signals)

    def _compare(self, part: SubQuestion, scored: list[Scored], sides: list[list[int]]) -> Finding:
        """Both sides' values of the same fact: the label that answers best on every side."""
        by_label: dict[str, list[Scored]] = {}
        for side in sides:
            facts = [s for s in scored if s.sentence.passage in side and s.sentence.field_label]
            for label in {_same_fact(s.sentence.field_label) for s in facts}:
                best = max((s for s in facts if _same_fact(s.sentence.field_label) == label), key=lambda s: s.score)
                by_label.setdefault(label, []).append(best)
        complete = {label: found for label, found in by_label.items() if len(found) == len(sides)}
        if not complete:
            return Finding(part, reason="the products compared do not share the fact asked about")
        # The fact that speaks to what is compared ("lighter" -> weight) on every side, then the best scored.
        # A fact whose values differ tells the products apart ("IPX7" against "IPX4", not "waterproof: yes" twice).
        # A label that names what is compared ("R value" for "warmer") speaks to it whatever the products' names say.
        def priced(facts: list[Scored]) -> bool:  # "... and how much more is it?": an amount of two products is their price
            return part.kind == "amount" and all(language.MONEY.search(s.sentence.text) for s in facts)

        ranked = sorted(complete.items(), key=lambda item: (
            priced(item[1]),
            bool(_fact_terms(part, item[1])), min(s.aspect for s in item[1]),
            len({s.sentence.text.partition(":")[2] for s in item[1]}) > 1, min(s.score for s in item[1])), reverse=True)
        label, found = ranked[0]
        if _is_flag(found[0].sentence) and len({s.sentence.text for s in found}) == 1:
            # "which one is more waterproof?": not "waterproof: yes" twice, the rating that says how waterproof
            label, found = next(((other, facts) for other, facts in ranked[1:] if not _is_flag(facts[0].sentence)
                                 and len({s.sentence.text.partition(":")[2] for s in facts}) > 1
                                 and all(_speaks_to(part, s.sentence) for s in facts)), (label, found))
        if min(s.aspect for s in found) <= 0.0 and not _fact_terms(part, found) and not priced(found):
            # "what's the difference between the Nightfall 20 and the Nightfall 40?": the facts that tell them apart
            differing = [(other, facts) for other, facts in ranked if other not in _NO_DIFFERENCE
                         and len({s.sentence.text.partition(":")[2].strip() for s in facts}) > 1][:DIFFERENCE_FACTS]
            if language.ASKS_DIFFERENCE.search(part.text) and differing:
                return Finding(part, [s for _, facts in differing for s in facts], True,
                               f"the facts that differ between {len(sides)} products: "
                               f"{', '.join(other for other, _ in differing)}")
            return Finding(part, found, reason=f"no fact of both products answers the comparison (best: {label})")
        # "weight and price?": every fact the question names, each on every side.
        asked = set(_fact_terms(part, found))
        compared = [label]
        for other, facts in ranked[1:]:
            adds = set(_fact_terms(part, facts)) - asked
            if adds and min(s.aspect for s in facts) > 0.0:
                asked |= adds
                compared.append(other)
                found = found + facts
        # "Is the book light's warranty longer than the dice tray's?": Yes or No from the two values, in order.
        holds = comparison_holds(part.text, [s.sentence.text.partition(":")[2] for s in found[:len(sides)]])
        direct = None if holds is None else ("yes" if holds else "no")
        return Finding(part, found, True, f"compared {', '.join(compared)} of {len(sides)} products", direct)


DIFFERENCE_FACTS = 3  # facts that answer "what's the difference between A and B?"
# What a product comes in or whether it is in stock tells no difference between two products.
STOCK_QUESTION_OTHER_WORDS = 1  # words a stock question may hold beyond the product's text ("at the moment")
_OFFER_LABELS = (COLOURS, SIZES)  # the facts that list what a product comes in
_STATE_LABELS = {"in stock": AVAILABILITY, "out of stock": OUT_OF_STOCK, "preorder": PREORDER, "backorder": BACKORDER}
_STOCK_LABELS = tuple(_STATE_LABELS.values())
_NO_DIFFERENCE = frozenset(language.SAME_FACT.get(label.lower(), label.lower()) for label in _OFFER_LABELS + _STOCK_LABELS)


def _stock_finding(part: SubQuestion, scored: list[Scored], passages: list[Passage]) -> Finding | None:
    """"Basecamp Hiking Boot, black, size 10 - got any?" is answered from the named product's variants: Yes with
    where it is in stock, or No with the fact that lists it out of stock (and what is in stock instead)."""
    if not (cue := language.ASKS_STOCK.search(part.text)):
        return None
    for index, passage in enumerate(passages):
        if not (passage.exact_match and passage.chunk.kind == "product"):
            continue
        # "Can you email me when it comes back in stock?" asks for something else than whether it is in stock.
        said = TermIndex(f"{passage.chunk.text} {cue.group(0)} stock")
        if sum(not said.covers(t) for t in part.terms) > STOCK_QUESTION_OTHER_WORDS:
            continue
        product = Product.model_validate(passage.chunk.metadata)
        state = asked_variant_state(part.text, product)
        facts = {s.sentence.field_label: s for s in scored if s.sentence.passage == index and s.sentence.field_label}
        stating = facts.get(_STATE_LABELS.get(state or "", "")) or facts.get(AVAILABILITY)
        if not asked_variant_offered(part.text, product):  # no blue at all: the colours it comes in say so
            stating = next((facts[label] for label in _OFFER_LABELS if label in facts), stating)
        if state is None and OUT_OF_STOCK in facts and language.ASKS_ALL.search(part.text):
            # "现在都有货吗" of a watch sold out in one colour: No, with what is out of stock and what is not
            chosen = [facts[OUT_OF_STOCK], *([facts[AVAILABILITY]] if AVAILABILITY in facts else [])]
            return Finding(part, chosen, True, "the catalog lists some variants as out of stock", "no",
                           {"variant_state": 0.0})
        if state is None or stating is None:
            continue
        chosen = [stating]
        in_stock = facts.get(AVAILABILITY)
        if in_stock is not None and stating.sentence.field_label in _STATE_LABELS.values() and in_stock is not stating \
                and "in stock in" in in_stock.sentence.text:
            chosen.append(in_stock)  # what can be bought instead
        direct = "yes" if (state == "in stock") != part.negated else "no"
        return Finding(part, chosen, True, f"the catalog lists the variant asked about as {state}", direct,
                       {"variant_state": 1.0 if state == "in stock" else 0.0})
    return None


def _named_kind(terms: list[str], products: list[Chunk]) -> tuple[list[str], list[str]]:
    """The words of the question that name the products it names ("bird", "paradise"), and the words for their kind:
    their category's and the kinds of product their names say ("plants"; "harness")."""
    names = {w for chunk in products for w in tokens(chunk.title)}
    category = [w for chunk in products for w in content_words(str(chunk.metadata.get("category") or ""))]
    kinds = list(dict.fromkeys([*category, *filter(None, map(language.compound_tail, category)), *(
        k for chunk in products for k in language.PRODUCT_KINDS if re.search(rf"(?<![a-z]){re.escape(k)}", chunk.title.lower()))]))
    kind_index = TermIndex(" ".join(kinds))
    return [t for t in terms if t in names and not kind_index.covers(t)], kinds


def _with_kinds(text: str, kinds: dict[str, str]) -> str:
    """The sentence's text, plus each kind of product asked about whose category it names."""
    lowered = text.lower()
    named = [kind for kind, category in kinds.items() if category in lowered]
    return f"{text} {' '.join(named)}" if named else text


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


def _states(text: str, value: str) -> bool:
    """Does the text state the value: "$5", or "6 weeks" in "every 4, 6, 8 or 12 weeks"?"""
    if value in _compact(text):
        return True
    number_and_unit = re.fullmatch(r"(\d+)([a-z]+?)s?", value)
    if not number_and_unit:
        return False
    number, unit = number_and_unit.groups()
    listed = rf"(?<![\d.,]){number}(?:\s*(?:,|or|and|to|-|–)\s*\d+)*\s*{unit}"
    return bool(re.search(listed, text, re.I))


@lru_cache(maxsize=1024)  # asked once per sentence read
def _stated_values(text: str) -> tuple[str, ...]:
    """The amounts, dates and durations a question states ("$5", "30 days"), written without spaces."""
    return tuple(_compact(m.group(0)) for m in language.STATED_VALUES.finditer(text))


def _another_products_fact(best: Scored, candidate: Scored) -> bool:
    """Is the candidate a fact of another product than the best sentence's?"""
    return bool(best.sentence.field_label and candidate.sentence.field_label
                and candidate.sentence.passage != best.sentence.passage)


def _is_flag(sentence: Sentence) -> bool:
    """A product fact that is only a yes or a no ("Waterproof: yes")."""
    return bool(sentence.field_label) and language.flag(sentence.text.partition(":")[2]) is not None


def _speaks_to(part: SubQuestion, sentence: Sentence) -> bool:
    """Does a product fact speak to a word of the question that the product's name does not?"""
    name, fact = TermIndex(sentence.context), TermIndex(sentence.text)
    # "这件防水冲锋衣防水吗？": a word the name holds still asks for the yes-or-no fact whose label it is.
    return any(fact.covers(t) for t in part.terms if not name.covers(t) or _flag_named(sentence, t))


def _flag_named(sentence: Sentence, term: str) -> bool:
    return _is_flag(sentence) and TermIndex(sentence.field_label).covers(term)


def _same_fact(label: str) -> str:
    """One name for the labels that state the same fact ("IP rating", "Water rating")."""
    return language.SAME_FACT.get(label.lower(), label.lower())


def _fact_terms(part: SubQuestion, facts: list[Scored]) -> list[str]:
    """The question's words that a fact's label speaks to, on every side."""
    return [t for t in part.terms if all(TermIndex(s.sentence.field_label).covers(t) for s in facts)]


def _overview(part: SubQuestion, best: Scored, scored: list[Scored]) -> list[Scored]:
    """A question that names a product and asks nothing in particular about it gets its description, price and
    availability; empty when the question asks about something its name does not cover."""
    context = TermIndex(best.sentence.context)
    if part.kind in ("amount", "duration") or language.ASKS_MEASURE.search(part.text) or any(
            context.match(t) < 1.0 for t in part.terms if t not in OVERVIEW_WORDS):
        return []  # "how long does one game take?", "how many players?" ask for a value, not the overview
    mine = [s for s in scored if s.sentence.passage == best.sentence.passage]
    if any(_flag_named(s.sentence, t) for s in mine for t in part.terms):
        return []  # "is the waterproof shell waterproof?" asks for the fact its name also holds
    described = [s for s in mine if not s.sentence.field_label and s.sentence.position > 0][:1]
    facts = [s for s in mine if s.sentence.field_label in ("Price", "Availability")]
    return described + facts


OVERVIEW_WORDS = frozenset("sell sells carry stock have tell about details info information 有 卖 介绍".split())


FAQ_SENTENCES = 3  # an FAQ answer longer than this is quoted in part


def _asks_the_faq(part: SubQuestion, sentence: Sentence) -> bool:
    """Does the FAQ's question ask what the part asks: it holds the asking clause's words, and names the same places?"""
    asked = TermIndex(sentence.context)
    terms = part.focus or part.terms
    if not terms or sum(asked.covers(t) for t in terms) / len(terms) < FAQ_MATCH:
        return False
    case = _case_terms(part.text) or _leading_case_terms(part.text)
    if case and not any(asked.covers(t) for t in case):
        return False  # "如果已经发货了，还能取消吗？" is not "Can I cancel my order?" asked again
    named = language.entities(sentence.context)
    return all(any(language.covers_entity(named.get(kind, set()), w) for w in wanted)
               for kind, wanted in part.entities.items())


# A sentence that goes on from the one before: "You can also ...", "Free on orders of £75 or more." (what is?)
_GOES_ON = re.compile(r"^\s*(?:\w+\s+){0,2}(?:also|too)\b|^\s*(?:in addition|besides|otherwise|free on|free for|except|unless"
                      r"|but|and|or|plus)\b|^\s*(?:另外|此外|也)", re.I)
_ADDS_TO = re.compile(r"\b(?:another|a further|an additional)\s+\d", re.I)  # "Your bank may take another 3 to 10 days"
SERVICE_WINDOW = 10  # the best sentences searched for one that names a service the question asks for
LISTED_EXCEPTION_WORDS = 2  # words of the question an excluded list item must say to be the shopper's case ("climbing helmets")
CASE_MARGIN = 0.1  # coverage an exception that speaks to the shopper's case may lack against the duration


NAMING_RUN = 4  # the most words after a product's name that may still describe it ("那个 羽绒 睡袋")


@lru_cache(maxsize=4096)
def _kind_after_name(question: str, title: str, term: str) -> bool:
    """"Jetflow 炉头", "the jetflow stove": a kind of product said right after the name, as part of it (not the
    "bottles" of "does it come with bottles?"); and the words between the name and such a kind ("羽绒" of "Nightfall 20
    那个羽绒睡袋")."""
    said, name = tokens(question), set(tokens(title))
    if _is_kind_word(term):
        return any(word == term and position > 0 and said[position - 1] in name for position, word in enumerate(said))
    for position, word in enumerate(said):
        if word in name and position + 1 < len(said) and said[position + 1] not in name:
            run = said[position + 1:position + 1 + NAMING_RUN]
            run = run[1:] if run and run[0] in language.STOPWORDS else run
            kind_at = next((i for i, w in enumerate(run) if _is_kind_word(w)), None)
            if kind_at is not None and term in run[:kind_at]:
                return True
    return False


def _is_kind_word(word: str) -> bool:
    """Does the word, or a word for it, name a kind of product ("睡袋", "stove")?"""
    return any(language.product_kinds(w) for w in language.synonyms(word))


def _measure_of(term: str, text: str) -> bool:
    """"45l" is a measure the text states ("Capacity: 45 L")."""
    amount = re.fullmatch(r"(\d+(?:\.\d+)?)[a-z]+", term)
    return amount is not None and re.search(rf"(?<![\d.]){re.escape(amount.group(1))}(?![\d.])", text) is not None


def _case_terms(question: str) -> list[str]:
    """The key terms of the case a question ends on ("... cancel if it's already shipped?" -> already, shipped);
    none when the case leads ("Once you've got my return back, how long ...?" tells when, not an exception)."""
    stated = _TRAILING_CASE.search(question)
    return key_terms(stated.group(1)) if stated else []


def _leading_case_terms(question: str) -> list[str]:
    """The key terms of a case put before the question ("如果已经发货了，还能取消吗？" -> 发货)."""
    stated = _LEADING_CASE.match(question.strip())
    return key_terms(stated.group(1)) if stated else []


_LEADING_CASE = re.compile(rf"^(?:{language.ZH_CASE_WORDS}|(?:if|once|when)\b)(.+?)[，,]", re.I)


def _choices_asked(text: str) -> list[str]:
    """The words that tell apart the two things a Chinese "A还是B" question offers ("帐杆是铝合金的还是碳纤维的？" ->
    铝合金, 碳纤维; "琴键是木头的还是塑料的？" -> 木头, 塑料), aligned from their ends; none for another question."""
    asked = _CHOICE.search(text)
    if not asked:
        return []
    first, second = key_terms(asked.group(1)), key_terms(asked.group(2))
    first = first[-len(second):]
    choices = [t for t in dict.fromkeys(first + second) if not (t in first and t in second)]
    # a choice said by single characters alone has too many senses to be looked for in English
    return choices if any(len(t) > 1 or not language.has_cjk(t) for t in choices) else []


_CHOICE = re.compile(r"(?:^|[，,。；;是的])([^，,。；;是的]+?)的?还是([^，,。；;？?]+?)的?\s*[？?]?\s*$")


def _says_itself(part: SubQuestion, scored: Scored) -> bool:
    """Does the sentence's own text (not its heading) say something of what the question asks about?"""
    own = TermIndex(scored.sentence.text)
    return any(own.covers(t) for t in part.focus)


_ROW = re.compile(r"^([^:：]{1,40})[:：]\s*(\S+)")
MIN_TABLE_ROWS = 3  # rows of one table, besides the best, that make an answer per row


def _rows_like(best: Scored, eligible: list[Scored]) -> list[Scored]:
    """The other rows of the table the best sentence is a row of ("Footwear: warranty 1 year" beside "Electronics:
    warranty 1 year"): sentences of its passage that give another label the same kind of value."""
    mine = _ROW.match(best.sentence.text)
    if not mine or best.sentence.field_label:
        return []
    return [s for s in eligible if s is not best and s.sentence.passage == best.sentence.passage
            and (row := _ROW.match(s.sentence.text)) and row.group(2).lower() == mine.group(2).lower()
            and row.group(1) != mine.group(1)]


def _case_covered(case: list[str], scored: Scored) -> int:
    """How many of the case's terms the sentence says in their own words (a delivery is no shipment here); a
    Chinese term, in any of its English words when the sentence is English."""
    said = _stems(scored.sentence.text)
    english = not language.has_cjk(scored.sentence.text)
    return sum(stem(t) in said or (english and language.has_cjk(t) and any(stem(w) in said for w in language.english_words(t)))
               for t in case)


def _own_coverage(terms: list[str], scored: Scored) -> int:
    """How many of the terms the sentence's own text covers, not its heading."""
    own = TermIndex(scored.sentence.text)
    return sum(own.covers(t) for t in terms)


def _stems(text: str) -> set[str]:
    return {stem(w) for w in tokens(text)}


_TRAILING_CASE = re.compile(r"(?<=\w)[^,.?;，。？；]*?\s(?:if|once|unless)\s+([^,.?;，。？；]+)[\s?？.!]*$", re.I)
_NEVER = re.compile(r"\bnever\b|\bunder no circumstances\b|绝不|从不|永远不", re.I)
UNIVERSAL_COVERAGE = 0.9  # coverage of the question's other words at which a "never" answers it whatever else it names
CASE_KEEP_MARGIN = 0.2  # how much lower a sentence for a shopper past the window may score and still speak first
_CASE_STATED = re.compile(r"\b(?:if|when|once|after)\b|如果|的话", re.I)  # "... if I paid with a gift card?"
WHOLE_CASE = 0.95  # coverage at which a sentence that states no amount still answers "how long / how much" for the case
PLACE_NAMED_SLACK = 0.1  # coverage a sentence naming the shopper's very place may lack against one for its region
FAQ_MATCH = 0.75  # share of the asking clause's key terms the FAQ's question must hold


def _needs_previous(part: SubQuestion, sentence: Sentence) -> bool:
    """Does the sentence answer only with the one before it: the place or the words asked for are there, or it
    goes on from it ("You can also check out in euros")?"""
    if _GOES_ON.match(sentence.text) or _ADDS_TO.search(sentence.text):
        return True
    alone = f"{sentence.context} {sentence.lead_in} {sentence.text}"
    named = language.entities(alone)
    if any(not any(language.covers_entity(named.get(kind, set()), w) for w in wanted) for kind, wanted in part.entities.items()):
        return True
    index, window = TermIndex(alone), TermIndex(sentence.searchable)
    return any(window.covers(t) and not index.covers(t) for t in part.focus)


def _entity_fit(part: SubQuestion, sentence: Sentence) -> tuple[bool, float]:
    """A sentence about another place or payment method than the question's does not answer it."""
    if not part.entities:
        return True, 0.0
    if language.MADE_IN.search(part.text) and language.MADE_IN.search(f"{sentence.field_label} {sentence.text}"):
        return True, 0.0  # "made here in Australia?" - "Made in: New Zealand" answers No
    named = language.entities(sentence.searchable)
    if language.ELSEWHERE not in language.entities(sentence.text).get("place", ()):  # "寄往中国及其他国家" heads many
        named["place"] = named.get("place", set()) - {language.ELSEWHERE}
    bonus = 0.0
    for kind, wanted in part.entities.items():
        there = named.get(kind, set())
        if any(language.covers_entity(there, w) for w in wanted):
            bonus = 1.0
        elif there and not (language.RESTRICTION.search(sentence.text) or language.AVAILABLE_IN.search(sentence.text)) \
                and not _speaks_of_others(sentence.text):  # "Klarna: available for Netherlands" answers for Austria
            return False, 0.0
    return True, bonus


def _contrary(part: SubQuestion, sentence: Sentence, said: TermIndex) -> bool:
    """The sentence (``said`` indexes its searchable text) speaks of the contrary of what the question names
    ("60 hours on low" to "on its highest setting", a kids' jacket to an adult) and not of the thing itself."""
    return any(term in language.CONTRARIES and language.CONTRARIES[term].search(sentence.searchable)
               and not said.covers(term) and not language.CONTRARIES[term].search(part.text) for term in part.terms)


def _speaks_of_others(text: str) -> bool:
    return "other countries" in text.lower() or "其他国家" in text


def _typed(part: SubQuestion, sentence: Sentence) -> float:
    if part.kind == "amount":
        return 1.0 if language.MONEY.search(sentence.text) else 0.0
    if part.kind == "duration":
        return 1.0 if language.DURATION.search(sentence.text) else 0.0
    return 0.5


def _same_list(one: Sentence, other: Sentence) -> bool:
    return one.bullet and other.bullet and one.passage == other.passage and one.lead_in == other.lead_in


def _counts(text: str, noun: str) -> bool:
    """Does the sentence count the ``noun`` where it names it ("2 doors", "Doors: 2")? "individually pocketed coils"
    names coils without counting them; a sentence that names it another way ("Sleeps: 2" for people) may."""
    stem_ = noun[:-1] if noun.endswith("s") else noun
    named = list(re.finditer(rf"\b{re.escape(stem_)}\w*", text, re.I))
    return not named or any(language.STATES_NUMBER.search(" ".join(text[:m.start()].split()[-3:]))
                            or re.match(r"\s*[:：]\s*\d", text[m.end():]) for m in named)


def _listed_exclusion(sentence: Sentence) -> bool:
    """Excluded by the list it is an item of ("Items that cannot be returned: Gift cards"), not in its own words."""
    return _denies(sentence) and not language.is_negative(sentence.text)


def _nearly_as_good(best: Scored, eligible: list[Scored], speaks: Callable[[Scored], bool]) -> Scored:
    """The first sentence that speaks to the shopper's case and scores within CASE_KEEP_MARGIN of the best; else the best."""
    return next((s for s in eligible if s.score >= best.score - CASE_KEEP_MARGIN and speaks(s)), best)


def _denies(sentence: Sentence) -> bool:
    """Does the sentence exclude something from a rule, itself or by the list it is an item of ("Items that cannot
    be returned:")? "... no fabric softener" excludes nothing."""
    return bool(language.EXCLUSION.search(sentence.text) or (sentence.bullet and language.EXCLUSION.search(
        sentence.lead_in or sentence.context)))


def _names_place(scored: Scored, places: set[str], best_coverage: float, named_anywhere: bool) -> bool:
    """Does the sentence name one of the places, covering as much as the best sentence; or, when no sentence names
    them, speak of every place it does not name ("We do not ship to other countries")?"""
    named = language.entities(scored.sentence.text).get("place", set())
    # "These destinations are not eligible for free shipping" under "Alaska, Hawaii and US territories"
    headed = set() if named else language.entities(scored.sentence.context).get("place", set())
    return bool(places & (named | headed) and scored.coverage >= best_coverage) or (language.ELSEWHERE in named
                                                                         and not named_anywhere)


def _after_the_name(terms: list[str], context: TermIndex) -> list[str]:
    """A Chinese name's words before the product's kind are part of its name, not what is asked of it: in
    "Tova 手工打结地毯是什么材质的" only 材质 is asked, once 地毯 is the rug the context names."""
    named = [i for i, t in enumerate(terms) if language.has_cjk(t) and context.covers(t)]
    if not named:
        return terms
    return [t for i, t in enumerate(terms) if i > named[-1] or not language.has_cjk(t)]


_PARENTHESES = re.compile(r"\([^)]*\)")  # "(spaces are free)" is an aside to a price


def _direct(part: SubQuestion, best: Scored, min_coverage: float, chosen: list[Scored] = ()) -> str | None:
    """Yes or No, from the polarity of the best sentence (its heading too, for a list item); the sentence about the
    place or payment method asked about speaks before a general one."""
    naming = [s for s in chosen if _names(part, s.sentence.text)]
    best = best if not naming or best in naming else naming[0]
    sentence = best.sentence
    overrides = bool(_OVERRIDES.search(sentence.text))  # "... even if it is opened": the exception to the exceptions
    for scored in chosen:  # "Klarna is available in the United States only" to a shopper in Beijing
        if _restricted_elsewhere(part, scored.sentence) or (
                scored is not best and not overrides and _exception_to(best, scored, part.text)):
            return "yes" if part.negated else "no"
    if language.SHOPPER_PAYS.search(part.text) and not language.COSTS_NOTHING.search(_PARENTHESES.sub("", sentence.text)):
        # "do I have to pay to engrave my wedding band?" - "... cost $1.50 per character" beside "... are free on
        # engagement rings and wedding bands": the free case names what the price leaves out, and wins
        for scored in chosen:
            if scored is not best and language.COSTS_NOTHING.search(scored.sentence.text) \
                    and set(best.missing) - set(scored.missing) - language.TIME_CONNECTIVES:
                return "yes" if part.negated else "no"
    if (holds := listed_choice_holds(part.text, sentence.text)) is not None:  # "every 5 weeks?" - "every 4, 6 or 8 weeks"
        return "yes" if holds != part.negated else "no"
    if (holds := only_if_holds(part.text, sentence.text)) is not None:  # "... only if we sent the wrong item"
        return "yes" if holds != part.negated else "no"
    if _says_the_opposite(part, sentence.text):  # "is the return label free?" - "... is paid by the customer"
        return "yes" if part.negated else "no"
    if _goes_elsewhere(part.text, sentence.text):  # "back to my visa?" - "refunded to a new gift card"
        return "yes" if part.negated else "no"
    if language.MORE_COST_ASKED.search(part.text) and language.SAME_COST_SAID.search(sentence.text):
        return "yes" if part.negated else "no"
    if language.ASKS_STORE_PAYS.search(part.text) and language.SHOPPER_PAYS_SAID.search(_clause_for_place(part, sentence.text)):
        return "yes" if part.negated else "no"  # "退货运费是你们出吗？我在杭州" - "美国境外订单的退货运费由顾客承担"
    if language.FULL_ASKED.search(part.text) and language.DEDUCTED.search(sentence.text):
        return "yes" if part.negated else "no"  # "all my money back?" - "refunded minus a 10% restocking fee"
    if language.SHOPPER_PAYS.search(part.text) and language.STORE_PAYS.search(sentence.text) \
            and not language.is_negative(sentence.text):  # "do I have to pay to ship it back?" - "We pay shipping ..."
        return "yes" if part.negated else "no"
    ordered = [best, *(s for s in chosen if s is not best)]
    for scored in ordered:  # "$120" against "free on orders of $150 or more"
        if (holds := amount_condition_holds(part.text, scored.sentence.text)) is not None:
            # (an aside says nothing of the condition: "... free on orders of $120 or more (the $79 threshold does not apply)")
            return "yes" if holds != language.is_negative(_PARENTHESES.sub("", scored.sentence.text)) else "no"
    if window := window_condition(part.text, [s.sentence.text for s in ordered]):  # "after five weeks" - "within 30 days"
        index, holds = window
        said = window_clause(ordered[index].sentence.text)
        return "yes" if (holds != language.is_negative(said)) != part.negated else "no"
    if (holds := lead_time_holds(part.text, sentence.readable)) is not None:  # "10 days away" - "14 or more days ahead"
        return "yes" if (holds != language.is_negative(sentence.readable)) != part.negated else "no"
    if sentence.field_label and language.WITHOUT.search(part.text) and language.REQUIRED.search(sentence.text.partition(":")[2]):
        return "yes" if part.negated else "no"  # "can I use it without a subscription?" - "Subscription: required"
    said = language.flag(sentence.text.partition(":")[2]) if sentence.field_label else None
    if said is not None:  # "Waterproof: no", "Vegan: no (contains lanolin)"
        if language.FREE_OF_LABEL.fullmatch(sentence.field_label) and not language.SAYS_FREE_OF.search(part.text):
            said = not said  # "does it have added fragrance?" - "Fragrance free: Yes"
        return "no" if (not said) != part.negated else "yes"
    if language.AFFIRMATION_START.search(sentence.text) and not language.RESTRICTION.search(sentence.text):
        return "no" if part.negated else "yes"
    if language.NEGATION_START.search(sentence.text):
        return "yes" if part.negated else "no"
    if sentence.field_label and ((found := _direct_from_fact(part, sentence)) is not None
                                 or not language.is_negative(sentence.text.partition(":")[2])):
        return found
    if max(best.coverage, best.focus) < min_coverage:
        return None
    # "Opened food normally can't be returned, but our promise lets you return ...": the exception speaks last
    said = next(g for g in exception.groups() if g) if (exception := language.USUAL_RULE_BUT.search(sentence.text)) else sentence.text
    said = _ASIDE.sub("", said)  # "... expires 12 months after it is issued (unlike gift cards, which never expire)"
    negative = language.is_negative(said) or (sentence.bullet and language.is_negative(sentence.lead_in or sentence.context))
    if language.RESTRICTION.search(sentence.text) and set(best.missing) & set(part.focus) \
            and _restriction_concerns(part, sentence.text):
        negative = True  # "Standard shipping only" answers "can I get express?"
    return "yes" if negative == part.negated else "no"


def _free_as_asked(part: SubQuestion, chosen: list[Scored]) -> bool:
    """"how much is shipping if my cart is over 150 bucks?" - "costs $14.95, or nothing on orders of $150 or more":
    the amount the shopper names meets the condition under which the sentence says it costs nothing."""
    return any(amount_condition_holds(part.text, s.sentence.text) and language.COSTS_NOTHING.search(s.sentence.text)
               for s in chosen)


_ASIDE = re.compile(r"\s*[(（](?:unlike|except|but|not|不同于|不像)[^)）]*[)）]", re.I)


def _names(part: SubQuestion, text: str) -> bool:
    """Does the sentence itself name a place or payment method the part asks about?"""
    named = language.entities(text)
    return any(language.covers_entity(named.get(kind, set()), w) for kind, wanted in part.entities.items() for w in wanted)


def _says_the_opposite(part: SubQuestion, text: str) -> bool:
    """The sentence says the opposite of a word the question asks about, and not the word itself. A sentence about
    some places only ("International customers pay ...") does not answer a question that names none."""
    said_of = language.PARENTHESES.sub("", text)  # "carry an oversize fee per item ($59 in the contiguous US)" speaks of all places
    if not part.entities.get("place") and (language.entities(said_of).get("place") or language.INTERNATIONAL.search(said_of)):
        return False
    asked, said = TermIndex(part.text), TermIndex(text)
    return any(asked.covers(word) and not said.covers(word) and opposite.search(text)
               for word, opposite in language.OPPOSITES.items())


def _override(eligible: list[Scored], keep_margin: float) -> Scored | None:
    """A sentence that sets a rule aside for the shopper's case ("We will refund a product that caused a reaction
    ... even if it is opened, or on the hygiene list above") speaks before the rule it sets aside, when it is
    nearly as good and covers a word of the question the best sentence leaves out."""
    best = eligible[0]
    for candidate in eligible[1:]:
        if candidate.score < best.score - keep_margin:
            break
        if _OVERRIDES.search(candidate.sentence.text) and set(best.missing) - set(candidate.missing) \
                and not language.is_negative(candidate.sentence.text):
            return candidate
    return None


_OVERRIDES = re.compile(r"\beven (?:if|when|though)\b|\bregardless of\b|即使|即便|无论", re.I)


def _same_event(question: str, sentence: str, connective: str) -> bool:
    """The question and the sentence say the same thing happens after (before...) the same event."""
    said = _stems(sentence)
    events = [tokens(m.group(1)) for m in re.finditer(rf"\b{connective}\b([^,.?;]*)", question, re.I)]
    return connective in said and any(stem(w) in said for words in events for w in words[:4]
                                      if w not in language.STOPWORDS)


def _exception_to(rule: Scored, other: Scored, question: str) -> bool:
    """A sentence that denies, beside a rule that does not, about words of the question the rule leaves out
    ("Marketplaces such as Amazon Marketplace are excluded." beside "We match the price of ..."): the exception wins."""
    listed = _listed_exclusion(other.sentence)
    if not (language.is_negative(other.sentence.text) or listed) or language.is_negative(rule.sentence.text):
        return False
    # "a Christmas gift" is not excepted by "Gift cards cannot be returned"
    gained = set(rule.missing) - set(other.missing) - language.words_only_in_terms(other.sentence.text, question)
    gained -= _qualified_otherwise(gained, other.sentence.text, question)
    if listed and len(gained) < LISTED_EXCEPTION_WORDS:
        return False  # "a Christmas gift" is not the "Gift cards" of the list
    # "change the address after I've placed it?" is not excepted by "After it ships we cannot redirect it";
    # "... after it ships?" is: a word of time counts when the exception names the same event after it.
    return bool(gained - language.TIME_CONNECTIVES) or any(
        _same_event(question, other.sentence.text, word) for word in gained & language.TIME_CONNECTIVES)


_QUALIFIED = re.compile(r"\b([a-z]+ed)\s+([a-z]+)\b", re.I)  # "Engraved teapots", "opened fuel canisters"


def _qualified_otherwise(words: set[str], sentence: str, question: str) -> set[str]:
    """The words the sentence says only of a kind the question does not say it is ("teapot" of "Engraved teapots ...
    cannot be returned" to "can I return a teapot I bought on Dec 2?")."""
    asked = _stems(question)
    qualified = {stem(m.group(2).lower()) for m in _QUALIFIED.finditer(sentence) if stem(m.group(1).lower()) not in asked
                 and m.group(1).lower() not in language.STOPWORDS}
    said_plainly = {stem(w) for w in tokens(_QUALIFIED.sub(" ", sentence))}
    return {w for w in words if stem(w) in qualified and stem(w) not in said_plainly}


def _restricted_elsewhere(part: SubQuestion, sentence: Sentence, by_region: bool = True) -> bool:
    """The sentence limits something to places the question's place is not among ("... in the United States only",
    "... within the contiguous United States only" to a shopper in Alaska); ``by_region``: a region that leaves the
    place out limits it too ("... delivered in the contiguous US")."""
    wanted = part.entities.get("place", set())
    left_out = language.excluded_places(sentence.text)
    if not wanted or not (language.RESTRICTION.search(sentence.text) or language.AVAILABLE_IN.search(sentence.text)
                          or (by_region and left_out & wanted)):
        return False
    named = language.entities(sentence.text).get("place", set())
    return bool(named) and any(not language.covers_entity(named, w) or (w in left_out and w not in named) for w in wanted)


def _clause_for_place(part: SubQuestion, text: str) -> str:
    """Of a sentence whose clauses speak of different places ("US orders return free; outside the US the customer
    pays"), the clause about the question's place; else the whole sentence."""
    places = part.entities.get("place", set())
    clauses = re.split(r"[;；]", text)
    if not places or len(clauses) < 2:
        return text
    return next((clause for clause in clauses if any(
        language.covers_entity(language.entities(clause).get("place", set()), place) for place in places)), text)


def _restriction_concerns(part: SubQuestion, sentence: str) -> bool:
    """Does the question ask about what the sentence's "only" restricts? "... with Standard shipping only" restricts
    the shipping service: it answers "can I get express there?" but not "do you ship to APO addresses?"."""
    restricted = {language.slot_of(word.lower()) for match in _ONLY_OBJECT.finditer(sentence)
                  for word in re.findall(r"[\w-]+", " ".join(g for g in match.groups() if g))} - {None}
    return not restricted or any(language.slot_of(t) in restricted for t in part.terms)


_ONLY_OBJECT = re.compile(r"((?:[\w-]+\s+){1,2})only\b|\bonly\s+((?:[\w-]+\s*){1,2})", re.I)


def _goes_elsewhere(question: str, sentence: str) -> bool:
    """The question asks whether a refund goes to one place and the sentence sends it to another ("my bank card" -
    "a new gift card"); the original payment method may be either, so it tells nothing."""
    asked, said = language.refund_destination(question), language.refund_destination(sentence)
    return bool(asked and said) and asked != said and "original payment" not in (asked, said)


def _direct_from_fact(part: SubQuestion, sentence: Sentence) -> str | None:
    """A product fact answers "does it come in orange?" by listing orange or not.

    The words the product's name leaves open must each be in the fact as written: then the answer is
    yes ("Colours: Orange, Black"), or no for a fact that denies ("Out of stock: Orange"). A word the fact
    only matches by its kind ("orange" against a list of colours) is a no: the list does not hold it."""
    if (holds := count_bound_holds(part.text, sentence.text.partition(":")[2])) is not None:
        return "yes" if holds != part.negated else "no"  # "more than one battery?" - "Batteries included: 3"
    context = TermIndex(sentence.context)
    asked = [t for t in part.terms if not context.covers(t)]
    body = sentence.text.lower()
    named = [t for t in part.focus if TermIndex(sentence.field_label).covers(t)]
    for clause in re.split(r"[;,]", sentence.text.partition(":")[2]):  # "Bulb: E26 socket; bulb not included"
        if named and all(TermIndex(clause).covers(t) for t in named) and language.is_negative(clause):
            return "yes" if part.negated else "no"
    asked_places, said_places = part.entities.get("place", set()), language.entities(sentence.text).get("place", set())
    if asked_places and said_places and not asked_places & said_places:  # "made in Australia?" - "Made in: New Zealand"
        return "yes" if part.negated else "no"
    # ("does the cheaper pair come in green?": "cheaper" told which product, it is no value of its colours)
    values = [t for t in asked if t not in STOPWORD_LIKE_LABELS and t not in language.QUALITY_WORDS
              and TermIndex(sentence.field_label).match(t) < 1.0]
    if not values:  # "does it have a warranty?" - "Warranty: 1 year" says it has one; "Footprint: sold separately" not
        if not asked or not sentence.text.partition(":")[2].strip():
            return None
        if language.OTHER_CHOICES.search(part.text) and not _LISTED.search(sentence.text.partition(":")[2]):
            return "yes" if part.negated else "no"  # "any other colours?" - "Colours: Grey"
        lacks = language.is_negative(sentence.text) or language.LACKING.search(sentence.text)
        return "no" if bool(lacks) != part.negated else "yes"
    if all(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", body) or _same_number(t, body) for t in values):
        return "no" if language.is_negative(sentence.text) != part.negated else "yes"
    if all(language.has_cjk(t) and any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", body) for w in
                                       (language.synonyms(t) | language.colour_names(t)) if not language.has_cjk(w))
           for t in values):  # "有加长款吗？" - "Sizes: Regular, Long"
        return "no" if language.is_negative(sentence.text) != part.negated else "yes"
    if all(TermIndex(sentence.text).covers(t) or TermIndex(sentence.field_label).covers(t) for t in values) and (
            "," in body or ";" in body):
        return "yes" if part.negated else "no"
    if all(TermIndex(sentence.choices).match(t) >= 1.0 for t in values):  # "wide?" - "Width: regular" (others: wide)
        return "yes" if part.negated else "no"
    present = [t for t in values if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", body)]
    if present and len(present) < len(values) and not _LISTED.search(sentence.text.partition(":")[2]):
        return "yes" if part.negated else "no"  # "rated Sold Secure Gold?" - "Security rating: Sold Secure Silver"
    return None


_LISTED = re.compile(r"[,;/]|\band\b|\bor\b", re.I)


def _same_number(term: str, body: str) -> bool:
    """"28k" is the "28,000" of "28,000 mm"."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(k)?", term)
    if not match:
        return False
    value = float(match.group(1)) * (1000 if match.group(2) else 1)
    return any(float(n.replace(",", "")) == value for n in re.findall(r"\d[\d,]*(?:\.\d+)?", body))


STOPWORD_LIKE_LABELS = frozenset({"come", "comes", "have", "available", "get", "right", "now", "fit", "fits", "hold",
                                  "holds", "work", "works", "use", "rated", "true", "really", "go", "goes", "put"})


def _where(sentence: Sentence) -> str:
    return f"passage {sentence.passage + 1}, sentence {sentence.position + 1}"
