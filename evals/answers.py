"""`shopassist eval answers`: faithfulness, citation precision, refusal accuracy and answer rate."""

from __future__ import annotations

from pathlib import Path

from evals.datasets import RetrievalSet, context_ids
from evals.golden import load_golden
from evals.metrics import AnswerScores
from evals.report import DOC_HEADER
from evals.retrieval import dataset_index
from rag.assistant import build_assistant
from rag.reporting import write_section
from rag.retrieval import HybridRetriever
from rag.settings import Settings

ANSWER_METRICS = ("faithfulness", "citation precision", "refusal accuracy", "answer rate")


def evaluate_answers_store(golden: Path, assistant) -> AnswerScores:
    scores = AnswerScores()
    for item in load_golden(golden):
        scores.add(item.answerable, assistant.answer(item.question))
    return scores


def evaluate_answers_dataset(dataset: RetrievalSet, cache: Path, settings: Settings) -> AnswerScores:
    """Each question is answered from its own product's candidates; questions whose candidates are all labelled
    0 must be refused. One vector space (the primary model): the public sets are English."""
    store, embedders = dataset_index(dataset, settings, cache, settings.embedding_model)
    by_context = context_ids(store, dataset)
    assistant = build_assistant(settings.model_copy(update={"multilingual_model": None}), store, embedders)
    retriever = HybridRetriever(store, embedders, settings.keyword_weight)
    scores = AnswerScores()
    for query in dataset.queries:
        passages = retriever.rank(query.text, settings.top_k, by_context[query.context])
        answerable = any(grade > 0 for grade in query.relevance.values())
        scores.add(answerable, assistant.respond(query.text, passages))
    return scores


def answers_table(results: dict[str, AnswerScores]) -> str:
    lines = ["| set | answerable | unanswerable | " + " | ".join(ANSWER_METRICS) + " |",
             "|---|---:|---:|" + "---:|" * len(ANSWER_METRICS)]
    for label, scores in results.items():
        row = scores.as_row()
        lines.append(f"| {label} | {scores.answerable} | {scores.unanswerable} | "
                     + " | ".join(f"{row[n]:.3f}" for n in ANSWER_METRICS) + " |")
    return "\n".join(lines)


def write_answers_doc(doc: Path, command: str, results: dict[str, AnswerScores], chart: str = "") -> None:
    body = ["## Answers", "", answers_table(results)] + (["", chart] if chart else [])
    write_section(doc, DOC_HEADER, "answers", command, "\n".join(body))
