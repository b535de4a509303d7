"""The default backend: SQLite files in ``data_dir`` (sessions.sqlite, handoffs.sqlite), one server process."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from rag.conversation import Turn
from rag.models import Answer
from server.repositories.protocols import (
    FEEDBACK_KEYS,
    PRUNE_EVERY_SECONDS,
    SessionNotFound,
    TicketClosed,
    TicketNotFound,
    hash_token,
    new_answer_id,
    new_credentials,
    token_matches,
)
from server.repositories.records import (
    TICKET_COLUMNS,
    Delivery,
    DeliveryAttempt,
    Status,
    Ticket,
    attempt_from_row,
    ticket_from_row,
    ticket_row,
)

HANDOFF_SCHEMA_VERSION = 2  # 2: a delivery is leased by one server process (delivery_owner, delivery_lease_until)


def _private_file(path: Path) -> None:
    """Create ``path`` readable and writable by its owner only (0600), and tighten it if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


class SqliteSessionStore:
    """Sessions, turns and feedback in one SQLite file (mode 0600, with its WAL companions)."""

    def __init__(self, path: Path, max_turns: int = 10, ttl_days: float = 90):
        _private_file(path)
        self.path = path
        self.max_turns = max_turns
        self.ttl_seconds = ttl_days * 86400
        self._pruned_at = 0.0
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(
                """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS sessions (
                    id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
                );
                CREATE TABLE IF NOT EXISTS turns (
                    session_id TEXT NOT NULL, at REAL NOT NULL, question TEXT NOT NULL, resolved TEXT NOT NULL,
                    answer TEXT NOT NULL, products TEXT NOT NULL, refused INTEGER NOT NULL, answer_id TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS turns_session ON turns(session_id, at);
                CREATE TABLE IF NOT EXISTS feedback (
                    answer_id TEXT PRIMARY KEY, at REAL NOT NULL, rating TEXT NOT NULL, comment TEXT NOT NULL,
                    question TEXT NOT NULL, answer TEXT NOT NULL
                );
                """
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(turns)")}
            if "answer_id" not in columns:  # databases written before feedback existed
                self._db.execute("ALTER TABLE turns ADD COLUMN answer_id TEXT NOT NULL DEFAULT ''")
        for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):  # SQLite's WAL files hold the same data
            if companion.exists():
                os.chmod(companion, 0o600)
        self.prune_expired()

    def prune_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        cutoff = now - self.ttl_seconds
        with self._lock, self._db:
            self._db.execute("DELETE FROM turns WHERE session_id IN (SELECT id FROM sessions WHERE updated < ?)", (cutoff,))
            deleted = self._db.execute("DELETE FROM sessions WHERE updated < ?", (cutoff,)).rowcount
        self._pruned_at = now
        return deleted

    def create(self) -> tuple[str, str]:
        session_id, token = new_credentials()
        now = time.time()
        if now - self._pruned_at > PRUNE_EVERY_SECONDS:
            self.prune_expired(now)
        with self._lock, self._db:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (session_id, hash_token(token), now, now))
        return session_id, token

    def authorize(self, session_id: str, token: str | None) -> None:
        """An expired session no longer exists, even before the next prune deletes it."""
        with self._lock:
            row = self._db.execute("SELECT token_hash FROM sessions WHERE id = ? AND updated >= ?",
                                   (session_id, time.time() - self.ttl_seconds)).fetchone()
        if not token_matches(row[0] if row else None, token):
            raise SessionNotFound(session_id)

    def history(self, session_id: str) -> list[Turn]:
        with self._lock:
            rows = self._db.execute(
                "SELECT resolved, products FROM turns WHERE session_id = ? ORDER BY at DESC LIMIT ?",
                (session_id, self.max_turns),
            ).fetchall()
        return [Turn(question=q, products=[tuple(p) for p in json.loads(products)]) for q, products in reversed(rows)]

    def append(self, session_id: str, question: str, answer: Answer) -> str:
        turn = Turn.after(question, answer)
        answer_id = new_answer_id()
        now = time.time()
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, now, question, turn.question, answer.text,
                 json.dumps(turn.products, ensure_ascii=False), int(answer.refused), answer_id),
            )
            self._db.execute(
                "DELETE FROM turns WHERE session_id = ? AND at NOT IN "
                "(SELECT at FROM turns WHERE session_id = ? ORDER BY at DESC LIMIT ?)",
                (session_id, session_id, self.max_turns),
            )
            self._db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (now, session_id))
        return answer_id

    def add_feedback(self, answer_id: str, rating: str, comment: str) -> None:
        with self._lock, self._db:
            turn = self._db.execute("SELECT question, answer FROM turns WHERE answer_id = ?", (answer_id,)).fetchone()
            if turn is None:
                raise SessionNotFound(answer_id)
            self._db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?)",
                             (answer_id, time.time(), rating, comment, *turn))

    def feedback(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT answer_id, at, rating, comment, question, answer FROM feedback ORDER BY at"
            ).fetchall()
        return [dict(zip(FEEDBACK_KEYS, row)) for row in rows]

    def transcript(self, session_id: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT at, question, answer, refused, answer_id FROM turns WHERE session_id = ? ORDER BY at",
                (session_id,),
            ).fetchall()
        return [{"at": at, "question": q, "answer": a, "refused": bool(r), "answer_id": answer_id}
                for at, q, a, r, answer_id in rows]

    def close(self) -> None:
        self._db.close()


class SqliteHandoffStore:
    """Tickets and delivery attempts in ``handoffs.sqlite`` beside the sessions database."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > HANDOFF_SCHEMA_VERSION:
                raise RuntimeError(f"{path} has handoff schema {version}; "
                                   f"this ShopAssist reads up to {HANDOFF_SCHEMA_VERSION}")
            self._db.executescript(
                """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS tickets (
                    reference TEXT PRIMARY KEY, session_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
                    origin TEXT NOT NULL, language TEXT NOT NULL, contact_method TEXT NOT NULL, contact_address TEXT,
                    transcript TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, claimed_by TEXT,
                    delivery TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS tickets_session ON tickets(session_id, status);
                CREATE TABLE IF NOT EXISTS delivery_attempts (
                    reference TEXT NOT NULL, attempt INTEGER NOT NULL, at REAL NOT NULL, ok INTEGER NOT NULL,
                    status_code INTEGER, error TEXT
                );
                """
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(tickets)")}
            if "delivery_owner" not in columns:  # schema 1: deliveries had no lease
                self._db.execute("ALTER TABLE tickets ADD COLUMN delivery_owner TEXT")
                self._db.execute("ALTER TABLE tickets ADD COLUMN delivery_lease_until REAL")
            self._db.execute(f"PRAGMA user_version = {HANDOFF_SCHEMA_VERSION}")

    def open(self, ticket: Ticket) -> tuple[Ticket, bool]:
        with self._lock, self._db:
            active = self._db.execute("SELECT reference FROM tickets WHERE session_id = ? AND status != 'closed'",
                                      (ticket.session_id,)).fetchone()
            if active is None:
                self._db.execute(f"INSERT INTO tickets ({TICKET_COLUMNS}) VALUES "
                                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ticket_row(ticket))
                return ticket, True
        return self.get(active[0]), False

    def _attempts(self, ref: str) -> list[DeliveryAttempt]:
        rows = self._db.execute(
            "SELECT attempt, at, ok, status_code, error FROM delivery_attempts WHERE reference = ? ORDER BY attempt",
            (ref,)).fetchall()
        return [attempt_from_row(row) for row in rows]

    def get(self, ref: str) -> Ticket:
        with self._lock:
            row = self._db.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE reference = ?", (ref,)).fetchone()
            if row is None:
                raise TicketNotFound(ref)
            return ticket_from_row(row, self._attempts(ref))

    def active_for(self, session_id: str) -> Ticket | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE session_id = ? AND status != 'closed' "
                "ORDER BY created_at DESC LIMIT 1", (session_id,)).fetchone()
            return None if row is None else ticket_from_row(row, self._attempts(row[0]))

    def tickets(self, status: Status | None = None, limit: int = 100) -> list[Ticket]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC LIMIT ?",
                (status, status, limit)).fetchall()
            return [ticket_from_row(row, self._attempts(row[0])) for row in rows]

    def pending_deliveries(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT reference FROM tickets WHERE delivery = 'pending'")]

    def set_status(self, ref: str, status: Status, claimed_by: str | None = None) -> Ticket:
        with self._lock, self._db:
            row = self._db.execute("SELECT status FROM tickets WHERE reference = ?", (ref,)).fetchone()
            if row is None:
                raise TicketNotFound(ref)
            if row[0] == "closed":
                raise TicketClosed(ref)
            if status == "closed":
                self._db.execute("UPDATE tickets SET status = 'closed', contact_address = NULL, updated_at = ? "
                                 "WHERE reference = ?", (time.time(), ref))
            else:
                self._db.execute("UPDATE tickets SET status = ?, claimed_by = ?, updated_at = ? WHERE reference = ?",
                                 (status, claimed_by, time.time(), ref))
        return self.get(ref)

    def record_attempt(self, ref: str, attempt: DeliveryAttempt, delivery: Delivery) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT INTO delivery_attempts VALUES (?, ?, ?, ?, ?, ?)",
                             (ref, attempt.attempt, attempt.at, int(attempt.ok), attempt.status_code, attempt.error))
            self._db.execute("UPDATE tickets SET delivery = ? WHERE reference = ?", (delivery, ref))

    def claim_delivery(self, ref: str, owner: str, lease_seconds: float) -> bool:
        now = time.time()
        with self._lock, self._db:
            claimed = self._db.execute(
                "UPDATE tickets SET delivery_owner = ?, delivery_lease_until = ? WHERE reference = ? "
                "AND delivery = 'pending' AND (delivery_owner IS NULL OR delivery_owner = ? OR delivery_lease_until < ?)",
                (owner, now + lease_seconds, ref, owner, now)).rowcount
        return claimed == 1

    def release_delivery(self, ref: str, owner: str) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE tickets SET delivery_owner = NULL, delivery_lease_until = NULL "
                             "WHERE reference = ? AND delivery_owner = ?", (ref, owner))

    def close(self) -> None:
        self._db.close()
