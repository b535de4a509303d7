"""Operations: metrics per stage, request ids, and JSON logs without personal data."""

from __future__ import annotations

import io
import json
import logging

from server.observability import json_log_handler


def sample(metrics_text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in metrics_text.splitlines():
        if line.startswith(f"{name}{{{wanted}}}") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_stages_refusals_and_index_version(client, serving):
    before = client.get("/metrics").text
    client.post("/v1/chat", json={"message": "How much does express shipping cost?"})
    client.post("/v1/chat", json={"message": "Who won the football game last night?"})
    after = client.get("/metrics").text
    route = dict(method="POST", route="/v1/chat", status="200")
    assert sample(after, "shopassist_requests_total", **route) == sample(before, "shopassist_requests_total", **route) + 2
    for stage in ("retrieve", "generate", "verify"):
        assert sample(after, "shopassist_stage_seconds_count", stage=stage) > sample(before, "shopassist_stage_seconds_count", stage=stage)
    assert sample(after, "shopassist_refusals_total", handoff="true") >= 1
    assert sample(after, "shopassist_index_info", version=serving.store.version) == 1


def test_request_ids_are_returned_and_logged_as_json_with_personal_data_masked(client):
    stream = io.StringIO()
    handler = json_log_handler(stream)
    logger = logging.getLogger("shopassist")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        response = client.post("/v1/chat", json={"message": "Do gift cards expire?"}, headers={"X-Request-ID": "abc-123"})
        logging.getLogger("shopassist.test").info("shopper wrote from jane@example.com, card 4111 1111 1111 1111")
    finally:
        logger.removeHandler(handler)
    assert response.headers["x-request-id"] == "abc-123"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "shopassist.access" and line.get("route") == "/v1/chat"]
    assert access and access[-1]["request_id"] == "abc-123" and access[-1]["status"] == 200
    assert "jane@example.com" not in stream.getvalue() and "4111" not in stream.getvalue()
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 16
