"""Versioned schema migrations for PostgreSQL: numbered SQL steps, each applied once, in order.

The ``schema_migrations`` table records which steps a database has. Every server applies the missing ones at
start, inside one transaction under an advisory lock, so replicas starting together do not race and a failed
step leaves nothing half done. Add a step by appending it; never edit one that has shipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions, turns and feedback", """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX sessions_updated ON sessions(updated);
        -- turns are ordered by their identity, not by a replica's clock
        CREATE TABLE turns (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            at DOUBLE PRECISION NOT NULL, question TEXT NOT NULL, resolved TEXT NOT NULL, answer TEXT NOT NULL,
            products TEXT NOT NULL, refused BOOLEAN NOT NULL, answer_id TEXT NOT NULL UNIQUE
        );
        CREATE INDEX turns_session ON turns(session_id, id);
        CREATE TABLE feedback (
            answer_id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, rating TEXT NOT NULL, comment TEXT NOT NULL,
            question TEXT NOT NULL, answer TEXT NOT NULL
        );
    """),
    Migration(2, "handoff tickets and webhook delivery attempts", """
        CREATE TABLE tickets (
            reference TEXT PRIMARY KEY, session_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
            origin TEXT NOT NULL, language TEXT NOT NULL, contact_method TEXT NOT NULL, contact_address TEXT,
            transcript TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
            claimed_by TEXT, delivery TEXT NOT NULL, delivery_owner TEXT, delivery_lease_until DOUBLE PRECISION
        );
        CREATE INDEX tickets_session ON tickets(session_id, status);
        -- one active ticket per session, even when two replicas open one at the same moment
        CREATE UNIQUE INDEX tickets_one_active ON tickets(session_id) WHERE status != 'closed';
        CREATE INDEX tickets_pending ON tickets(delivery) WHERE delivery = 'pending';
        CREATE TABLE delivery_attempts (
            reference TEXT NOT NULL REFERENCES tickets(reference) ON DELETE CASCADE, attempt INTEGER NOT NULL,
            at DOUBLE PRECISION NOT NULL, ok BOOLEAN NOT NULL, status_code INTEGER, error TEXT,
            PRIMARY KEY (reference, attempt)
        );
    """),
    Migration(3, "rate limit buckets shared by replicas", """
        -- theoretical arrival time (GCRA) per client, in epoch seconds of the database's clock; UNLOGGED: a
        -- check commits without waiting for a disk flush, and a crash only forgets how busy clients were
        CREATE UNLOGGED TABLE rate_limit_buckets (client TEXT PRIMARY KEY, tat DOUBLE PRECISION NOT NULL);
    """),
)

_LOCK_KEY = 7_405_373_221  # pg_advisory_xact_lock key: one migrating server at a time


class MigrationError(RuntimeError):
    pass


def migrate(conn: psycopg.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the steps this database lacks, in one transaction; returns the versions applied."""
    known = max(m.version for m in migrations)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        if applied and max(applied) > known:
            raise MigrationError(f"the database has schema version {max(applied)}; this ShopAssist knows up to "
                                 f"{known}: upgrade ShopAssist before pointing it at this database")
        done = []
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in applied:
                continue
            conn.execute(migration.sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (migration.version, migration.name))
            done.append(migration.version)
    return done
