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
