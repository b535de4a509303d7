"""Feedback on answers: stored in SQLite, exported for admins and as new golden cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fastapi.testclient import TestClient

from evals.golden import load_golden
from rag.settings import Settings
from server.app import create_app

ADMIN = {"X-API-Key": "feedback-admin"}


def test_feedback_is_stored_exported_and_turned_into_cases(sample_settings, serving, tmp_path):
    settings = Settings(**{**sample_settings.model_dump(), "data_dir": tmp_path, "admin_api_keys": ["feedback-admin"]})
    with TestClient(create_app(settings, serving)) as client:
        answer = client.post("/v1/chat", json={"message": "Do gift cards expire?"}).json()
        rated = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                  "comment": "wrong, mail me at a@b.example"})
        assert rated.status_code == 201
        assert client.post("/v1/feedback", json={"answer_id": "nope", "rating": "up"}).status_code == 404
        assert client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "meh"}).status_code == 422
        assert client.get("/v1/admin/feedback").status_code == 401
        exported = client.get("/v1/admin/feedback", headers=ADMIN).json()
    assert [(e["rating"], e["comment"], e["question"]) for e in exported] == [
        ("down", "wrong, mail me at [email]", "Do gift cards expire?")
    ]
    out = tmp_path / "cases.jsonl"
    env = {**os.environ, "SHOPASSIST_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "server.cli", "eval", "export-feedback", "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    case = json.loads(out.read_text())
    assert case["question"] == "Do gift cards expire?" and case["review"].startswith("thumbs down")
    assert load_golden(out)[0].question == "Do gift cards expire?"
