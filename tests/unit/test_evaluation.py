"""Evaluation runs on a tiny corpus with the fake embedder: caches follow the corpus, names come from the data."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from evals.datasets import DatasetError, available_datasets, load_dataset
from server.cli import app
from tests.fakes import FAKE_EMBEDDER

PASSAGES = {
    "1": ("What is the warranty?", "P-1", "The warranty lasts two full years from the date of purchase.", 1),
    "2": ("What is the warranty?", "P-1", "Ships in a cardboard box.", 0),
    "3": ("Is it waterproof?", "P-2", "Fully waterproof to ten metres of depth.", 1),
    "4": ("Is it waterproof?", "P-2", "Comes in red and blue.", 0),
}


def write_dataset(root, passages=PASSAGES, title="Tiny QA"):
    folder = root / "tinyqa"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(f"# {title}\n\nFour judged passages.\n", encoding="utf-8")
    with open(folder / "dev.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["qid", "question", "ASIN", "candidate", "source", "qa_pair_id", "title", "label"])
        for pair, (question, asin, text, label) in passages.items():
            writer.writerow([question[:4], question, asin, text, "cqa", pair, f"product {asin}", label])
    return folder


def run_retrieval(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPASSIST_EMBEDDING_MODEL", FAKE_EMBEDDER)
    monkeypatch.setenv("SHOPASSIST_MULTILINGUAL_MODEL", "")
    result = CliRunner().invoke(app, ["eval", "retrieval", "--datasets", "tinyqa", "--shared", str(tmp_path / "sets"),
                                      "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("| Tiny QA")]


def test_changing_one_passage_changes_the_next_runs_numbers(tmp_path, monkeypatch):
    write_dataset(tmp_path / "sets")
    first = run_retrieval(tmp_path, monkeypatch)
    assert first and first == run_retrieval(tmp_path, monkeypatch)  # same corpus: the cached index, same numbers
    changed = {**PASSAGES, "1": ("What is the warranty?", "P-1", "Two.", 1)}
    write_dataset(tmp_path / "sets", changed)
    second = run_retrieval(tmp_path, monkeypatch)
    assert len(second) == len(first) and second != first


def test_dataset_name_and_title_come_from_its_folder(tmp_path):
    folder = write_dataset(tmp_path, title="Tiny QA, dev split")
    dataset = load_dataset(folder)
    assert (dataset.name, dataset.label) == ("tinyqa", "Tiny QA, dev split")
    assert [q.context for q in dataset.queries] == ["P-1", "P-2"]
    assert available_datasets(tmp_path) == ["tinyqa"]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "pairs.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert available_datasets(tmp_path) == ["tinyqa"]  # a folder without judged pairs is not a dataset


def test_a_bad_label_names_the_file_and_line(tmp_path):
    folder = write_dataset(tmp_path, {**PASSAGES, "3": ("Is it waterproof?", "P-2", "Yes.", "maybe")})
    with pytest.raises(DatasetError, match=r"dev\.csv:4"):
        load_dataset(folder)


def test_golden_and_calibrate_commands_on_a_tiny_store(tmp_path, monkeypatch):
    kb = tmp_path / "kb" / "policies"
    kb.mkdir(parents=True)
    (kb / "returns.md").write_text("# Returns\n\nYou can return most items within 30 days of delivery.\n",
                                   encoding="utf-8")
    golden = tmp_path / "golden.jsonl"
    golden.write_text(
        '{"id": "a1", "question": "How many days do I have to return items?", "answerable": true, '
        '"expected_sources": ["policies/returns.md"], "expected_fact": "30 days"}\n'
        '{"id": "u1", "question": "Do you sell rocket fuel?", "answerable": false}\n', encoding="utf-8")
    for name, value in {"EMBEDDING_MODEL": FAKE_EMBEDDER, "MULTILINGUAL_MODEL": "", "KNOWLEDGE_BASE": tmp_path / "kb",
                        "INDEX_DIR": tmp_path / "index", "DATA_DIR": tmp_path / "data"}.items():
        monkeypatch.setenv(f"SHOPASSIST_{name}", str(value))
    runner = CliRunner()
    assert runner.invoke(app, ["index"]).exit_code == 0
    graded = runner.invoke(app, ["eval", "golden", "--golden", str(golden)])
    assert graded.exit_code == 0, graded.output
    assert "answerable: 1/1 grounded and correct (100.0%); unanswerable: 1/1 refused (100.0%)" in graded.output
    calibrated = runner.invoke(app, ["eval", "calibrate", "--golden", str(golden)])
    assert calibrated.exit_code == 0, calibrated.output
    assert calibrated.output.startswith("primary: threshold ") and "n=1" in calibrated.output


def test_a_bad_dataset_is_one_clear_line_and_a_missing_one_is_skipped(tmp_path, monkeypatch):
    write_dataset(tmp_path / "sets", {**PASSAGES, "3": ("Is it waterproof?", "P-2", "Yes.", "maybe")})
    monkeypatch.setenv("SHOPASSIST_EMBEDDING_MODEL", FAKE_EMBEDDER)
    monkeypatch.setenv("SHOPASSIST_MULTILINGUAL_MODEL", "")
    result = CliRunner().invoke(app, ["eval", "retrieval", "--datasets", "tinyqa,nosuch", "--shared",
                                      str(tmp_path / "sets"), "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 2 and "dev.csv:4" in result.output and "Traceback" not in result.output
    assert "skipping nosuch: no such dataset" in result.output and "found: tinyqa" in result.output
