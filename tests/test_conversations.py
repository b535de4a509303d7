"""Conversations: follow-ups resolve to the right product, sessions survive restarts and stay private."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.app import create_app


def ask(client, message: str, session: dict | None = None) -> dict:
    payload = {"message": message}
    headers = {}
    if session:
        payload["session_id"] = session["id"]
        headers["X-Session-Token"] = session["token"]
    response = client.post("/v1/chat", json=payload, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    if session is not None and "id" not in session:
        session.update(id=body["session_id"], token=body["session_token"])
    return body


def cited_product(body: dict) -> str:
    return body["citations"][0]["chunk_id"]


@pytest.mark.parametrize("turns", [
    [("How much is the Squall Anorak?", "product:JK-1120", None),
     ("Does it come in blue?", "product:JK-1120", "Does Squall Anorak come in blue?"),
     ("What about the Stormline GORE-TEX Jacket?", "product:JK-1015", "Does Stormline GORE-TEX Jacket come in blue?"),
     ("What about the other one?", "product:JK-1120", "Does Squall Anorak come in blue?")],
    [("青山防水冲锋衣多少钱？", "product:JK-1113", None),
     ("有蓝色的吗？", "product:JK-1113", "有蓝色的吗？ (青山 防水冲锋衣)"),
     ("那 Squall Anorak 呢？", "product:JK-1120", "有蓝色的吗？ (Squall Anorak)"),
     ("另一个呢？", "product:JK-1113", "有蓝色的吗？ (青山 防水冲锋衣)")],
], ids=["english", "chinese"])
def test_follow_ups_resolve_to_the_right_product(client, turns):
    session: dict = {}
    for message, product, rewritten in turns:
        body = ask(client, message, session)
        assert cited_product(body) == product, (message, body["text"])
        assert body["rewritten_query"] == rewritten
        if "blue" in message or "蓝色" in message or rewritten:
            assert "colours:" in body["text"].lower() or "颜色" in body["text"]


def test_small_talk_gets_a_short_reply_and_leaves_the_topic_alone(client):
    session: dict = {}
    assert ask(client, "hi", session)["intent"] == "greeting"
    ask(client, "How much is the Squall Anorak?", session)
    thanks = ask(client, "ok thanks!", session)
    assert (thanks["intent"], thanks["refused"], thanks["citations"]) == ("thanks", False, [])
    assert thanks["text"].startswith("You're welcome")
    follow_up = ask(client, "Does it come in blue?", session)
    assert cited_product(follow_up) == "product:JK-1120"
    assert ask(client, "谢谢", session)["text"].startswith("不客气")


def test_a_session_survives_a_server_restart(sample_settings, serving):
    session: dict = {}
    with TestClient(create_app(sample_settings, serving)) as before:
        ask(before, "How much is the Summit 45 Backpack?", session)
    with TestClient(create_app(sample_settings, serving)) as after:  # a new process would read the same SQLite file
        body = ask(after, "How much does it weigh?", session)
        assert cited_product(body) == "product:BP-1001" and "1.4 kg" in body["text"]
        transcript = after.get(f"/v1/sessions/{session['id']}", headers={"X-Session-Token": session["token"]}).json()
        assert [t["question"] for t in transcript["turns"]] == ["How much is the Summit 45 Backpack?", "How much does it weigh?"]


def test_transcripts_are_private_masked_and_bounded(sample_settings, serving, tmp_path):
    settings = sample_settings.model_copy(update={"data_dir": tmp_path, "max_history_turns": 3})
    with TestClient(create_app(settings, serving)) as client:
        mine, theirs = {}, {}
        ask(client, "My email is jane.doe@example.com and my card is 4111 1111 1111 1111, do gift cards expire?", mine)
        for question in ("Is standard shipping free?", "Do you ship to Canada?", "Can I pay with Klarna?"):
            ask(client, question, mine)
        ask(client, "Call me on +1 303 555 0142 about returns", theirs)

        url = f"/v1/sessions/{mine['id']}"
        assert client.get(url).status_code == 404
        assert client.get(url, headers={"X-Session-Token": theirs["token"]}).status_code == 404
        turns = client.get(url, headers={"X-Session-Token": mine["token"]}).json()["turns"]
        assert [t["question"] for t in turns] == ["Is standard shipping free?", "Do you ship to Canada?",
                                                  "Can I pay with Klarna?"]
        other = client.get(f"/v1/sessions/{theirs['id']}", headers={"X-Session-Token": theirs["token"]}).json()
        assert other["turns"][0]["question"] == "Call me on [phone] about returns"

    stored = b"".join(path.read_bytes() for path in tmp_path.glob("sessions.sqlite*"))
    for secret in (b"jane.doe@example.com", b"4111 1111 1111 1111", b"555 0142"):
        assert secret not in stored
