"""Settings: defaults, a TOML file, and environment variables over the file."""

from __future__ import annotations

import pytest

from rag.settings import Settings


def test_file_then_environment(tmp_path, monkeypatch):
    config = tmp_path / "shopassist.toml"
    config.write_text('top_k = 7\nmin_relevance = 0.5\nadmin_api_keys = ["k1"]\ncatalog_fields = {sku = "Item No"}\n')
    monkeypatch.setenv("SHOPASSIST_MIN_RELEVANCE", "0.6")
    settings = Settings.load(config)
    assert settings.top_k == 7 and settings.min_relevance == 0.6  # the environment wins over the file
    assert settings.admin_api_keys[0].get_secret_value() == "k1" and "k1" not in repr(settings)
    assert settings.catalog_fields == {"sku": "Item No"}


def test_unknown_keys_and_missing_files_are_errors(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("top_kk = 3\n")
    with pytest.raises(ValueError, match="top_kk"):
        Settings.load(config)
    with pytest.raises(FileNotFoundError, match="config file not found"):
        Settings.load(tmp_path / "nope.toml")
