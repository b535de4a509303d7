"""The Assistant runs retrieve -> generate -> check, and refuses rather than guess."""

from __future__ import annotations

import logging
import re
import time

from rag.conversation import FollowUpResolver, ProductFinder, Resolution, Turn
from rag.embedding import MULTILINGUAL, PRIMARY, EmbedderSet
from rag.filters import SHOPPING_CUES, Filters, Vocabulary, parse_filters
from rag.generation import ExtractiveGenerator, Generator, asks_for_product_fact
from rag.grounding import Verifier
from rag.llm import GenerationError, OpenAIChatGenerator, TransformersGenerator
from rag.models import Answer, Passage
from rag.recommend import product_cards
from rag.retrieval import Retriever, build_retriever
from rag.settings import Settings
from rag.store import IndexStore
from rag.text import detect_language

log = logging.getLogger("shopassist.assistant")

# Questions about one shopper's own order or account: the knowledge base cannot know, a person can.
PERSONAL = re.compile(
    r"\b(where(?:'s| is)|status of|has|have|did|why is|is)\b[^?]*\bmy (?:order|package|parcel|delivery|refund|return|shipment)s?\b"
    r"|\bmy (?:order|package|parcel|refund)s? (?:hasn't|has not|didn't|did not|is late|never|still)\b"
    r"|\border (?:number|no\.?|#)\s*\w*\d|#\s?\d{5,}"
    r"|\b(?:reset|forgot|change|update|recover)\b[^?]*\b(?:my )?(?:password|login|account email)\b"
    r"|\b(?:can't|cannot|can not|unable to) (?:log|sign) ?in\b|\bmy account (?:is|was) (?:locked|hacked|blocked)\b"
    r"|我的(?:订单|包裹|快递|退款|账户|账号)|订单号|密码|登录不了|无法登录",
    re.IGNORECASE,
)
HANDOFFS = {
    "en": ("I can't look up orders or accounts from here. Let me connect you with a member of our support team, "
           "who can check it for you."),
    "zh": "我无法在这里查询订单或账户信息。我为您转接人工客服，他们可以帮您查询。",
}

REFUSALS = {
    "en": (
        "I'm sorry, I couldn't find that in our store information, so I won't guess. "
        "Would you like me to connect you with a member of our support team?"
    ),
    "zh": "抱歉，我在商店资料中没有找到相关信息，不想随意猜测。需要为您转接人工客服吗？",
}


class Assistant:
    """Answers one question from the index, citing its passages, or refuses with a handoff."""

    def __init__(
        self, retriever: Retriever, generator: Generator, verifier: Verifier, min_relevance: dict[str, float],
        vocabulary: Vocabulary, top_k: int = 5, fallback: Generator | None = None,
        resolver: FollowUpResolver | None = None,
    ):
        self.retriever = retriever
        self.vocabulary = vocabulary
        self.generator = generator
        self.verifier = verifier
        self.fallback = fallback  # used when none of the generator's sentences survive verification
        self.resolver = resolver
        self.min_relevance = min_relevance  # per vector space: similarities are not comparable across models
        self.top_k = top_k

    def answer(
        self, question: str, filters: Filters | None = None, product_sku: str | None = None,
        history: list[Turn] | None = None,
    ) -> Answer:
        """Answer ``question``; ``filters`` are the caller's, merged with any found in the text;
        ``history`` is the conversation so far, used to resolve follow-ups."""
        language = detect_language(question)
        if PERSONAL.search(question):
            return Answer(text=HANDOFFS[language], refused=True, handoff=True, language=language,
                          refusal_reason="a question about the shopper's own order or account needs a person")
        resolution = self.resolver.resolve(question, history) if history and self.resolver else Resolution(question)
        answer = self._answer(resolution.question, language, filters, product_sku or resolution.product_sku)
        if resolution.rewritten:
            answer.rewritten_query = resolution.question
        return answer

    def _answer(self, question: str, language: str, filters: Filters | None, product_sku: str | None) -> Answer:
        # A question about one named product is not a product search: read no filters from its text.
        found = Filters() if product_sku else parse_filters(question, self.vocabulary)
        applied = (filters or Filters()).merged(found)
        applied_dump = None if applied.is_empty() else applied.model_dump(exclude_none=True, exclude_defaults=True)
        started = time.perf_counter()
        passages = self.retriever.retrieve(question, self.top_k, None if applied.is_empty() else applied, product_sku)
        retrieve_ms = (time.perf_counter() - started) * 1000
        if applied_dump is not None and not passages:
            answer = self._refuse(language, passages, f"no product matches the filters {applied_dump}", applied_dump)
        else:
            answer = self.respond(question, passages, applied, language)
        answer.timings_ms = {"retrieve": round(retrieve_ms, 2), **answer.timings_ms}
        return answer

    def respond(self, question: str, passages: list[Passage], applied: Filters | None = None,
                language: str | None = None) -> Answer:
        """Generate, verify and package an answer from already retrieved ``passages``."""
        applied = applied or Filters()
        language = language or detect_language(question)
        applied_dump = None if applied.is_empty() else applied.model_dump(exclude_none=True, exclude_defaults=True)
        relevant = [p for p in passages if p.exact_match or p.similarity >= self.min_relevance.get(p.space, 0.0)]
        if not relevant:
            best = max(passages, key=lambda p: p.similarity, default=None)
            reason = (
                f"best passage similarity {best.similarity:.3f} is below {self.min_relevance.get(best.space, 0.0)}"
                if best else "no passage was retrieved"
            )
            return self._refuse(language, passages, reason, applied_dump)
        timings = {"generate": 0.0, "verify": 0.0}

        def timed(stage: str, call, *args):
            started = time.perf_counter()
            try:
                return call(*args)
            finally:
                timings[stage] += (time.perf_counter() - started) * 1000

        try:
            draft = timed("generate", self.generator.generate, question, relevant)
        except GenerationError as exc:
            log.warning("generator failed, answering extractively: %s", exc)
            draft = ""
        text, citations, report = timed("verify", self.verifier.verify, question, draft, relevant)
        if not text and self.fallback is not None and self.fallback is not self.generator:
            dropped = report.dropped
            fallback_draft = timed("generate", self.fallback.generate, question, relevant)
            text, citations, report = timed("verify", self.verifier.verify, question, fallback_draft, relevant)
            report.dropped, report.fallback = dropped + report.dropped, "extractive"
        timings = {stage: round(ms, 2) for stage, ms in timings.items()}
        if not text:
            refusal = self._refuse(language, passages, "no sentence of the draft was supported by its passages", applied_dump)
            refusal.grounding, refusal.timings_ms = report, timings
            return refusal
        cards = product_cards(relevant, question, applied) if self._is_shopping(question, applied) else []
        return Answer(
            text=text, citations=citations, language=language, passages=passages, filters=applied_dump, grounding=report,
            products=cards, timings_ms=timings,
        )

    @staticmethod
    def _is_shopping(question: str, filters: Filters) -> bool:
        return not filters.is_empty() or bool(SHOPPING_CUES.search(question))

    @staticmethod
    def _refuse(language: str, passages: list[Passage], reason: str, filters: dict | None = None) -> Answer:
        log.info("refused: %s", reason)
        return Answer(
            text=REFUSALS[language], refused=True, handoff=True, refusal_reason=reason,
            language=language, passages=passages, filters=filters,
        )


def build_generator(settings: Settings, extractive: Generator) -> Generator:
    """The generator backend named in settings; LLM backends are configured, never guessed."""
    if settings.generator == "openai":
        if not (settings.llm_base_url and settings.llm_model):
            raise ValueError("generator 'openai' needs llm_base_url and llm_model in settings")
        return OpenAIChatGenerator(
            settings.llm_base_url, settings.llm_model,
            settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
            settings.llm_timeout_seconds, settings.llm_retries, settings.llm_max_tokens, settings.llm_stream,
        )
    if settings.generator == "transformers":
        if not settings.transformers_model_dir:
            raise ValueError("generator 'transformers' needs transformers_model_dir in settings")
        return TransformersGenerator(settings.transformers_model_dir, settings.llm_max_tokens)
    return extractive


def build_assistant(settings: Settings, store: IndexStore, embedders: EmbedderSet) -> Assistant:
    """Wire the default pipeline for ``settings`` around a loaded store and embedders."""
    extractive = ExtractiveGenerator(embedders, max_sentences=settings.max_answer_sentences)
    thresholds = {PRIMARY: settings.min_relevance, MULTILINGUAL: settings.min_relevance_multilingual}
    finder = ProductFinder(store, embedders, thresholds)
    return Assistant(
        build_retriever(settings.retrieval_mode, store, embedders, settings.keyword_weight),
        build_generator(settings, extractive),
        Verifier(embedders, settings.min_support),
        min_relevance=thresholds,
        vocabulary=store.vocabulary(),
        top_k=settings.top_k,
        fallback=extractive,
        resolver=FollowUpResolver(finder.find, asks_for_product_fact),
    )
