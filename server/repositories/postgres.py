"""Shared state in PostgreSQL (``database_url``): any number of server replicas see the same sessions,
feedback, handoff tickets and rate-limit buckets. One psycopg connection pool per server process."""

from __future__ import annotations

import json
import logging
import time

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from rag.conversation import Turn
from rag.models import Answer
from server.repositories.migrations import migrate
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

log = logging.getLogger("shopassist.state")


class DatabaseUnavailable(RuntimeError):
    pass


def describe(url: str) -> str:
    """The database a URL names, for messages: host, port and name, never the password."""
    parts = conninfo_to_dict(url)
    return f"{parts.get('dbname', '?')} on {parts.get('host', 'localhost')}:{parts.get('port', 5432)}"


def open_pool(url: str, min_size: int, max_size: int, timeout: float) -> ConnectionPool:
    """A connection pool whose first connection is up and whose schema is migrated; a clear error if not."""
    pool = ConnectionPool(url, min_size=min_size, max_size=max_size, timeout=timeout, open=False,
                          name="shopassist")
    pool.open()
    try:
        pool.wait(timeout=timeout)
        with pool.connection() as conn:
            migrate(conn)
    except PoolTimeout:
        pool.close()
        raise DatabaseUnavailable(f"PostgreSQL {describe(url)} (database_url) did not accept a connection "
                                  f"within {timeout:g}s") from None
    except Exception:
        pool.close()
        raise
    return pool


class PostgresSessionStore:
    def __init__(self, pool: ConnectionPool, max_turns: int = 10, ttl_days: float = 90):
        self.pool = pool
        self.max_turns = max_turns
        self.ttl_seconds = ttl_days * 86400
        self._pruned_at = 0.0
        self.prune_expired()

    def prune_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self.pool.connection() as conn:  # turns go with their session (ON DELETE CASCADE)
            deleted = conn.execute("DELETE FROM sessions WHERE updated < %s", (now - self.ttl_seconds,)).rowcount
        self._pruned_at = now
        return deleted

    def create(self) -> tuple[str, str]:
        session_id, token = new_credentials()
        now = time.time()
        if now - self._pruned_at > PRUNE_EVERY_SECONDS:
            self.prune_expired(now)
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO sessions (id, token_hash, created, updated) VALUES (%s, %s, %s, %s)",
                         (session_id, hash_token(token), now, now))
        return session_id, token

    def authorize(self, session_id: str, token: str | None) -> None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT token_hash FROM sessions WHERE id = %s AND updated >= %s",
                               (session_id, time.time() - self.ttl_seconds)).fetchone()
        if not token_matches(row[0] if row else None, token):
            raise SessionNotFound(session_id)

    def history(self, session_id: str) -> list[Turn]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT resolved, products FROM turns WHERE session_id = %s ORDER BY id DESC LIMIT %s",
                                (session_id, self.max_turns)).fetchall()
        return [Turn(question=q, products=[tuple(p) for p in json.loads(products)]) for q, products in reversed(rows)]

    def append(self, session_id: str, question: str, answer: Answer) -> str:
        turn = Turn.after(question, answer)
        answer_id = new_answer_id()
        now = time.time()
        with self.pool.connection() as conn:  # one transaction
            conn.execute(
                "INSERT INTO turns (session_id, at, question, resolved, answer, products, refused, answer_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (session_id, now, question, turn.question, answer.text,
                 json.dumps(turn.products, ensure_ascii=False), answer.refused, answer_id))
            conn.execute("DELETE FROM turns WHERE session_id = %s AND id NOT IN "
                         "(SELECT id FROM turns WHERE session_id = %s ORDER BY id DESC LIMIT %s)",
                         (session_id, session_id, self.max_turns))
            conn.execute("UPDATE sessions SET updated = %s WHERE id = %s", (now, session_id))
        return answer_id

    def add_feedback(self, answer_id: str, rating: str, comment: str) -> None:
        with self.pool.connection() as conn:
            turn = conn.execute("SELECT question, answer FROM turns WHERE answer_id = %s", (answer_id,)).fetchone()
            if turn is None:
                raise SessionNotFound(answer_id)
            conn.execute(
                "INSERT INTO feedback (answer_id, at, rating, comment, question, answer) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (answer_id) DO UPDATE SET at = excluded.at, rating = excluded.rating, "
                "comment = excluded.comment, question = excluded.question, answer = excluded.answer",
                (answer_id, time.time(), rating, comment, *turn))

    def feedback(self) -> list[dict]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT answer_id, at, rating, comment, question, answer FROM feedback "
                                "ORDER BY at").fetchall()
        return [dict(zip(FEEDBACK_KEYS, row)) for row in rows]

    def transcript(self, session_id: str) -> list[dict]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT at, question, answer, refused, answer_id FROM turns WHERE session_id = %s "
                                "ORDER BY id", (session_id,)).fetchall()
        return [{"at": at, "question": q, "answer": a, "refused": r, "answer_id": answer_id}
                for at, q, a, r, answer_id in rows]

    def close(self) -> None:
        """The pool belongs to the Repositories that opened it."""


class PostgresHandoffStore:
    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def open(self, ticket: Ticket) -> tuple[Ticket, bool]:
        with self.pool.connection() as conn:  # tickets_one_active: a unique index over the open and claimed
            inserted = conn.execute(f"INSERT INTO tickets ({TICKET_COLUMNS}) VALUES "
                                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                                    "ON CONFLICT (session_id) WHERE status != 'closed' DO NOTHING RETURNING reference",
                                    ticket_row(ticket)).fetchone()
        if inserted is not None:
            return ticket, True
        active = self.active_for(ticket.session_id)
        if active is None:  # closed between the two statements: try once more
            return self.open(ticket)
        return active, False

    @staticmethod
    def _attempts(conn, ref: str) -> list[DeliveryAttempt]:
        rows = conn.execute("SELECT attempt, at, ok, status_code, error FROM delivery_attempts WHERE reference = %s "
                            "ORDER BY attempt", (ref,)).fetchall()
        return [attempt_from_row(row) for row in rows]

    def get(self, ref: str) -> Ticket:
        with self.pool.connection() as conn:
            row = conn.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE reference = %s", (ref,)).fetchone()
            if row is None:
                raise TicketNotFound(ref)
            return ticket_from_row(row, self._attempts(conn, ref))

    def active_for(self, session_id: str) -> Ticket | None:
        with self.pool.connection() as conn:
            row = conn.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE session_id = %s AND status != 'closed' "
                               "ORDER BY created_at DESC LIMIT 1", (session_id,)).fetchone()
            return None if row is None else ticket_from_row(row, self._attempts(conn, row[0]))

    def tickets(self, status: Status | None = None, limit: int = 100) -> list[Ticket]:
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE (%s::text IS NULL OR status = %s) "
                                "ORDER BY created_at DESC LIMIT %s", (status, status, limit)).fetchall()
            return [ticket_from_row(row, self._attempts(conn, row[0])) for row in rows]

    def pending_deliveries(self) -> list[str]:
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT reference FROM tickets WHERE delivery = 'pending'")]

    def set_status(self, ref: str, status: Status, claimed_by: str | None = None) -> Ticket:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT status FROM tickets WHERE reference = %s FOR UPDATE", (ref,)).fetchone()
            if row is None:
                raise TicketNotFound(ref)
            if row[0] == "closed":
                raise TicketClosed(ref)
            if status == "closed":
                conn.execute("UPDATE tickets SET status = 'closed', contact_address = NULL, updated_at = %s "
                             "WHERE reference = %s", (time.time(), ref))
            else:
                conn.execute("UPDATE tickets SET status = %s, claimed_by = %s, updated_at = %s WHERE reference = %s",
                             (status, claimed_by, time.time(), ref))
        return self.get(ref)

    def record_attempt(self, ref: str, attempt: DeliveryAttempt, delivery: Delivery) -> None:
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO delivery_attempts (reference, attempt, at, ok, status_code, error) "
                         "VALUES (%s, %s, %s, %s, %s, %s)",
                         (ref, attempt.attempt, attempt.at, attempt.ok, attempt.status_code, attempt.error))
            conn.execute("UPDATE tickets SET delivery = %s WHERE reference = %s", (delivery, ref))

    def claim_delivery(self, ref: str, owner: str, lease_seconds: float) -> bool:
        now = time.time()
        with self.pool.connection() as conn:
            claimed = conn.execute(
                "UPDATE tickets SET delivery_owner = %s, delivery_lease_until = %s WHERE reference = %s "
                "AND delivery = 'pending' AND (delivery_owner IS NULL OR delivery_owner = %s "
                "OR delivery_lease_until < %s)", (owner, now + lease_seconds, ref, owner, now)).rowcount
        return claimed == 1

    def release_delivery(self, ref: str, owner: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE tickets SET delivery_owner = NULL, delivery_lease_until = NULL "
                         "WHERE reference = %s AND delivery_owner = %s", (ref, owner))

    def close(self) -> None:
        """The pool belongs to the Repositories that opened it."""


class PostgresRateBuckets:
    """The rate limit shared by every replica: one row per client holding its GCRA theoretical arrival time
    (equivalent to a token bucket of ``burst`` tokens refilled at ``per_minute``), read and moved in one
    statement on the database's clock, so replicas' clocks never disagree about it."""

    PRUNE_EVERY_SECONDS = 60.0
    blocking = True  # a database round trip: the middleware calls take() in a worker thread

    def __init__(self, pool: ConnectionPool, per_minute: int, burst: int):
        self.pool = pool
        self.interval = 60.0 / per_minute
        self.tolerance = (burst - 1) * self.interval  # how far ahead of now a client's arrival time may run
        self._pruned_at = 0.0

    def take(self, client: str) -> float:
        """Seconds to wait before the next request is allowed; 0 when this one was (and is now counted).
        If the database cannot be reached the request is let through and a warning logged: the limit
        protects the service, it must not be what takes it down."""
        try:
            return self._take(client)
        except (psycopg.Error, PoolTimeout) as exc:
            log.warning("rate limit not checked, the database is unavailable: %s", type(exc).__name__)
            return 0.0

    def _take(self, client: str) -> float:
        with self.pool.connection() as conn:
            now = conn.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0]
            taken = conn.execute(
                "INSERT INTO rate_limit_buckets AS b (client, tat) VALUES (%(client)s, %(now)s + %(interval)s) "
                "ON CONFLICT (client) DO UPDATE SET tat = greatest(b.tat, %(now)s) + %(interval)s "
                "WHERE greatest(b.tat, %(now)s) - %(now)s <= %(tolerance)s RETURNING tat",
                {"client": client, "now": now, "interval": self.interval, "tolerance": self.tolerance}).fetchone()
            if taken is not None:
                wait = 0.0
            else:
                tat = conn.execute("SELECT tat FROM rate_limit_buckets WHERE client = %s", (client,)).fetchone()[0]
                wait = max(tat - now - self.tolerance, 0.001)
            if now - self._pruned_at > self.PRUNE_EVERY_SECONDS:  # a bucket that has refilled is no bucket at all
                conn.execute("DELETE FROM rate_limit_buckets WHERE tat < %s", (now,))
                self._pruned_at = now
        return wait

    def close(self) -> None:
        """The pool belongs to the Repositories that opened it."""
