"""Handoff to a person through the HTTP API: tickets, the shopper's receipt, admin claim/close, and the
signed webhook to a helpdesk receiver on 127.0.0.1, across a restart of the app."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from rag.settings import Settings
from server.app import create_app

from .webhook_receiver import WebhookReceiver

ADMIN = {"X-API-Key": "handoff-admin"}
SECRET = "helpdesk-signing-secret"


@pytest.fixture
def receiver():
    helpdesk = WebhookReceiver(SECRET)
    yield helpdesk
    helpdesk.close()


def settings_for(sample_settings: Settings, data_dir, receiver: WebhookReceiver | None, **extra) -> Settings:
    webhook = {"handoff_webhook_url": receiver.url, "handoff_webhook_secret": SECRET} if receiver else {}
    return Settings(**{**sample_settings.model_dump(), "data_dir": data_dir, "admin_api_keys": ["handoff-admin"],
                       "reload_interval_seconds": 0, "handoff_webhook_backoff_seconds": 0.05, **webhook, **extra})


def wait_for(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)
    return result


def admin_ticket(client: TestClient, reference: str) -> dict:
    response = client.get(f"/v1/admin/handoffs/{reference}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_handoff_from_the_api_reaches_the_helpdesk_signed_masked_and_survives_a_restart(
        sample_settings, serving, receiver, tmp_path):
    receiver.failures = 1  # the helpdesk is down for the first attempt
    settings = settings_for(sample_settings, tmp_path, receiver)
    with TestClient(create_app(settings, serving)) as client:
        first = client.post("/v1/chat", json={"message": "How long do I have to return an item? Write to me at jane.doe@example.com"})
        session, token = first.json()["session_id"], first.json()["session_token"]
        created = client.post("/v1/handoffs", headers={"X-Session-Token": token}, json={
            "session_id": session, "contact": {"method": "email", "address": "jane.doe@example.com"}})
        assert created.status_code == 201, created.text
        receipt = created.json()
        assert receipt["status"] == "open" and receipt["language"] == "en"
        assert receipt["reference"] in receipt["message"] and "support team" in receipt["message"]

        delivery = receiver.delivery_of(receipt["reference"])
        assert delivery.signature_valid
        ticket = delivery.body["ticket"]
        assert ticket["reason"] == "shopper_request" and ticket["origin"] == "shopper"
        assert ticket["contact"] == {"method": "email", "address": "jane.doe@example.com"}
        assert "[email]" in ticket["transcript"][0]["question"] and "jane.doe" not in ticket["transcript"][0]["question"]
        assert ticket["transcript"][0]["answer"] == first.json()["text"]

        stored = wait_for(lambda: (t := admin_ticket(client, receipt["reference"]))["delivery"] == "delivered" and t)
        assert [(a["ok"], a["status_code"]) for a in stored["delivery_attempts"]] == [(False, 503), (True, 204)]
        listed = client.get("/v1/admin/handoffs", headers=ADMIN).json()
        assert [t["reference"] for t in listed] == [receipt["reference"]]

        again = client.post("/v1/handoffs", headers={"X-Session-Token": token}, json={"session_id": session})
        assert again.status_code == 200 and again.json()["reference"] == receipt["reference"]  # one active ticket
        assert client.post("/v1/handoffs", json={"session_id": session}).status_code == 404  # no token, no ticket

    with TestClient(create_app(settings, serving)) as restarted:
        listed = restarted.get("/v1/admin/handoffs", headers=ADMIN).json()
        assert [(t["reference"], t["delivery"]) for t in listed] == [(receipt["reference"], "delivered")]
        status = restarted.get(f"/v1/handoffs/{receipt['reference']}", headers={"X-Session-Token": token})
        assert status.json()["status"] == "open"
    assert receiver.requests == 2  # a delivered ticket is not sent again after the restart


def test_a_handoff_by_intent_in_chinese_is_claimed_and_closed(sample_settings, serving, receiver, tmp_path):
    settings = settings_for(sample_settings, tmp_path, receiver)
    with TestClient(create_app(settings, serving)) as client:
        answer = client.post("/v1/chat", json={"message": "我的订单到哪了？我的电话是 138 0013 8000"}).json()
        assert answer["outcome"] == "handed_off"
        receipt = answer["handoff_ticket"]
        assert receipt["status"] == "open" and receipt["language"] == "zh" and "人工客服" in receipt["message"]
        delivery = receiver.delivery_of(receipt["reference"])
        assert delivery.signature_valid
        assert delivery.body["ticket"]["origin"] == "intent" and delivery.body["ticket"]["reason"] == "own_order"
        assert "[phone]" in delivery.body["ticket"]["transcript"][0]["question"]

        token = {"X-Session-Token": answer["session_token"]}
        claimed = client.post(f"/v1/admin/handoffs/{receipt['reference']}/claim", headers=ADMIN, json={"agent": "Mei"})
        assert claimed.json()["status"] == "claimed" and claimed.json()["claimed_by"] == "Mei"
        status = client.get(f"/v1/handoffs/{receipt['reference']}", headers=token).json()
        assert status["status"] == "claimed" and "正在处理" in status["message"]
        assert [t["reference"] for t in client.get("/v1/admin/handoffs?status=claimed", headers=ADMIN).json()] \
            == [receipt["reference"]]

        closed = client.post(f"/v1/admin/handoffs/{receipt['reference']}/close", headers=ADMIN)
        assert closed.json()["status"] == "closed"
        assert client.post(f"/v1/admin/handoffs/{receipt['reference']}/close", headers=ADMIN).status_code == 409
        assert client.get(f"/v1/handoffs/{receipt['reference']}", headers={"X-Session-Token": "not-it"}).status_code == 404

        follow_up = client.post("/v1/chat", headers=token, json={
            "message": "我要找人工客服", "session_id": answer["session_id"]}).json()
        assert follow_up["handoff_ticket"]["reference"] != receipt["reference"]  # closed: a new ticket is opened
        assert receiver.delivery_of(follow_up["handoff_ticket"]["reference"]).signature_valid

    with TestClient(create_app(settings, serving)) as restarted:
        listed = {t["reference"]: t for t in restarted.get("/v1/admin/handoffs", headers=ADMIN).json()}
        assert listed[receipt["reference"]]["status"] == "closed" and listed[receipt["reference"]]["claimed_by"] == "Mei"
        assert listed[follow_up["handoff_ticket"]["reference"]]["reason"] == "person"


def test_failed_deliveries_are_recorded_and_pending_ones_resume_after_a_restart(sample_settings, serving, tmp_path):
    helpdesk = WebhookReceiver(SECRET, failures=10**6)  # down until told otherwise
    try:
        failing = settings_for(sample_settings, tmp_path, helpdesk, handoff_webhook_attempts=2)
        with TestClient(create_app(failing, serving)) as client:
            receipt = client.post("/v1/handoffs", json={"language": "en"}).json()
            failed = wait_for(lambda: (t := admin_ticket(client, receipt["reference"]))["delivery"] == "failed" and t)
            assert [(a["attempt"], a["ok"], a["error"]) for a in failed["delivery_attempts"]] \
                == [(1, False, "HTTP 503"), (2, False, "HTTP 503")]

        slow = settings_for(sample_settings, tmp_path / "pending", helpdesk, handoff_webhook_attempts=3,
                            handoff_webhook_backoff_seconds=3600)
        with TestClient(create_app(slow, serving)) as client:
            pending = client.post("/v1/handoffs", json={"language": "en"}).json()
            wait_for(lambda: admin_ticket(client, pending["reference"])["delivery_attempts"])
            assert admin_ticket(client, pending["reference"])["delivery"] == "pending"  # waiting an hour to retry

        helpdesk.failures = 0
        with TestClient(create_app(slow.model_copy(update={"handoff_webhook_backoff_seconds": 0.05}), serving)) as client:
            assert helpdesk.delivery_of(pending["reference"]).signature_valid
            resumed = wait_for(lambda: (t := admin_ticket(client, pending["reference"]))["delivery"] == "delivered" and t)
            assert [a["ok"] for a in resumed["delivery_attempts"]] == [False, True]
    finally:
        helpdesk.close()


def test_admin_routes_need_a_key_and_the_webhook_needs_a_secret(sample_settings, client):
    assert client.get("/v1/admin/handoffs").status_code == 401
    assert client.post("/v1/admin/handoffs/HO-AAAAAAAA/close", headers={"X-API-Key": "wrong"}).status_code == 403
    with pytest.raises(ValueError, match="handoff_webhook_secret is required"):
        Settings(handoff_webhook_url="http://127.0.0.1:9/hook")
    with pytest.raises(ValueError, match="handoff_messages.fr lacks closed"):
        Settings(handoff_messages={"fr": {"open": "{reference}", "claimed": "{reference}"}})
