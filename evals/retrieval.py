"""`shopassist eval retrieval`: retrieval quality on the store's golden set and the public datasets."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from evals.datasets import Query, RetrievalSet, build_eval_index, context_ids
from evals.golden import load_golden
from evals.metrics import RETRIEVAL_METRICS, mean_metrics, retrieval_metrics
from evals.report import DOC_HEADER
from indexer import build_index
from rag.embedding import EmbedderSet, load_embedders
from rag.index import SearchIndex, open_versions
from rag.models import Passage
from rag.reporting import write_section
from rag.retrieval import DenseRetriever, HybridRetriever, KeywordRetriever
from rag.settings import Settings

log = logging.getLogger("shopassist.eval")

KEYWORD_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)


@dataclass
class Row:
    dataset: str
    model: str
    mode: str
    context: str
    queries: int
    metrics: dict[str, float]


def _retrievers(store: SearchIndex, embedders: EmbedderSet, keyword_weight: float) -> dict:
    return {
        "dense": DenseRetriever(store, embedders),
        "keyword": KeywordRetriever(store),
        "hybrid": HybridRetriever(store, embedders, keyword_weight),
    }


def ranking_metrics(ranked: list[list[Passage]], queries: list[Query]) -> dict[str, float]:
    """Mean retrieval metrics of each query's ranked passages against its judged chunks."""
    return mean_metrics([retrieval_metrics([p.chunk.id for p in passages], q.relevance)
                         for passages, q in zip(ranked, queries)])


def embedders_for(settings: Settings, model: str, multilingual: str | None = None) -> EmbedderSet:
    """One model (plus an optional multilingual one) on the configured backend."""
    return load_embedders(settings.model_copy(update={"embedding_model": model, "multilingual_model": multilingual}))


def dataset_index(dataset: RetrievalSet, settings: Settings, cache: Path, model: str) -> tuple[SearchIndex, EmbedderSet]:
    """The dataset's pooled index for ``model``, reused while its corpus, model and backend are unchanged."""
    embedders = embedders_for(settings, model)
    return build_eval_index(dataset, embedders, cache, settings.embedding_backend,
                            index_backend=settings.index_backend), embedders


def settings_models(settings: Settings) -> tuple[str, ...]:
    """The models the settings name: each is scored alone on the public datasets."""
    return tuple(dict.fromkeys(m for m in (settings.embedding_model, settings.multilingual_model) if m))


def evaluate_dataset(dataset: RetrievalSet, cache: Path, settings: Settings) -> list[Row]:
    """Pool every candidate into one index per model; score with and without the product filter."""
    queries = dataset.answerable
    models = settings_models(settings)
    rows: list[Row] = []
    for model in models:
        store, embedders = dataset_index(dataset, settings, cache, model)
        by_context = context_ids(store, dataset)
        for mode, retriever in _retrievers(store, embedders, settings.keyword_weight).items():
            if mode == "keyword" and model != models[0]:
                continue  # keyword search does not depend on the model
            for context in ("none", "product"):
                if context == "none":
                    ranked = retriever.rank_many([q.text for q in queries], 10)
                else:
                    ranked = [retriever.rank(q.text, 10, by_context[q.context]) for q in queries]
                rows.append(Row(dataset.label, "—" if mode == "keyword" else model, mode, context, len(queries),
                                ranking_metrics(ranked, queries)))
                log.info("%s %s %s context=%s ndcg@10=%.3f", dataset.name, model, mode, context,
                         rows[-1].metrics["ndcg@10"])
    return rows


def sweep_keyword_weight(dataset: RetrievalSet, cache: Path, settings: Settings,
                         weights: tuple[float, ...] = KEYWORD_WEIGHTS) -> list[tuple[float, float]]:
    """nDCG@10 of pooled hybrid search for each keyword weight (the primary model)."""
    store, embedders = dataset_index(dataset, settings, cache, settings.embedding_model)
    results = []
    for weight in weights:
        ranked = HybridRetriever(store, embedders, weight).rank_many([q.text for q in dataset.answerable], 10)
        results.append((weight, ranking_metrics(ranked, dataset.answerable)["ndcg@10"]))
    return results


def evaluate_store(golden: Path, cache: Path, settings: Settings) -> list[Row]:
    """The sample store's golden set, ranked by source (a document file, or a product chunk), for the settings'
    pair of models and for each model alone."""
    pairs = {(settings.embedding_model, settings.multilingual_model): None}
    pairs.update({(model, None): None for model in settings_models(settings)})
    items = [item for item in load_golden(golden) if item.answerable]
    rows: list[Row] = []
    for primary, multilingual in pairs:
        label = f"{primary} + {multilingual} (zh)" if multilingual else primary
        config = settings.model_copy(update={"embedding_model": primary, "multilingual_model": multilingual})
        embedders = load_embedders(config)
        config = config.model_copy(update={
            "index_dir": cache / ("store-" + "-".join(embedders.models().values()) + f"-{settings.embedding_backend}"),
        })
        build_index(config, embedders=embedders)
        store = open_versions(config).open_current()
        for mode, retriever in _retrievers(store, embedders, settings.keyword_weight).items():
            if mode == "keyword" and any(r.mode == "keyword" for r in rows):
                continue
            scores = []
            for item in items:
                ranked = [_source_key(p.chunk) for p in retriever.retrieve(item.question, 30)]
                relevance = {source: 1 for source in item.expected_sources}
                scores.append(retrieval_metrics(list(dict.fromkeys(ranked)), relevance))
            rows.append(Row("store golden", "—" if mode == "keyword" else label, mode, "none", len(items),
                            mean_metrics(scores)))
    return rows


def _source_key(chunk) -> str:
    """How the golden set names a source: product chunks by id, the rest by file."""
    return chunk.id if chunk.kind == "product" else chunk.source


def table(rows: list[Row]) -> str:
    head = "| dataset | model | retrieval | product filter | queries | " + " | ".join(RETRIEVAL_METRICS) + " |"
    rule = "|---|---|---|---|---:|" + "---:|" * len(RETRIEVAL_METRICS)
    lines = [head, rule]
    for row in rows:
        values = " | ".join(f"{row.metrics[m]:.3f}" for m in RETRIEVAL_METRICS)
        lines.append(f"| {row.dataset} | {row.model} | {row.mode} | {row.context} | {row.queries} | {values} |")
    return "\n".join(lines)


def write_retrieval_doc(doc: Path, command: str, rows: list[Row], sweep: list[tuple[float, float]],
                        sweep_label: str = "") -> None:
    body = ["## Retrieval", "", table(rows)]
    if sweep:
        body += ["", f"Hybrid keyword weight on pooled {sweep_label} (nDCG@10, default model):", "",
                 "| keyword weight | " + " | ".join(f"{w:g}" for w, _ in sweep) + " |",
                 "|---|" + "---:|" * len(sweep),
                 "| nDCG@10 | " + " | ".join(f"{v:.3f}" for _, v in sweep) + " |"]
    write_section(doc, DOC_HEADER, "retrieval", command, "\n".join(body))
