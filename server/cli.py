"""The `shopassist` command: index, serve, ask and eval."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from indexer import BuildReport, build_index
from rag.privacy import MaskingFilter
from rag.settings import Settings
from rag.store import IndexDirectory, IndexStoreError

app = typer.Typer(help="ShopAssist: a grounded customer-service assistant for online stores.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure the assistant on golden question sets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

ConfigOption = typer.Option(None, "--config", help="TOML settings file (overrides defaults; env vars override it).")


def _settings(config: Optional[Path], **overrides) -> Settings:
    try:
        return Settings.load(config, **{k: v for k, v in overrides.items() if v is not None})
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]error:[/red] settings: {exc}")
        raise typer.Exit(2) from None


def _logging(json_lines: bool = False) -> None:
    """Plain lines for people at a terminal, JSON lines for the server; personal data masked in both."""
    if json_lines:
        from server.observability import json_log_handler

        logging.basicConfig(level=logging.INFO, handlers=[json_log_handler(sys.stderr)], force=True)
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())
    for noisy in ("faiss.loader", "sentence_transformers", "httpx", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


@app.command()
def index(
    config: Optional[Path] = ConfigOption,
    knowledge_base: Optional[Path] = typer.Option(None, "--kb", help="Knowledge base folder."),
    index_dir: Optional[Path] = typer.Option(None, "--index-dir", help="Index folder."),
    full: bool = typer.Option(False, "--full", help="Re-embed everything instead of only what changed."),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero if any row or file was rejected."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build or update the index from the knowledge base; publish it atomically."""
    _logging()
    settings = _settings(config, knowledge_base=knowledge_base, index_dir=index_dir)
    try:
        report = build_index(settings, full=full)
    except (IndexStoreError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if strict and report.rejections:
        raise typer.Exit(1)


def _print_report(report: BuildReport) -> None:
    for rejection in report.rejections:
        err.print(f"[yellow]rejected[/yellow] {rejection}", highlight=False)
    for planted in report.quarantined:
        err.print(f"[yellow]quarantined[/yellow] {escape(str(planted))}", highlight=False)
    table = Table(title="Indexed", show_edge=False)
    for column in ("kind", "read", "indexed", "rejected"):
        table.add_column(column, justify="right" if column != "kind" else "left")
    for kind, counts in sorted(report.by_kind.items()):
        table.add_row(kind, str(counts.read), str(counts.indexed), str(counts.rejected))
    out.print(table)
    state = f"version {report.version} unchanged"
    if report.published:
        state = f"published version {report.version}" + (" (patched from the previous one)" if report.patched else "")
    out.print(
        f"{state}: {report.chunks} chunks; added {report.added}, updated {report.updated}, "
        f"deleted {report.deleted}, unchanged {report.unchanged}; embedded {report.embedded} in {report.seconds}s"
        + (f" (full build: {report.rebuild_reason})" if report.rebuild_reason else "")
        + f"; {len(report.quarantined)} planted sentence(s) quarantined (checked in {report.quarantine_seconds}s)",
        highlight=False,
    )


def _load_serving(settings: Settings):
    from server.state import ServingState

    try:
        return ServingState.load(settings)
    except IndexStoreError as exc:
        raise _fail(str(exc)) from None


@app.command()
def serve(
    config: Optional[Path] = ConfigOption,
    host: Optional[str] = typer.Option(None, help="Address to listen on."),
    port: Optional[int] = typer.Option(None, help="Port to listen on."),
) -> None:
    """Serve the chat API, building the index from the knowledge base first if none exists."""
    import uvicorn

    from server.app import create_app

    _logging()
    settings = _settings(config, host=host, port=port)
    if IndexDirectory(settings.index_dir).current_version() is None:
        err.print(f"No index at {settings.index_dir}: building one from {settings.knowledge_base} first.")
        try:
            _print_report(build_index(settings))
        except (IndexStoreError, FileNotFoundError) as exc:
            raise _fail(str(exc)) from None
    serving = _load_serving(settings)
    err.print(f"Serving index version {serving.store.version} on http://{settings.host}:{settings.port} "
              f"(API docs at /docs); logs follow as JSON lines")
    _logging(json_lines=True)
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1; the app decides
    # whom to believe (settings.trusted_proxies).
    uvicorn.run(create_app(settings, serving), host=settings.host, port=settings.port, log_config=None,
                access_log=False, proxy_headers=False)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The shopper's question."),
    config: Optional[Path] = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Print the whole Answer as JSON."),
) -> None:
    """Answer one question from the command line, with its citations."""
    settings = _settings(config)
    answer = _load_serving(settings).assistant.answer(question)
    if as_json:
        print(answer.model_dump_json(indent=2))
        return
    out.print(answer.text, highlight=False)
    for citation in answer.citations:
        where = citation.source + (f" > {citation.section}" if citation.section else "")
        out.print(f"  [{citation.number}] {citation.title} ({where})", highlight=False, markup=False)
    if answer.refused:
        out.print(f"  refused: {answer.refusal_reason}", highlight=False, style="dim")


GOLDEN = Path("tests/golden/store.jsonl")


@eval_app.command("golden")
def eval_golden(
    golden: Path = typer.Option(GOLDEN, help="Golden set (JSON lines)."),
    config: Optional[Path] = ConfigOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every question that failed."),
) -> None:
    """Grounding pass rate on answerable questions and refusal rate on unanswerable ones."""
    from rag.evaluation import judge, load_golden, summarize

    assistant = _load_serving(_settings(config)).assistant
    results = [judge(item, assistant.answer(item.question)) for item in load_golden(golden)]
    summary = summarize(results)
    if verbose:
        for result in results:
            if not result.passed:
                out.print(f"FAIL {result.item.id} {result.item.question!r}: {'; '.join(result.problems)}",
                          highlight=False, markup=False)
    out.print(f"answerable: {summary.answerable_passed}/{summary.answerable} grounded and correct "
              f"({summary.answer_pass_rate:.1%}); unanswerable: {summary.refused}/{summary.unanswerable} "
              f"refused ({summary.refusal_rate:.1%})")


@eval_app.command("calibrate")
def eval_calibrate(
    golden: Path = typer.Option(GOLDEN, help="Golden set (JSON lines)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """How well the best passage similarity alone separates answerable from unanswerable golden questions, per
    vector space (the refusal rule before the reader; it now sets only min_relevance, for naming products)."""
    from rag.evaluation import calibrate_threshold, load_golden

    serving = _load_serving(_settings(config))
    scores: dict[str, tuple[list[float], list[float]]] = {}
    for item in load_golden(golden):
        passages = serving.assistant.retriever.retrieve(item.question, serving.assistant.top_k)
        space = serving.embedders.space_for(item.question)
        if any(p.exact_match for p in passages):
            continue  # answered by identifier, whatever the similarity
        best = max((p.similarity for p in passages), default=0.0)
        scores.setdefault(space, ([], []))[0 if item.answerable else 1].append(best)
    for space, (answerable, unanswerable) in sorted(scores.items()):
        out.print(
            f"{space}: threshold {calibrate_threshold(answerable, unanswerable)} "
            f"(answerable min {min(answerable, default=0):.3f}, n={len(answerable)}; "
            f"unanswerable max {max(unanswerable, default=0):.3f}, n={len(unanswerable)})"
        )


SHARED = Path("../shared/datasets")
SharedOption = typer.Option(SHARED, help="The team's shared datasets folder (epqa/, semipqa/).")
CacheOption = typer.Option(Path("var/eval"), help="Where evaluation indexes are kept between runs.")
GoldenOption = typer.Option(GOLDEN, help="Golden set for the sample store.")
DocOption = typer.Option(None, help="Write the table into this Markdown file (docs/evaluation.md).")


def _datasets(value: str) -> list[str]:
    return [d.strip() for d in value.split(",") if d.strip()]


@eval_app.command("retrieval")
def eval_retrieval(
    datasets: str = typer.Option("store,epqa,semipqa", help="Comma-separated: store, epqa, semipqa."),
    shared: Path = SharedOption,
    cache: Path = CacheOption,
    golden: Path = GoldenOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Recall@1/5/10, MRR@10 and nDCG@10 for dense, keyword and hybrid retrieval and each embedding model."""
    from server import eval_commands

    _logging()
    settings = _settings(config)
    wanted = _datasets(datasets)
    files = {"epqa": shared / "epqa" / "dev.csv", "semipqa": shared / "semipqa" / "attribute_ranking_dev.tsv"}
    rows, sweep = [], []
    if "store" in wanted:
        rows += eval_commands.evaluate_store(golden, cache, settings)
    for name in ("epqa", "semipqa"):
        if name not in wanted:
            continue
        if not files[name].is_file():
            err.print(f"skipping {name}: {files[name]} not found (the team's shared datasets folder)")
            continue
        rows += eval_commands.evaluate_public(name, files[name], cache, settings, eval_commands.MODELS)
        if name == "epqa":
            sweep = eval_commands.sweep_keyword_weight(files[name], cache, settings, (0.0, 0.05, 0.1, 0.2, 0.3, 0.5))
    out.print(eval_commands.table(rows), highlight=False, markup=False)
    if doc:
        eval_commands.write_retrieval_doc(doc, f"shopassist eval retrieval --datasets {datasets} --doc {doc}", rows, sweep)


@eval_app.command("cases")
def eval_cases(
    splits: str = typer.Option("dev,dev2,dev_store,test,other_store", help="Comma-separated split names."),
    cache: Path = CacheOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every case that failed."),
) -> None:
    """Golden cases by category over HTTP: facts stated, refusals and handoffs right, every card allowed."""
    from evals.report import split_rows
    from evals.runner import default_splits, failures, run_split
    from rag.reporting import write_section

    _logging()
    settings = _settings(config)
    wanted = _datasets(splits)
    known = {split.name: split for split in default_splits(Path.cwd())}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise _fail(f"unknown split(s) {', '.join(unknown)}; known: {', '.join(known)}")
    results = []
    for name in wanted:
        grades = run_split(known[name], settings, cache)
        results.append((known[name], grades))
        if verbose:
            for line in failures(grades):
                out.print(line, highlight=False, markup=False)
    table = split_rows(results)
    out.print(table, highlight=False, markup=False)
    if doc:
        from server.eval_commands import DOC_HEADER

        write_section(doc, DOC_HEADER, "cases", f"shopassist eval cases --splits {splits} --doc {doc}", table)


@eval_app.command("answers")
def eval_answers(
    datasets: str = typer.Option("store,epqa", help="Comma-separated: store, epqa."),
    shared: Path = SharedOption,
    cache: Path = CacheOption,
    golden: Path = GoldenOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Faithfulness, citation precision, refusal accuracy and answer rate of the configured generator."""
    from server import eval_commands

    _logging()
    settings = _settings(config)
    wanted = _datasets(datasets)
    results = {}
    if "store" in wanted:
        results["store golden"] = eval_commands.evaluate_answers_store(golden, _load_serving(settings))
    epqa = shared / "epqa" / "dev.csv"
    if "epqa" in wanted:
        if epqa.is_file():
            primary_only = settings.model_copy(update={"multilingual_model": None})
            results["ePQA (product context)"] = eval_commands.evaluate_answers_epqa(epqa, cache, settings, primary_only)
        else:
            err.print(f"skipping epqa: {epqa} not found (the team's shared datasets folder)")
    for label, scores in results.items():
        out.print(f"{label}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.as_row().items())
                  + f" (answerable {scores.answerable}, unanswerable {scores.unanswerable})")
    if doc:
        eval_commands.write_answers_doc(doc, f"shopassist eval answers --datasets {datasets} --doc {doc}", results)


@eval_app.command("export-feedback")
def export_feedback(
    out_file: Path = typer.Option(..., "--out", help="JSON lines file to write, in the golden-set format."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Turn shoppers' rated answers into golden-set cases for review (edit expected_sources, then add them)."""
    from server.sessions import SessionStore

    settings = _settings(config)
    store = SessionStore(settings.data_dir / "sessions.sqlite", settings.max_history_turns, settings.session_ttl_days)
    rows = store.feedback()
    store.close()
    with open(out_file, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({
                "id": f"feedback-{row['answer_id'][:10]}", "question": row["question"], "answerable": True,
                "expected_sources": [], "review": f"thumbs {row['rating']}: {row['comment']}".strip(),
                "answer_given": row["answer"],
            }, ensure_ascii=False) + "\n")
    out.print(f"wrote {len(rows)} cases to {out_file}")


if __name__ == "__main__":
    app()
