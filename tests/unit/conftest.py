"""Unit tests run pure logic with the registered fake embedder (tests/fakes.py): no real model is loaded."""

from __future__ import annotations

import pytest

from rag import embedding
from rag.embedding import EmbedderSet, load_embedder
from rag.settings import Settings
from tests.fakes import FAKE_EMBEDDER


@pytest.fixture
def fake_embedders() -> EmbedderSet:
    return EmbedderSet(load_embedder(FAKE_EMBEDDER))


@pytest.fixture
def fake_settings(tmp_path) -> Settings:
    """Settings for a store under tmp_path embedded by the fake, in one vector space."""
    return Settings(knowledge_base=tmp_path / "kb", index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                    model_cache_dir=tmp_path / "models", embedding_model=FAKE_EMBEDDER, multilingual_model=None,
                    rate_limit_per_minute=0)


@pytest.fixture(autouse=True)
def only_the_fake_embedder(monkeypatch):
    """A unit test that reaches for a real model fails at once and says where it belongs."""
    real = embedding.load_embedder

    def fake_only(model: str, *args, **kwargs):
        assert model == FAKE_EMBEDDER, f"unit tests use the fake embedder, not {model!r}: this test belongs in tests/"
        return real(model, *args, **kwargs)

    monkeypatch.setattr(embedding, "load_embedder", fake_only)
