"""Shared state on both backends: SQLite files (the default) and PostgreSQL (a throwaway cluster, tests/postgres.py).

The same tests run against each: sessions and their tokens, bounded history, TTL pruning, feedback, handoff
tickets and delivery leases, and, through the HTTP API, masking before storage and webhook delivery that
resumes after a restart."""

from __future__ import annotations

import stat
import time

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import conninfo_to_dict

from rag.models import Answer, Citation
from rag.settings import Settings
from server.app import create_app
from server.repositories import SessionNotFound, TicketClosed, TicketNotFound, open_repositories
from server.repositories.migrations import MIGRATIONS, Migration, MigrationError, migrate
from server.repositories.records import Contact, DeliveryAttempt, Ticket, TicketTurn

from .conftest import poll_until
from .webhook_receiver import WebhookReceiver

ADMIN = {"X-API-Key": "state-admin"}
SECRET = "helpdesk-signing-secret"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path) -> dict:
    """Settings that select the backend: a data_dir of its own, and for PostgreSQL a fresh database."""
    url = request.getfixturevalue("database_url") if request.param == "postgres" else None
    return {"data_dir": tmp_path / "data", "database_url": url}


def stored_text(settings: Settings) -> str:
    """Everything the backend holds, as text: the SQLite files' bytes, or every row of every table."""
    if settings.database_url is None:
        return b"".join(p.read_bytes() for p in settings.data_dir.glob("*.sqlite*")).decode("utf-8", "replace")
    with psycopg.connect(settings.database_url.get_secret_value()) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return "\n".join(str(row) for table in tables for row in conn.execute(f'SELECT t::text FROM "{table}" t'))


def answer(text: str, sku: str | None = None) -> Answer:
    citations = [Citation(number=1, chunk_id=f"product:{sku}", source="catalog", title=f"Product {sku}",
                          snippet=text, score=0.9)] if sku else []
    return Answer(text=text, citations=citations)


def test_sessions_belong_to_their_token_keep_bounded_history_and_expire(backend):
    repositories = open_repositories(Settings(**backend, max_history_turns=3, session_ttl_days=1))
    sessions = repositories.sessions
    try:
        mine, token = sessions.create()
        theirs, their_token = sessions.create()
        sessions.authorize(mine, token)
        for wrong in (None, "", their_token, token + "x"):
            with pytest.raises(SessionNotFound):
                sessions.authorize(mine, wrong)
        with pytest.raises(SessionNotFound):
            sessions.authorize("no-such-session", token)

        for n in range(4):
            sessions.append(mine, f"question {n}", answer(f"answer {n}", sku=f"SKU-{n}"))
        assert [t.question for t in sessions.history(mine)] == ["question 1", "question 2", "question 3"]
        assert sessions.history(mine)[-1].products == [("SKU-3", "Product SKU-3")]
        assert [t["answer"] for t in sessions.transcript(mine)] == ["answer 1", "answer 2", "answer 3"]
        assert sessions.history(theirs) == []

        assert token not in stored_text(Settings(**backend))  # only the hash of a token is kept
        if backend["database_url"] is None:
            assert stat.S_IMODE((backend["data_dir"] / "sessions.sqlite").stat().st_mode) == 0o600

        assert sessions.prune_expired(now=time.time() + 2 * 86400) == 2
        with pytest.raises(SessionNotFound):
            sessions.authorize(mine, token)
        assert sessions.transcript(mine) == []  # the turns went with their session
    finally:
        repositories.close()


def test_feedback_replaces_an_earlier_rating_and_refuses_unknown_answers(backend):
    repositories = open_repositories(Settings(**backend))
    sessions = repositories.sessions
    try:
        session, _ = sessions.create()
        answer_id = sessions.append(session, "Do gift cards expire?", answer("They never expire."))
        sessions.add_feedback(answer_id, "up", "")
        sessions.add_feedback(answer_id, "down", "too short")
        with pytest.raises(SessionNotFound):
            sessions.add_feedback("no-such-answer", "up", "")
        assert [(f["answer_id"], f["rating"], f["comment"], f["question"], f["answer"]) for f in sessions.feedback()] \
            == [(answer_id, "down", "too short", "Do gift cards expire?", "They never expire.")]
    finally:
        repositories.close()


def ticket(reference: str, session_id: str, delivery: str = "pending") -> Ticket:
    return Ticket(reference=reference, session_id=session_id, status="open", reason="person", origin="intent",
                  language="zh", contact=Contact(method="email", address="mei@example.com"),
                  transcript=[TicketTurn(at=1.0, question="我要找人工客服", answer="好的")], created_at=time.time(),
                  updated_at=time.time(), delivery=delivery)


def test_tickets_are_opened_claimed_closed_and_their_contact_erased(backend):
    repositories = open_repositories(Settings(**backend))
    handoffs = repositories.handoffs
    try:
        assert handoffs.open(ticket("HO-AAAAAAAA", "s1"))[1]
        assert handoffs.open(ticket("HO-BBBBBBBB", "s2", delivery="none"))[1]
        again, created = handoffs.open(ticket("HO-DDDDDDDD", "s1"))
        assert (again.reference, created) == ("HO-AAAAAAAA", False)  # one active ticket per session
        assert handoffs.get("HO-AAAAAAAA").transcript[0].question == "我要找人工客服"
        assert handoffs.active_for("s1").reference == "HO-AAAAAAAA" and handoffs.active_for("s3") is None
        assert handoffs.pending_deliveries() == ["HO-AAAAAAAA"]

        claimed = handoffs.set_status("HO-AAAAAAAA", "claimed", "Mei")
        assert (claimed.status, claimed.claimed_by) == ("claimed", "Mei")
        assert [t.reference for t in handoffs.tickets("claimed")] == ["HO-AAAAAAAA"]
        assert {t.reference for t in handoffs.tickets()} == {"HO-AAAAAAAA", "HO-BBBBBBBB"}

        handoffs.record_attempt("HO-AAAAAAAA", DeliveryAttempt(attempt=1, at=1.0, ok=False, status_code=503,
                                                                error="HTTP 503"), "pending")
        handoffs.record_attempt("HO-AAAAAAAA", DeliveryAttempt(attempt=2, at=2.0, ok=True, status_code=204), "delivered")
        delivered = handoffs.get("HO-AAAAAAAA")
        assert delivered.delivery == "delivered" and [a.ok for a in delivered.delivery_attempts] == [False, True]
        assert handoffs.pending_deliveries() == []

        closed = handoffs.set_status("HO-AAAAAAAA", "closed")
        assert closed.status == "closed" and closed.contact.address is None and handoffs.active_for("s1") is None
        with pytest.raises(TicketClosed):
            handoffs.set_status("HO-AAAAAAAA", "claimed", "Li")
        with pytest.raises(TicketNotFound):
            handoffs.get("HO-CCCCCCCC")
        assert handoffs.open(ticket("HO-EEEEEEEE", "s1"))[1]  # after closing, a new one may be opened
    finally:
        repositories.close()


def test_a_delivery_is_leased_to_one_server_at_a_time(backend):
    first, second = open_repositories(Settings(**backend)), open_repositories(Settings(**backend))
    try:
        first.handoffs.open(ticket("HO-AAAAAAAA", "s1"))
        assert first.handoffs.claim_delivery("HO-AAAAAAAA", "server-a", 60)
        assert first.handoffs.claim_delivery("HO-AAAAAAAA", "server-a", 60)  # its owner extends it
        assert not second.handoffs.claim_delivery("HO-AAAAAAAA", "server-b", 60)
        first.handoffs.release_delivery("HO-AAAAAAAA", "server-a")
        assert second.handoffs.claim_delivery("HO-AAAAAAAA", "server-b", 0)  # a lease that runs out at once
        poll_until(lambda: first.handoffs.claim_delivery("HO-AAAAAAAA", "server-a", 60), 5,
                   "an expired lease was never taken over")
        first.handoffs.record_attempt("HO-AAAAAAAA", DeliveryAttempt(attempt=1, at=1.0, ok=True), "delivered")
        first.handoffs.release_delivery("HO-AAAAAAAA", "server-a")
        assert not second.handoffs.claim_delivery("HO-AAAAAAAA", "server-b", 60)  # nothing left to deliver
    finally:
        first.close()
        second.close()


def test_postgres_migrations_are_numbered_applied_once_and_never_downgraded(database_url):
    repositories = open_repositories(Settings(database_url=database_url))
    repositories.close()
    with psycopg.connect(database_url) as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")] \
            == [m.version for m in MIGRATIONS]
        assert migrate(conn) == []  # a second server starting finds nothing to do
        later = (*MIGRATIONS, Migration(MIGRATIONS[-1].version + 1, "a later step", "CREATE TABLE later (x INT)"))
        assert migrate(conn, later) == [MIGRATIONS[-1].version + 1]
        with pytest.raises(MigrationError, match="upgrade ShopAssist"):
            migrate(conn)  # this ShopAssist is older than the database


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    url = f"postgresql://shopassist:hunter2@/nowhere?host={tmp_path}&port=1"
    with pytest.raises(RuntimeError, match="nowhere on .*did not accept a connection") as failure:
        open_repositories(Settings(database_url=url, database_connect_timeout_seconds=1))
    assert "hunter2" not in str(failure.value)


def test_through_the_api_personal_data_is_masked_and_deliveries_resume_after_a_restart(
        backend, sample_settings, serving):
    helpdesk = WebhookReceiver(SECRET, failures=10**6)  # down until told otherwise
    settings = Settings(**{**sample_settings.model_dump(), **backend, "admin_api_keys": ["state-admin"],
                           "reload_interval_seconds": 0, "handoff_webhook_url": helpdesk.url,
                           "handoff_webhook_secret": SECRET, "handoff_webhook_attempts": 3,
                           "handoff_webhook_backoff_seconds": 3600})
    try:
        with TestClient(create_app(settings, serving)) as client:
            first = client.post("/v1/chat", json={
                "message": "My card is 4111 1111 1111 1111 and my email jane.doe@example.com: do gift cards expire?"})
            body = first.json()
            rated = client.post("/v1/feedback", json={"answer_id": body["answer_id"], "rating": "down",
                                                      "comment": "call me on +1 303 555 0142"})
            assert rated.status_code == 201
            opened = client.post("/v1/handoffs", headers={"X-Session-Token": body["session_token"]}, json={
                "session_id": body["session_id"], "contact": {"method": "email", "address": "jane@shop.example"}})
            reference = opened.json()["reference"]
            poll_until(lambda: client.get(f"/v1/admin/handoffs/{reference}", headers=ADMIN).json()["delivery_attempts"],
                       30, "the first delivery attempt was never recorded")
            assert client.get(f"/v1/admin/handoffs/{reference}", headers=ADMIN).json()["delivery"] == "pending"
            assert client.get("/v1/admin/feedback", headers=ADMIN).json()[0]["comment"] == "call me on [phone]"

        stored = stored_text(settings)
        assert "[email]" in stored and "jane@shop.example" in stored  # the contact stays until the ticket closes
        for secret in ("jane.doe@example.com", "4111 1111 1111 1111", "555 0142", body["session_token"]):
            assert secret not in stored

        helpdesk.failures = 0
        quick = settings.model_copy(update={"handoff_webhook_backoff_seconds": 0.05})
        with TestClient(create_app(quick, serving)) as client:  # a restart resumes the pending delivery
            assert helpdesk.delivery_of(reference).signature_valid
            poll_until(lambda: client.get(f"/v1/admin/handoffs/{reference}", headers=ADMIN).json()["delivery"]
                       == "delivered", 30, "the resumed delivery was never recorded")
            attempts = client.get(f"/v1/admin/handoffs/{reference}", headers=ADMIN).json()["delivery_attempts"]
            assert [(a["attempt"], a["ok"]) for a in attempts] == [(1, False), (2, True)]
            assert client.post(f"/v1/admin/handoffs/{reference}/close", headers=ADMIN).status_code == 200
        assert "jane@shop.example" not in stored_text(settings)
    finally:
        helpdesk.close()


@pytest.fixture(params=["memory", "postgres"])
def limit_settings(request) -> Settings:
    url = request.getfixturevalue("database_url") if request.param == "postgres" else None
    return Settings(database_url=url, rate_limit_backend=request.param, rate_limit_per_minute=60, rate_limit_burst=3)


def test_both_rate_limit_backends_allow_the_burst_then_refill_at_the_rate(limit_settings):
    repositories = open_repositories(limit_settings)
    try:
        buckets, other = repositories.rate_buckets(limit_settings), repositories.rate_buckets(limit_settings)
        waits = [(buckets if n % 2 else other).take("198.51.100.7") for n in range(4)]
        shared = limit_settings.rate_limit_backend == "postgres"
        if shared:  # two limiters (two replicas) spend one bucket
            assert waits[:3] == [0.0, 0.0, 0.0] and 0 < waits[3] <= 1.0
        else:  # in memory each process has its own
            assert waits == [0.0] * 4
        assert buckets.take("198.51.100.8") == 0.0  # another client has its own bucket
        poll_until(lambda: buckets.take("198.51.100.7") == 0.0, 5, "the bucket never refilled")
    finally:
        repositories.close()


def test_replicas_opening_a_handoff_at_once_open_one_ticket(database_url):
    from concurrent.futures import ThreadPoolExecutor

    first, second = (open_repositories(Settings(database_url=database_url)) for _ in range(2))
    try:
        stores = [first.handoffs, second.handoffs] * 4
        with ThreadPoolExecutor(len(stores)) as pool:
            results = list(pool.map(lambda n: stores[n].open(ticket(f"HO-{'ABCDEFGH'[n] * 8}", "s1")),
                                    range(len(stores))))
        assert sum(created for _, created in results) == 1
        assert len({opened.reference for opened, _ in results}) == 1  # every caller got the same ticket
    finally:
        first.close()
        second.close()


def test_a_lost_database_gets_shoppers_a_503_not_a_stack_trace(postgres, database_url, sample_settings, serving):
    settings = Settings(**{**sample_settings.model_dump(), "database_url": database_url,
                           "rate_limit_backend": "postgres", "rate_limit_per_minute": 60,
                           "database_connect_timeout_seconds": 1, "reload_interval_seconds": 0})
    with TestClient(create_app(settings, serving), raise_server_exceptions=False) as client:
        assert client.post("/v1/chat", json={"message": "Do gift cards expire?"}).status_code == 200
        name = conninfo_to_dict(database_url)["dbname"]
        with psycopg.connect(postgres.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # every pooled connection is cut
        lost = client.post("/v1/chat", json={"message": "Do gift cards expire?"})
        assert lost.status_code == 503 and lost.headers["Retry-After"] == "5"
        assert lost.json()["error"] == {"type": "unavailable",
                                        "message": "the service is briefly unavailable; please try again shortly"}


def test_a_handoffs_file_of_schema_1_is_upgraded_in_place(tmp_path):
    import sqlite3

    from server.repositories.sqlite import HANDOFF_SCHEMA_VERSION, SqliteHandoffStore

    path = tmp_path / "handoffs.sqlite"
    with sqlite3.connect(path) as old:  # as ShopAssist wrote it before deliveries were leased
        old.executescript("""
            CREATE TABLE tickets (reference TEXT PRIMARY KEY, session_id TEXT NOT NULL, status TEXT NOT NULL,
                reason TEXT NOT NULL, origin TEXT NOT NULL, language TEXT NOT NULL, contact_method TEXT NOT NULL,
                contact_address TEXT, transcript TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
                claimed_by TEXT, delivery TEXT NOT NULL);
            CREATE TABLE delivery_attempts (reference TEXT NOT NULL, attempt INTEGER NOT NULL, at REAL NOT NULL,
                ok INTEGER NOT NULL, status_code INTEGER, error TEXT);
            INSERT INTO tickets VALUES ('HO-AAAAAAAA', 's1', 'open', 'person', 'intent', 'en', 'chat', NULL, '[]',
                1.0, 1.0, NULL, 'pending');
            PRAGMA user_version = 1;
        """)
    store = SqliteHandoffStore(path)
    try:
        assert store.pending_deliveries() == ["HO-AAAAAAAA"]  # nothing lost
        assert store.claim_delivery("HO-AAAAAAAA", "server-a", 60)
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == HANDOFF_SCHEMA_VERSION
    finally:
        store.close()
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {HANDOFF_SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="this ShopAssist reads up to"):
        SqliteHandoffStore(path)
