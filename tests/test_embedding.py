"""The ONNX backends against the model they were exported from, and the export cache."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding import embedder_label, load_embedder, model_directory
from rag.index import IncompatibleIndexError
from rag.onnx_backend import exported_model, model_digest
from rag.settings import Settings
from server.state import ServingState

MODEL = "all-MiniLM-L6-v2"
PASSAGES = [
    "Unworn items can be returned within 30 days of delivery for a full refund.",
    "Orders over $75 ship free within the continental United States.",
    "The Summit 2 is a freestanding two-person backpacking tent weighing 1.6 kg.",
    "Our down sleeping bags carry a lifetime warranty against defects in materials.",
    "Gift cards never expire and can be used online or in store.",
]
QUESTIONS = ["how long do I have to send something back", "is shipping free", "tent for two people",
             "warranty on sleeping bags", "do gift cards expire"]


@pytest.fixture(scope="module")
def vectors() -> dict[str, np.ndarray]:
    cache = Settings().model_cache_dir
    return {backend: load_embedder(MODEL, backend, cache_dir=cache).embed(PASSAGES + QUESTIONS)
            for backend in ("torch", "onnx", "onnx-int8")}


def test_onnx_export_gives_the_vectors_of_the_torch_model(vectors):
    cosines = (vectors["torch"] * vectors["onnx"]).sum(axis=1)
    assert cosines.min() > 0.9999


def test_int8_vectors_stay_close_and_rank_the_same(vectors):
    assert (vectors["torch"] * vectors["onnx-int8"]).sum(axis=1).min() > 0.95
    for backend in ("torch", "onnx-int8"):
        passages, questions = vectors[backend][: len(PASSAGES)], vectors[backend][len(PASSAGES):]
        assert ((questions @ passages.T).argmax(axis=1) == np.arange(len(QUESTIONS))).all(), backend


def test_export_is_made_once_and_reused():
    cache = Settings().model_cache_dir
    source = model_directory(MODEL)
    first = exported_model(MODEL, source, cache, int8=True)
    stamp = first.stat().st_mtime_ns
    again = exported_model(MODEL, source, cache, int8=True)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert model_digest(source)[:16] in first.parent.name


def test_index_records_the_backend_and_refuses_another(sample_settings, sample_build):
    assert embedder_label(MODEL, sample_settings.embedding_backend) == f"{MODEL}+int8"
    torch_settings = sample_settings.model_copy(update={"embedding_backend": "torch"})
    with pytest.raises(IncompatibleIndexError, match="shopassist index --full"):
        ServingState.load(torch_settings)
