"""`shopassist serve` as a shopper meets it: a real uvicorn process on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from .conftest import KNOWLEDGE_BASE, free_port, wait_until_up


def test_serve_builds_missing_index_with_progress_then_answers(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SHOPASSIST_INDEX_DIR": str(tmp_path / "index"),
        "SHOPASSIST_DATA_DIR": str(tmp_path / "data"),
        "SHOPASSIST_KNOWLEDGE_BASE": str(KNOWLEDGE_BASE),
    }
    log = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", process, tmp_path / "serve.log")
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/chat", json={"message": "How long do I have to return an item?"}, timeout=30
        ).json()
        assert "30 days" in answer["text"] and answer["citations"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = (tmp_path / "serve.log").read_text()
    assert "No index at" in output and "building one" in output
    assert "Embedding (primary):" in output  # progress lines, since the log is not a terminal
    assert (tmp_path / "index" / "CURRENT").is_file()
