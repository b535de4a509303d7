"""The Assistant runs retrieve -> generate -> check, and refuses rather than guess."""

from __future__ import annotations

import logging
import re
import time
from typing import Callable

from rag.compose import ExtractiveComposer
from rag.constraints import bounds_a_measure, features
from rag.conversation import FollowUpResolver, ProductFinder, Resolution, Turn
from rag.embedding import MULTILINGUAL, PRIMARY, EmbedderSet
from rag.faq import FaqEntry, FaqMatcher, FaqWeights
from rag.faq_adapter import load_faq_adapter
from rag.filters import ATTRIBUTE_WORDS, Filters, Vocabulary, parse_filters, stated_constraints
from rag.generation import Generator
from rag.grounding import Verifier
from rag.index import SearchIndex
from rag.intents import DEFAULT_EXEMPLARS, IntentRouter, load_exemplars
from rag.language import (
    ALREADY_BOUGHT,
    ANYTHING_FOR,
    ASKS_ABOUT_ONE,
    ASKS_SERVICE_PRICE,
    CITY_NAMES,
    COMPARE_CUES,
    DESCRIBED_WANT,
    LEADING_INTERJECTION,
    LIST_CUES,
    MODEL_CODE,
    OWN_ORDER,
    OWN_QUESTION,
    POLICY_TOPICS,
    RECOMMEND_CUES,
    SHOPPING_CUES,
    SUPERLATIVE,
    THAT_ONE,
    THE_REGULAR_ONE,
    YES_NO_EN,
    YES_NO_ZH,
    activity_names,
    any_word,
    asks_for_product_fact,
    audiences,
    detect_language,
    entities,
    has_cjk,
    in_english,
    is_yes_no,
    name_word,
    place_aliases,
    product_kinds,
    small_talk,
)
from rag.language import general_frequency as language_frequency
from rag.llm import GenerationError, OpenAIChatGenerator, TransformersGenerator
from rag.models import Answer, Chunk, FaqMatchReport, PartReport, Passage, ProductCard
from rag.preferences import PREFERENCE_ORDER, Preferences, carried, describe, remembered
from rag.product_record import money
from rag.reader import Reader, Reading
from rag.reader.question import analyse, comparison_sides, key_terms, split_comparison
from rag.reader.translation import ChineseEnglishDictionary, CrossLingualTerms, store_kinds, store_words
from rag.recommend import product_cards, unmet_constraint
from rag.retrieval import Retriever, build_retriever
from rag.settings import Settings
from rag.text import tokens

log = logging.getLogger("shopassist.assistant")

HANDOFFS = {
    "en": ("I can't look up orders or accounts from here. Let me connect you with a member of our support team, "
           "who can check it for you."),
    "zh": "我无法在这里查询订单或账户信息。我为您转接人工客服，他们可以帮您查询。",
}

RARE_NAME_CHUNKS = 3  # a word of a product's name in at most this many chunks tells it from the rest
HANDOFF_REASONS = {
    "own_order": "a question about the shopper's own order or account needs a person ({why})",
    "person": "the shopper asked for a person ({why})",
}
ENGLISH_PASSAGES = 3  # policy passages an English search adds to a Chinese question's
SECTION_SOURCES = 2  # documents whose other sections are read beside the retrieved ones...
MAX_SECTIONS = 12  # ...up to this many sections each
FAQ_COVERAGE = 0.75  # share of the question's key terms the FAQ answer's best sentence covers to answer alone
NAME_RUN_WORDS = 3  # this many words of a product's name in a row name it
NAME_WORD_FREQUENCY = 3.0  # a name's first word rarer than this in English ("Kestrel", not "Sun") names its product
BARE_REQUEST_WORDS = 4  # "kids hiking shoes?": a few words naming a kind of product, no question word
PIECE_PASSAGES = 3  # passages searched for each option of a comparison ("express vs standard") or part of a question
SHOPPING_POOL = 30  # products a shopping request considers before checking every stated constraint

SHOPPING_LEAD = {"en": "Here are products that fit your request.", "zh": "以下商品符合您的要求。"}
# Said, in a refusal, when products were found but none meets one of the shopper's constraints (UNMET_KINDS).
NO_PRODUCT_MEETS = {"en": "We have no product that also meets {}.", "zh": "我们没有同时满足{}的商品。"}
NO_PRODUCT_MEETS_WHAT = {
    "en": {"audience": "who it is for", "activity": "the activity you named", "kind": "the kind of product you asked for",
           "origin": "where it is made", "feature": "the feature you asked for", "measure": "the measure you gave"},
    "zh": {"audience": "适用人群", "activity": "您提到的用途", "kind": "您要的商品类型", "origin": "产地", "feature": "您要求的功能",
           "measure": "您给出的规格"},
}
# What an upset shopper is told when no setting says otherwise (rag/settings.py upset_offer_messages).
UPSET_OFFERS = {"en": "Would you like to talk to a person from our support team?", "zh": "需要为您转接人工客服吗？"}
# Said before the cards when a preference from earlier in the conversation could not be met this time.
ACTIVITY_WAIVED = {"en": "None of our products is described as made for the activity you named; these meet the rest of "
                         "your request.", "zh": "没有商品注明适合您提到的用途；以下商品满足您的其他要求。"}
UNMET_PREFERENCES = {"en": "No product for this request meets your earlier preference ({unmet}), so it is left out here.",
                     "zh": "此次需求没有商品符合您之前提到的偏好（{unmet}），因此这次未按该偏好筛选。"}

REFUSALS = {
    "en": (
        "I'm sorry, I couldn't find that in our store information, so I won't guess. "
        "Would you like me to connect you with a member of our support team?"
    ),
    "zh": "抱歉，我在商店资料中没有找到相关信息，不想随意猜测。需要为您转接人工客服吗？",
}


class Assistant:
    """Answers one question from the index: retrieve, read, compose or generate, verify; refuses rather than guess."""

    def __init__(
        self, retriever: Retriever, reader: Reader, verifier: Verifier, vocabulary: Vocabulary,
        generator: Generator | None = None, top_k: int = 5, resolver: FollowUpResolver | None = None,
        find_product: Callable[[str], tuple[str, str] | None] | None = None, router: IntentRouter | None = None,
        titles_saying: Callable[[list[str]], int] | None = None,
        sections_of: Callable[[str], list[Chunk]] | None = None, faq: FaqMatcher | None = None,
        upset_offers: dict[str, str] | None = None,
        small_talk_replies: dict[str, dict[str, str]] | None = None,
    ):
        self.router = router
        self.faq = faq
        self.upset_offers = upset_offers or UPSET_OFFERS
        self.small_talk_replies = small_talk_replies or Settings.model_fields["small_talk_replies"].get_default(
            call_default_factory=True)
        self.retriever = retriever
        self.reader = reader
        self.composer = ExtractiveComposer()
        self.vocabulary = vocabulary
        self.generator = generator  # an LLM backend; None answers extractively
        self.verifier = verifier
        self.resolver = resolver
        self.find_product = find_product
        self.titles_saying = titles_saying or (lambda words: 1)
        self.sections_of = sections_of
        self.top_k = top_k

    def answer(
        self, question: str, filters: Filters | None = None, product_sku: str | None = None,
        history: list[Turn] | None = None, after_refusal: bool = False,
    ) -> Answer:
        """Answer ``question``; ``filters`` are the caller's, merged with any found in the text;
        ``history`` is the conversation so far, used to resolve follow-ups and remember stated preferences;
        ``after_refusal`` says the previous answer was a refusal (a second one in a row offers a person)."""
        language = detect_language(question)
        intent = self.router.route(question) if self.router else None
        if intent and intent.hands_off:
            return Answer(text=HANDOFFS[language], refused=True, handoff=True, language=language, outcome="handed_off",
                          intent=intent.intent, refusal_reason=HANDOFF_REASONS[intent.intent].format(why=intent.reason))
        if kind := small_talk(question):  # "hi", "ok thanks!": a short reply, nothing to look up
            replies = self.small_talk_replies.get(language) or self.small_talk_replies["en"]
            return Answer(text=replies[kind], language=language, intent=kind)
        resolution = self.resolver.resolve(question, history) if history and self.resolver else Resolution(question)
        if resolution.rewritten and parse_filters(question, self.vocabulary).category and not COMPARE_CUES.search(question) and (
                resolution.product_sku is None or SHOPPING_CUES.search(question)):
            # "Any hiking boots?" after a jacket search is a new search, and so is "she's a large now, any rain
            # jackets?" after a question about a pair of pants: the earlier topic's words and product stay out, the
            # shopper's stated preferences carry over instead.
            resolution = Resolution(question)
        preferences = remembered([turn.question for turn in history or []], self.vocabulary)
        answer = self._answer(resolution.question, language, filters, product_sku or resolution.product_sku, preferences)
        if resolution.rewritten:
            answer.rewritten_query = resolution.question
        if intent is not None:
            answer.intent = intent.intent
        if (intent is not None and intent.upset) or (after_refusal and answer.refused):
            self._offer_person(answer, language)
        return answer

    def replay(self, questions: list[str]) -> list[Turn]:
        """The history of a conversation known only by its questions (the `messages` of an OpenAI-style request,
        no session): each one answered after the ones before it, as a session would have kept it."""
        turns: list[Turn] = []
        for question in questions:
            turns.append(Turn.after(question, self.answer(question, history=turns)))
        return turns

    def _offer_person(self, answer: Answer, language: str) -> None:
        """An upset shopper is offered a person: after the answer, or instead of a refusal's text."""
        offer = self.upset_offers.get(language) or self.upset_offers["en"]
        answer.text = offer if answer.refused else f"{answer.text} {offer}".strip()
        answer.handoff = answer.upset = True

    def _answer(self, question: str, language: str, filters: Filters | None, product_sku: str | None,
                preferences: Preferences = Preferences()) -> Answer:
        started = time.perf_counter()
        named, by_name_only = (product_sku, False) if product_sku else self._named_product(question)
        # A question about one named product is not a product search: read no filters from its text ("is the
        # 300-lumen headlamp in stock in black?" must find it even when black is sold out).
        found = Filters() if named and not by_name_only else self._with_category_in_english(
            question, parse_filters(question, self.vocabulary))
        applied = (filters or Filters()).merged(found)
        # "a red daypack under $100" is a search even when a product's name shares two of its words.
        shopping = self._is_shopping(question, applied) and (named is None or (by_name_only and self._searches(question, found)))
        # "Squeeze filter or the gravity one — which lasts longer?" compares two products; it asks for none.
        shopping = shopping and not (analyse(question).kind == "compare" and len(comparison_sides(question)) >= 2)
        if shopping and self._asks_about_one(question, found):
            # "Is the Kaito santoku stainless steel?" asks about one product whose name it does not spell out: the
            # products of the brand and kind it names are read; its other words say what it asks, not which to read.
            shopping, named = False, None
            applied = (filters or Filters()).merged(Filters(brand=found.brand, category=found.category))
        named = None if shopping else named
        if shopping and found.is_empty():  # "something waterproof for my 8 year old, size M": the size holds too
            found = Filters(**stated_constraints(question, self.vocabulary))
            applied = (filters or Filters()).merged(found)
        unmet: list[tuple[str, object]] = []
        if shopping:  # what the shopper said earlier in the conversation still holds, unless this request says otherwise
            passages, applied, unmet = self._shopping_passages(question, applied, carried(
                preferences, question, applied, self.vocabulary))
        else:
            # "cool, do I have to book that?": the acknowledgement is searched for no more than it is read
            searched = LEADING_INTERJECTION.sub("", question) or question
            passages = self.retriever.retrieve(searched, self.top_k, None if applied.is_empty() else applied, named)
            if not passages and (found.in_stock or found.color or found.size):
                # "is the small cast iron teapot in midnight blue in stock?" when it is not: the product answers
                applied = (filters or Filters()).merged(found.model_copy(update={"in_stock": None, "color": None, "size": None}))
                passages = self.retriever.retrieve(searched, self.top_k, None if applied.is_empty() else applied, named)
            passages = self._with_policies(question, passages, named)
            passages = self._with_english_policies(question, language, passages, named)
            passages = self._with_pieces_searched(self._parts_searched(question, named), passages)
            passages = self._with_pieces_searched(self._places_searched(question, named), passages)
        applied_dump = None if applied.is_empty() else applied.model_dump(exclude_none=True, exclude_defaults=True)
        sides = self._comparison_passages(question, passages)
        options = [] if sides is not None or shopping else compared_options(question)
        passages = self._with_pieces_searched(options, passages)
        retrieve_ms = (time.perf_counter() - started) * 1000
        if applied_dump is not None and not passages:
            answer = self._refuse(language, passages, f"no product matches the filters {applied_dump}", applied_dump)
        elif shopping and sides is None and any(p.chunk.kind == "product" for p in passages):
            answer = self._shop(question, passages, applied, language, applied_dump, unmet)
        else:
            # One FAQ entry answers one question, not both sides of "Expedited or Express?"
            answer = (self._from_faq(question, passages, language) if sides is None and named is None and not options
                      else None) \
                or self.respond(question, self._with_sections(passages), applied, language, sides)
        answer.timings_ms = {"retrieve": round(retrieve_ms, 2), **answer.timings_ms}
        return answer

    def _from_faq(self, question: str, passages: list[Passage], language: str) -> Answer | None:
        """The answer read from the FAQ entry whose question matches this one (rag/faq.py), cited first and followed
        by the retrieved passages; None when no entry matches or its answer does not answer every part."""
        match = self.faq.match(question) if self.faq else None
        if match is None or match.entry.chunk is None:
            return None
        chunk = match.entry.chunk
        first = Passage(chunk=chunk, score=round(match.score, 6), similarity=round(max(match.signals.values()), 6),
                        rank=1, space="faq")
        answer = self.respond(question, [first], language=language)
        # The FAQ's answer must speak to the whole question; else every passage competes ("退货期限是多久？" is not
        # answered by "退货需要多久退款？", which shares its words but not the deadline asked about).
        if answer.refused or any(not part.answerable or ((part.coverage or 0.0) < FAQ_COVERAGE
                                                          and not part.signals.get("faq_asks_same")) for part in answer.reading):
            log.info("FAQ %r matched (%.3f) but its answer does not answer the question", chunk.section, match.score)
            return None
        others = [p.model_copy(update={"rank": rank}) for rank, p in
                  enumerate((p for p in passages if p.chunk.id != chunk.id), start=2)]
        answer.passages = [first, *others]
        answer.faq = FaqMatchReport(chunk_id=chunk.id, question=chunk.section, score=round(match.score, 4),
                                    signals=match.signals)
        return answer

    def _shopping_passages(self, question: str, applied: Filters, remembered_filters: Filters
                           ) -> tuple[list[Passage], Filters, list[tuple[str, object]]]:
        """Products for a shopping request with the shopper's remembered preferences added. A remembered
        preference no product of this request meets is let go, one at a time, and named (the reply says so)."""
        wanted = applied.merged(remembered_filters)
        remembered_slots = [name for name in PREFERENCE_ORDER if getattr(remembered_filters, name) is not None]
        unmet: list[tuple[str, object]] = []
        while True:
            passages = self.retriever.retrieve(question, SHOPPING_POOL, None if wanted.is_empty() else wanted, None)
            if wanted.attributes and not passages:  # "waterproof binoculars" whose description, not a field, says so
                loose = wanted.model_copy(update={"attributes": {}})  # (the cards still check that they say it)
                passages = self.retriever.retrieve(question, SHOPPING_POOL, None if loose.is_empty() else loose, None)
            if not remembered_slots or product_cards(passages, question, wanted, vocabulary=self.vocabulary):
                return passages, wanted, unmet
            slot = remembered_slots.pop(0)
            unmet.append((slot, getattr(wanted, slot)))
            wanted = wanted.model_copy(update={slot: None})

    def _with_sections(self, passages: list[Passage]) -> list[Passage]:
        """The retrieved passages, then the other sections of the documents they come from: a rule's exception
        ("Items that cannot be returned") often sits in a section the question's words did not retrieve."""
        if not self.sections_of:
            return passages
        held = {p.chunk.id for p in passages}
        first: dict[str, Passage] = {}  # each document by its best retrieved section
        for passage in passages:
            if passage.chunk.kind == "document":
                first.setdefault(passage.chunk.source, passage)
        # A Chinese page and the English documents each count: the English original of a translated page may hold
        # the section the translation leaves out ("Orders that have shipped").
        by_language: dict[str, list[str]] = {}
        for source, parent in first.items():
            by_language.setdefault(detect_language(f"{parent.chunk.title} {parent.chunk.text}"), []).append(source)
        added = []
        for source in (source for found in by_language.values() for source in found[:SECTION_SOURCES]):
            parent = first[source]
            for chunk in self.sections_of(source)[:MAX_SECTIONS]:
                if chunk.id not in held:
                    held.add(chunk.id)
                    added.append(parent.model_copy(update={"chunk": chunk, "rank": len(passages) + len(added) + 1,
                                                           "score": 0.0}))
        return passages + added

    def _with_policies(self, question: str, passages: list[Passage], named: str | None) -> list[Passage]:
        """"What's the return window on sleeping bags?" finds sleeping bags first: the policy, searched for without
        the kind of product, comes too."""
        if named or not (POLICY_TOPICS.search(question) or ASKS_SERVICE_PRICE.search(question)) \
                or any(p.chunk.kind != "product" for p in passages):
            return passages
        general = any_word({*self.vocabulary.category_words, *self.vocabulary.categories}).sub(" ", question)
        seen = {p.chunk.id for p in passages}
        policies = [p for p in self.retriever.retrieve(general, self.top_k) if p.chunk.kind != "product" and p.chunk.id not in seen]
        return passages + policies

    def _with_english_policies(self, question: str, language: str, passages: list[Passage], named: str | None) -> list[Passage]:
        """A Chinese question about a policy also searches in English ("礼品卡 退货 退款" as "gift card return refund"):
        a store's Chinese pages often translate only part of its English policies."""
        if language != "zh" or named:
            return passages
        # and in the store's own English words for them ("松节油": "turpentine")
        terms = key_terms(question)
        english = " ".join(dict.fromkeys([*in_english(terms).split(), *self._store_english(terms)]))
        if not english:
            return passages
        seen = {p.chunk.id for p in passages}
        found = [p for p in self.retriever.retrieve(english, ENGLISH_PASSAGES) if p.chunk.kind == "document" and p.chunk.id not in seen]
        return passages + [p.model_copy(update={"rank": len(passages) + i}) for i, p in enumerate(found, start=1)]

    @staticmethod
    def _parts_searched(question: str, named: str | None) -> list[str]:
        """"whats the cutoff for same day delivery in amsterdam and how much is it": each part of a question about the
        store's rules is searched for on its own too, with the subject a part only points to."""
        parts = analyse(question).parts
        if named or len(parts) < 2:
            return []
        return [f"{part.subject} {part.text}" if part.subject else part.text for part in parts]

    @staticmethod
    def _places_searched(question: str, named: str | None) -> list[str]:
        """"Shipping to Anchorage, AK - do I get free shipping?": a place the shopper names by a city is searched for
        by its own name too ("Alaska"), which is how a store's rules name it."""
        if named or has_cjk(question) or not place_aliases(question) & CITY_NAMES:
            return []
        unsaid = [p for p in entities(question).get("place", set()) if p.lower() not in question.lower()]
        return [f"{place} {question}" for place in sorted(unsaid)]

    def _with_pieces_searched(self, pieces: list[str], passages: list[Passage]) -> list[Passage]:
        """"express vs standard in the US - how many days each?": each option (or part of a question) is searched for
        on its own too, so the passage about the second one comes even when the first one fills the results."""
        seen = {p.chunk.id for p in passages}
        for piece in pieces:
            for found in self.retriever.retrieve(piece, PIECE_PASSAGES):
                if found.chunk.id not in seen:
                    seen.add(found.chunk.id)
                    passages = passages + [found.model_copy(update={"rank": len(passages) + 1})]
        return passages

    def _with_category_in_english(self, question: str, found: Filters) -> Filters:
        """"想买一把椅子，预算1000美元以内" at a store whose categories are English: the category its Chinese word
        names, by the store's own word for it ("椅子" -> "chairs" -> Chairs)."""
        translations = self.reader.translations
        # "想买做欧包用的面粉": a request for suggestions names its kind alone
        if (found.is_empty() and not RECOMMEND_CUES.search(question)) or found.category or not has_cjk(question) \
                or translations is None:
            return found
        # "徒步" says what it is for, not what it is
        words = self._store_english([term for term in key_terms(question) if not activity_names(term)])
        category = next((c for w in words for c in self.vocabulary.categories_named(w)), None)
        return found.model_copy(update={"category": category}) if category else found

    @staticmethod
    def _searches(question: str, found: Filters) -> bool:
        """Unmistakably a search: it asks for suggestions or the lightest (cheapest...) one, bounds a measure, or
        states two constraints."""
        stated = found.model_dump(exclude_none=True, exclude_defaults=True, exclude={"audience", "activity"})
        lightest = SUPERLATIVE.search(question) and not (YES_NO_EN.search(question) or YES_NO_ZH.search(question))
        # "lightest stove you sell?", not "is the Titan the lightest?"; "how much weight can the compact camp chair
        # hold? I'm around 110kg" asks about the chair: a measure said after the question is the shopper's own
        asked = re.split(r"[?？]", question.strip(" ?？"), maxsplit=1)[0]
        return bool(RECOMMEND_CUES.search(question) or lightest or bounds_a_measure(asked)) or len(stated) >= 2

    def _named_product(self, question: str) -> tuple[str | None, bool]:
        """The SKU of the product a question names: two words of its name in a row ("Beacon 900"), a Chinese
        name ("防水冲锋衣"), or a made-up word only it has ("Stormline"). "a wide trail shoe" names none."""
        if not self.find_product:
            return None, False
        found = self.find_product(question)
        if found is None:
            return None, False
        asked = tokens(question)
        title = tokens(found[1])
        stated = parse_filters(question, self.vocabulary).model_dump(exclude_none=True, exclude_defaults=True)
        budget = bool(stated.keys() & {"min_price", "max_price"})
        if len(title) >= 2 and any(asked[i:i + len(title)] == title for i in range(len(asked))):
            # its whole name: "Do you have the Wide Trail Everyday Runner in a size 10?"; but "30美元以下的速干T恤有哪些"
            # asks which quick-dry tees there are, whatever one product is called
            return found[0], budget and bool(LIST_CUES.search(question))
        counts = self.reader.document_counts(title)
        # a model code ("z5", "x-m2") names its line however many passages speak of it (its used twin, a trade-in FAQ)
        rare = {w for w in title if counts.get(w, 0) <= RARE_NAME_CHUNKS or MODEL_CODE.fullmatch(w)}
        run = NAME_RUN_WORDS  # three words of its name in a row, one of them its own: "the tinted mineral sunscreen"
        runs = [title[j:j + run] for i in range(len(asked) - run + 1) for j in range(len(title) - run + 1)
                if asked[i:i + run] == title[j:j + run] and set(title[j:j + run]) & rare and not has_cjk("".join(title[j:j + run]))]
        if any(self.titles_saying(words) <= 1 for words in runs):  # two kits' "aquarium starter kit" is a kind of product
            return found[0], False
        pairs = set(zip(asked, asked[1:]))
        in_a_row = [(a, b) for a, b in zip(title, title[1:]) if (a, b) in pairs and (a in rare or b in rare)]
        chinese = [piece for piece in found[1].split() if len(piece) >= 3 and has_cjk(piece) and piece in question]
        searching = len(stated.keys() & {"min_price", "max_price", "in_stock", "size", "color"}) >= 2 or budget
        # "100美元以内的越野跑鞋有吗": a budget is a search
        # "想买零下5度的睡袋": a rating in a product's name is no name of it, in a request for products
        rated = [p for p in found[1].split() if has_cjk(p) and bounds_a_measure(p)] if (
            searching or RECOMMEND_CUES.search(question)) else []
        coined = any(w in rare and language_frequency(w) == 0 and not w.isdigit() for w in title if w in asked)
        # "防水冲锋衣" of "青山 防水冲锋衣" says only what kind of product it is (it holds a category word): with
        # two constraints ("L码，100美元以内") the message is a search.
        generic = [p for p in chinese if any(w in p for w in self.vocabulary.category_words if has_cjk(w)) or product_kinds(p)
                   or p in rated]
        named_in_latin = any(w in rare and language_frequency(w) == 0 and not has_cjk(w) for w in title if w in asked) or any(
            not has_cjk(a) or not has_cjk(b) for a, b in in_a_row)
        if chinese and len(generic) == len(chinese) and not named_in_latin and (searching or RECOMMEND_CUES.search(question)):
            return found[0], True
        # "Beacon 900", "双人四季帐篷", "Stormline": only this product; "base layer": maybe a kind of product.
        # "青山那款双人四季帐篷": "那款" (that one) points at one product.
        if THAT_ONE.search(question) and sum(len(p) >= 2 and has_cjk(p) and p in question for p in found[1].split()) >= 2:
            return found[0], False
        numbered = any(re.search(r"\d", a + b) and not any(a + b in p for p in rated) for a, b in in_a_row)  # "Kestrel 8x42"
        # a model number only one product's name holds: "the DP-300"
        models = {name_word(a) for a in asked if re.search(r"\d", a) and re.search(r"[a-z]", a)}
        numbered = numbered or any(name_word(w) in models and "-" in w and self.titles_saying([w]) == 1 for w in title)
        # "the Horizon 2 tent": a word of its name and its number in a row, and the kind its name ends in
        numbered = numbered or (title[-1] in asked and title[-1].isalpha() and title[-1].isascii() and not searching
                                and any(re.search(r"\d", a + b) for a, b in zip(title[:-1], title[1:-1]) if (a, b) in pairs))
        if coined or numbered or any(len(p) >= 4 and p not in generic for p in chinese):
            return found[0], False
        # "the Kestrel binoculars": the first word of one product's name, rare in the store and in English, names it;
        # in Chinese any Latin word is written as a name ("Squeeze 净水器")
        if title[0] in asked and title[0] in rare and title[0].isascii() and title[0].isalpha() and self.titles_saying(title[:1]) == 1 \
                and (language_frequency(title[0]) < NAME_WORD_FREQUENCY or has_cjk(question)):
            return found[0], False
        return (found[0], True) if in_a_row or chinese else (None, False)

    def _comparison_passages(self, question: str, passages: list[Passage]) -> list[list[int]] | None:
        """For "which is lighter, A or B?": the passage of each named product, fetched if retrieval missed it."""
        if not self.find_product or analyse(question).kind != "compare":
            return None
        sides: list[list[int]] = []
        names = comparison_sides(question)
        for position, name in enumerate(names):
            # "the women's Cascade rain shell vs the regular one": the other side's line without its mark
            product = self._regular_of(names[1 - position]) if len(names) == 2 and THE_REGULAR_ONE.fullmatch(
                name.strip(" ?？")) else None
            # "Trail GPS Watch vs the Pro": the short side is named after the other one.
            product = product or self.find_product(name) or self.find_product(
                f"{names[1 - position]} {name}" if len(names) == 2 else name)
            if product is None:
                return None
            index = next((i for i, p in enumerate(passages) if p.chunk.id == f"product:{product[0]}"), None)
            if index is None:
                extra = self.retriever.retrieve(name, 1, None, product[0])
                if not extra or extra[0].chunk.id != f"product:{product[0]}":
                    return None
                passages.append(extra[0].model_copy(update={"rank": len(passages) + 1}))
                index = len(passages) - 1
            if [index] not in sides:
                sides.append([index])
        return sides if len(sides) >= 2 else None

    def _regular_of(self, name: str) -> tuple[str, str] | None:
        """The product of the named one's line whose name holds the fewest words ("Cascade 2.5L Rain Shell" for
        "Cascade 2.5L Rain Shell Women's"); None when the name names no product or its line holds no other."""
        named = self.find_product(name) if self.find_product and self.resolver else None
        others = [p for p in self.resolver.product_line(named[1]) if p.sku != named[0]] if named else []
        shorter = [p for p in others if len(p.title.split()) < len(named[1].split())]
        return next(((p.sku, p.title) for p in sorted(shorter, key=lambda p: len(p.title.split()))), None)

    def respond(self, question: str, passages: list[Passage], applied: Filters | None = None,
                language: str | None = None, sides: list[list[int]] | None = None) -> Answer:
        """Read, compose or generate, verify and package an answer from already retrieved ``passages``."""
        applied = applied or Filters()
        language = language or detect_language(question)
        applied_dump = None if applied.is_empty() else applied.model_dump(exclude_none=True, exclude_defaults=True)
        timings = {"read": 0.0, "generate": 0.0, "verify": 0.0}

        def timed(stage: str, call, *args):
            started = time.perf_counter()
            try:
                return call(*args)
            finally:
                timings[stage] += (time.perf_counter() - started) * 1000

        if not passages:
            return self._refuse(language, passages, "no passage was retrieved", applied_dump)
        reading = timed("read", self.reader.read, question, passages, sides)
        if not reading.answerable:
            refusal = self._refuse(language, passages, reading.reason, applied_dump)
            refusal.reading = reading_report(reading)
            return refusal
        composition = self.composer.compose(reading, passages, language)
        draft, evidence = composition.draft, passages
        dropped: list = []
        fallback = None
        failure = None
        if self.generator is not None:
            evidence = evidence_passages(reading, passages)
            try:
                draft = timed("generate", self.generator.generate, question, evidence)
            except GenerationError as exc:
                log.warning("generator failed (%s), answering extractively: %s", exc.kind, exc)
                draft, failure = "", exc.kind
        text, citations, report = timed("verify", self.verifier.verify, question, draft, evidence)
        if not text and self.generator is not None:
            dropped, fallback, evidence = report.dropped, "extractive", passages
            text, citations, report = timed("verify", self.verifier.verify, question, composition.draft, passages)
        report.dropped, report.fallback, report.generation_error = dropped + report.dropped, fallback, failure
        timings = {stage: round(ms, 2) for stage, ms in timings.items()}
        if not text:
            refusal = self._refuse(language, passages, "no sentence of the draft was supported by its passages", applied_dump)
            refusal.grounding, refusal.timings_ms = report, timings
            return refusal
        if fallback is None and self.generator is None:
            text = " ".join(part for part in (composition.preface, text, *composition.unknown) if part)
        return Answer(
            text=text, citations=citations, language=language, passages=passages, filters=applied_dump, grounding=report,
            timings_ms=timings, reading=reading_report(reading),
        )

    def _shop(self, question: str, passages: list[Passage], applied: Filters, language: str,
              applied_dump: dict | None, unmet: list[tuple[str, object]] | None = None) -> Answer:
        """A shopping request: product cards, each with the product's own facts as its reason; ``unmet`` names
        the remembered preferences no product of this request meets."""
        glosses = self._store_english(key_terms(question)) if language == "zh" else ()
        cards = product_cards(passages, question, applied, vocabulary=self.vocabulary, glosses=glosses)
        lead = SHOPPING_LEAD[language]
        if not cards:  # "a warm jacket for my son, he is always cold on hikes": no jacket says hiking
            cards = product_cards(passages, question, applied, waived=frozenset({"activity"}), vocabulary=self.vocabulary,
                                  glosses=glosses)
            lead = f"{ACTIVITY_WAIVED[language]} {lead}"
        if not cards:  # the reply says which of the shopper's constraints no product meets
            missed = unmet_constraint(passages, question, applied)
            refusal = self._refuse(language, passages, f"no product fits the request ({missed or 'nothing found'})",
                                   applied_dump)
            if missed:
                refusal.text = f"{NO_PRODUCT_MEETS[language].format(NO_PRODUCT_MEETS_WHAT[language][missed])} {refusal.text}"
            return refusal
        if unmet:
            said = (", " if language == "en" else "、").join(describe(slot, value, language) for slot, value in unmet)
            lead = f"{UNMET_PREFERENCES[language].format(unmet=said)} {lead}"
        # The text names each product with its price, as its passage states them; the reasons go on the cards.
        lines = [f"{card.title}: {_card_price(card)}. [{i}]" for i, card in enumerate(cards, start=1)]
        shown = [next(p for p in passages if p.chunk.id == card.citation_chunk_id) for card in cards]
        text, citations, report = self.verifier.verify(question, " ".join(lines), shown)
        return Answer(text=f"{lead} {text}".strip(), citations=citations, language=language,
                      passages=passages, filters=applied_dump, grounding=report, products=cards)

    def _store_english(self, terms: list[str]) -> tuple[str, ...]:
        """The store's English words for a Chinese question's terms ("活塞上墨的钢笔": "piston", "fountain pen")."""
        translations = self.reader.translations
        if translations is None:
            return ()
        return tuple(dict.fromkeys(w for said in translations.aliases(terms).values() for w in said))

    def _is_shopping(self, question: str, filters: Filters) -> bool:
        # "Recommend a tent", "the lightest stove": a request for products names a kind of product.
        kind = bool(product_kinds(question)) or self.vocabulary.names_a_kind(question)
        asks = bool(RECOMMEND_CUES.search(question) or SUPERLATIVE.search(question)) and (
            kind or bool(activity_names(question)))  # "gift ideas for a climber"
        # "anything waterproof for kids?": no kind named, but who it is for and what it must be
        asks = asks or bool(ANYTHING_FOR.search(question) and audiences(question) and (
            features(question) or any(word in question.lower() for word in ATTRIBUTE_WORDS)))
        # "lightweight backpack for day hikes": a kind of product and what it is for, asked without a question.
        described = DESCRIBED_WANT.search(question) or audiences(question) or activity_names(question)  # "kids headlamp"
        # "kids hiking shoes?" is asked without a question word too; a longer message with a question mark asks one.
        questioned = OWN_QUESTION.search(question.strip()) or (
            ("?" in question or "？" in question) and len(tokens(question)) > BARE_REQUEST_WORDS)
        wants = kind and bool(described) and not (questioned or POLICY_TOPICS.search(question))
        if OWN_ORDER.search(question) and not RECOMMEND_CUES.search(question):
            return False  # "I forgot to throw a fuel canister into my order": about the order, not a search
        if ALREADY_BOUGHT.search(question) and (POLICY_TOPICS.search(question) or (
                not RECOMMEND_CUES.search(question) and ("?" in question or "？" in question))):
            return False  # "bought boots as a gift for my dad; can he still return them?", "买了一袋狗粮…还需要另外付钱吗？"
        if ASKS_SERVICE_PRICE.search(question) and not RECOMMEND_CUES.search(question):
            return False  # "what does it cost to size an 18k gold ring down?" asks about resizing
        last = re.split(r"[,，。;；]", question.strip(" ?？"))[-1]
        if POLICY_TOPICS.search(last) and is_yes_no(last) and not RECOMMEND_CUES.search(last):
            return False  # "我在美国，想买一瓶 Figue Blanche 香水，可以寄过来吗？" asks whether it can be sent
        if POLICY_TOPICS.search(question) and not RECOMMEND_CUES.search(question) and (
                "?" in question or "？" in question or OWN_QUESTION.match(question.strip())):
            return False  # "Can I get the Harlow sofa delivered to a PO box?" asks about delivery, not for a sofa
        return not filters.is_empty() or asks or wants or bounds_a_measure(question)

    @staticmethod
    def _asks_about_one(question: str, found: Filters) -> bool:
        """A question about one product the shopper has in mind ("is the ...", "那把..."), with no budget or size to
        search by and no request for suggestions ("is the small cast iron teapot in stock?" asks about its stock)."""
        return bool(ASKS_ABOUT_ONE.search(question)) and not (RECOMMEND_CUES.search(question) or SUPERLATIVE.search(question)) \
            and all(value is None for value in (found.min_price, found.max_price, found.size))

    @staticmethod
    def _refuse(language: str, passages: list[Passage], reason: str, filters: dict | None = None) -> Answer:
        log.info("refused: %s", reason)
        return Answer(
            text=REFUSALS[language], refused=True, handoff=True, refusal_reason=reason, outcome="refused",
            language=language, passages=passages, filters=filters,
        )


def compared_options(question: str) -> list[str]:
    """The question asked of each option it compares, without the other options' own words ("Expedited or - which
    is cheaper?", "or Express - which is cheaper?"); empty when it compares no two options."""
    options = [side.text for part in analyse(question).parts for side in split_comparison(part)]
    return options if len(options) >= 2 else []


def _card_price(card: ProductCard) -> str:
    """The price as the product's text states it: "€129.00", "$189.00 on sale (original price $229.00)"."""
    price = money(card.price, card.currency)
    return f"{price} on sale (original price {money(card.original_price, card.currency)})" if card.original_price else price


def evidence_passages(reading: Reading, passages: list[Passage]) -> list[Passage]:
    """The reader's chosen sentences, grouped by passage: what an LLM backend is given to write from."""
    chosen: dict[int, list[str]] = {}
    for finding in reading.findings:
        for scored in finding.evidence if finding.answerable else []:
            chosen.setdefault(scored.sentence.passage, []).append(scored.sentence.readable)
    return [
        passages[i].model_copy(update={"chunk": passages[i].chunk.model_copy(update={"text": "\n".join(texts)})})
        for i, texts in chosen.items()
    ]


def reading_report(reading: Reading) -> list[PartReport]:
    """What the grounding report shows of the reader: each part, its decision and why."""
    return [
        PartReport(
            question=f.part.text, kind=f.part.kind, answerable=f.answerable, reason=f.reason, direct=f.direct,
            evidence=[s.sentence.readable for s in f.evidence] if f.answerable else [],
            coverage=round(f.evidence[0].coverage, 3) if f.evidence else None,
            similarity=round(f.evidence[0].similarity, 3) if f.evidence else None,
            missing=f.evidence[0].missing if f.evidence else [], signals=f.signals,
        )
        for f in reading.findings
    ]


def llm_budget(settings: Settings) -> float:
    """Seconds all LLM attempts of one answer may take together: the latency budget, and always some
    time before the answer deadline, so the extractive fallback still reaches the shopper."""
    reserve = min(5.0, settings.answer_timeout_seconds / 10)
    return max(0.1, min(settings.llm_latency_budget_seconds, settings.answer_timeout_seconds - reserve))


def build_generator(settings: Settings) -> Generator | None:
    """The LLM backend named in settings, or None for the extractive default; never guessed."""
    if settings.generator == "openai":
        if not (settings.llm_base_url and settings.llm_model):
            raise ValueError("generator 'openai' needs llm_base_url and llm_model in settings")
        return OpenAIChatGenerator(
            settings.llm_base_url, settings.llm_model,
            settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
            settings.llm_timeout_seconds, settings.llm_retries, settings.llm_max_tokens, settings.llm_stream,
            budget=llm_budget(settings),
        )
    if settings.generator == "transformers":
        if not settings.transformers_model_dir:
            raise ValueError("generator 'transformers' needs transformers_model_dir in settings")
        return TransformersGenerator(settings.transformers_model_dir, settings.llm_max_tokens)
    return None


def build_assistant(settings: Settings, store: SearchIndex, embedders: EmbedderSet) -> Assistant:
    """Wire the default pipeline for ``settings`` around a loaded store and embedders."""
    thresholds = {PRIMARY: settings.min_relevance, MULTILINGUAL: settings.min_relevance_multilingual}
    finder = ProductFinder(store, embedders, thresholds)
    vocabulary = store.vocabulary()
    return Assistant(
        build_retriever(settings.retrieval_mode, store, embedders, settings.keyword_weight),
        Reader(embedders, store.document_counts, len(store), kind_categories=vocabulary.kind_categories(),
               translations=CrossLingualTerms(embedders.spaces()[MULTILINGUAL], lambda: store_words(store.iter_chunks()),
                                              store_kinds(vocabulary), dictionary=ChineseEnglishDictionary())
               if MULTILINGUAL in embedders.spaces() else None),
        Verifier(embedders, settings.min_support),
        vocabulary=vocabulary,
        generator=build_generator(settings),
        top_k=settings.top_k,
        resolver=FollowUpResolver(finder.find, asks_for_product_fact, finder.line, finder.titles_saying),
        find_product=finder.find,
        titles_saying=finder.titles_saying,
        sections_of=store.sections_of,
        upset_offers=settings.upset_offer_messages,
        small_talk_replies=settings.small_talk_replies,
        router=IntentRouter(embedders.spaces()[MULTILINGUAL], load_exemplars(DEFAULT_EXEMPLARS))
        if MULTILINGUAL in embedders.spaces() else None,
        faq=build_faq_matcher(settings, store, embedders),
    )


def build_faq_matcher(settings: Settings, store: SearchIndex, embedders: EmbedderSet) -> FaqMatcher | None:
    """A matcher over the FAQ chunks the index holds (their questions embedded here, remembered by content), or
    None when FAQ matching is off or the store has no FAQ."""
    if not settings.faq_matching:
        return None
    entries = [FaqEntry.from_chunk(chunk) for chunk in store.iter_chunks() if chunk.kind == "faq" and chunk.section]
    if not entries:
        return None
    weights = FaqWeights.from_settings(settings)
    return FaqMatcher(embedders, entries, weights, settings.faq_threshold,
                      load_faq_adapter(settings, embedders.multilingual))
