"""Shopper messages with personal data and identifiers sent through the API, and every place they could end
up: the transcript, the sessions file, the feedback export and the logs. Shared by the dev and held-out tests."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from server.app import create_app
from server.observability import json_log_handler

ADMIN_KEY = "safety-admin-key"


@dataclass
class Stored:
    """Everything a chat left behind, as text."""

    transcripts: list[str] = field(default_factory=list)
    sessions_file: str = ""
    feedback_export: str = ""
    logs: str = ""

    def places(self) -> dict[str, str]:
        return {"transcript": "\n".join(self.transcripts), "sessions file": self.sessions_file,
                "feedback export": self.feedback_export, "logs": self.logs}


def send_through_the_api(sample_settings, serving, data_dir: Path, messages: list[str]) -> Stored:
    """Each message is asked in its own session, rated with itself as the comment, and logged by a library
    logger (as a careless dependency might); then everything stored is read back."""
    settings = sample_settings.model_copy(update={"data_dir": data_dir, "admin_api_keys": [SecretStr(ADMIN_KEY)]})
    stream = io.StringIO()
    handler = json_log_handler(stream)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    stored = Stored()
    try:
        with TestClient(create_app(settings, serving)) as client:
            for message in messages:
                body = client.post("/v1/chat", json={"message": message}).json()
                logging.getLogger("somelibrary").info("received %s", message)
                assert client.post("/v1/feedback", json={"answer_id": body["answer_id"], "rating": "down",
                                                         "comment": message}).status_code == 201
                transcript = client.get(f"/v1/sessions/{body['session_id']}",
                                        headers={"X-Session-Token": body["session_token"]})
                stored.transcripts.append(transcript.text)
            stored.feedback_export = client.get("/v1/admin/feedback", headers={"X-API-Key": ADMIN_KEY}).text
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    stored.sessions_file = b"".join(p.read_bytes() for p in sorted(data_dir.glob("sessions.sqlite*"))).decode(
        "utf-8", errors="replace")
    stored.logs = stream.getvalue()
    return stored


def json_forms(value: str) -> list[str]:
    """``value`` as written and as JSON escapes it (logs and API bodies may escape non-ASCII)."""
    import json

    return list(dict.fromkeys([value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]]))


def needles(text: str, value: str) -> list[str]:
    """What would show ``value`` leaked: the value itself, or for a short one (a CVV) the value with the words
    written before it, since three digits alone turn up in any log line's timings."""
    if len(value) >= 6:
        return json_forms(value)
    at = text.index(value)
    return json_forms(text[max(0, at - 6):at + len(value)])
