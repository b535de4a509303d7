"""The `shopassist index` command as a catalog team's CI pipeline runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_index(tmp_path, *flags):
    env = {**os.environ, "SHOPASSIST_KNOWLEDGE_BASE": str(tmp_path / "kb"),
           "SHOPASSIST_INDEX_DIR": str(tmp_path / "index"), "SHOPASSIST_MULTILINGUAL_MODEL": ""}
    return subprocess.run([sys.executable, "-m", "server.cli", "index", *flags], env=env,
                          capture_output=True, text=True, timeout=300)


def test_json_summary_and_strict_exit_code(tmp_path):
    (tmp_path / "kb" / "catalog").mkdir(parents=True)
    (tmp_path / "kb" / "catalog" / "products.jsonl").write_text(
        json.dumps({"sku": "A-1", "title": "Good Tent", "price": 99}) + "\n{broken\n", encoding="utf-8"
    )
    relaxed = run_index(tmp_path, "--json")
    assert relaxed.returncode == 0, relaxed.stderr
    summary = json.loads(relaxed.stdout)
    assert summary["by_kind"]["product"] == {"read": 2, "indexed": 1, "skipped": 0, "rejected": 1}
    assert summary["rejections"][0]["message"].startswith("catalog/products.jsonl:2: invalid JSON")
    assert summary["added"] == 1 and summary["published"]

    strict = run_index(tmp_path, "--strict")
    assert strict.returncode == 1
    assert "catalog/products.jsonl:2" in strict.stderr and "Traceback" not in strict.stderr


def test_missing_knowledge_base_is_one_clear_line(tmp_path):
    result = run_index(tmp_path)
    assert result.returncode == 2
    assert "knowledge base folder not found" in result.stderr and "Traceback" not in result.stderr
