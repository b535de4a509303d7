"""Where shared state lives: sessions, feedback, handoff tickets and (optionally) rate-limit buckets.

SQLite files in ``data_dir`` by default (one server process); PostgreSQL when ``database_url`` is set, so any
number of replicas behind a proxy serve the same conversations. Services and routers hold the protocols
(``SessionStore``, ``HandoffStore``), never a backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rag.settings import Settings
from server.repositories.protocols import HandoffStore, SessionNotFound, SessionStore, TicketClosed, TicketNotFound

__all__ = ["HandoffStore", "Repositories", "SessionNotFound", "SessionStore", "TicketClosed", "TicketNotFound",
           "open_repositories"]


@dataclass
class Repositories:
    sessions: SessionStore
    handoffs: HandoffStore
    backend: str
    pool: Any = field(default=None, repr=False)  # psycopg_pool.ConnectionPool with PostgreSQL

    def rate_buckets(self, settings: Settings):
        """The rate limiter's buckets: in this process, or in PostgreSQL shared by all replicas."""
        from server.limits import InProcessBuckets

        burst = settings.rate_limit_burst or settings.rate_limit_per_minute
        if settings.rate_limit_backend == "postgres":
            from server.repositories.postgres import PostgresRateBuckets

            return PostgresRateBuckets(self.pool, settings.rate_limit_per_minute, burst)
        return InProcessBuckets(settings.rate_limit_per_minute, burst, settings.rate_limit_max_clients)

    def close(self) -> None:
        self.handoffs.close()
        self.sessions.close()
        if self.pool is not None:
            self.pool.close()


def open_repositories(settings: Settings) -> Repositories:
    """Open the configured backend (creating or migrating its schema); PostgreSQL when database_url is set."""
    if settings.database_url is None:
        from server.repositories.sqlite import SqliteHandoffStore, SqliteSessionStore

        sessions = SqliteSessionStore(settings.data_dir / "sessions.sqlite", settings.max_history_turns,
                                      settings.session_ttl_days)
        return Repositories(sessions, SqliteHandoffStore(settings.data_dir / "handoffs.sqlite"), "sqlite")
    from server.repositories.postgres import PostgresHandoffStore, PostgresSessionStore, open_pool

    pool = open_pool(settings.database_url.get_secret_value(), settings.database_pool_min_size,
                     settings.database_pool_max_size, settings.database_connect_timeout_seconds)
    sessions = PostgresSessionStore(pool, settings.max_history_turns, settings.session_ttl_days)
    return Repositories(sessions, PostgresHandoffStore(pool), "postgres", pool)
