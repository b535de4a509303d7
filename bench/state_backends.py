"""What the shared state costs per request: SQLite files against PostgreSQL, and the rate limiter in memory
against PostgreSQL.

    python -m bench.state_backends

Starts a throwaway PostgreSQL 15 cluster on a unix socket (the one the tests use, tests/postgres.py; needs
Debian's postgresql-15). One thread, no network: the numbers are the backends' own cost on this machine, a
lower bound for a database on another host. A chat turn's state work is what `Conversation.turn` does:
authorize the token, read the history, store the turn.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.report import percentile, write_section
from rag.models import Answer, Citation
from rag.settings import Settings
from server.repositories import open_repositories
from tests.conftest import free_port
from tests.postgres import ThrowawayPostgres

SESSIONS, TURNS_EACH, LIMIT_CALLS = 50, 10, 2000
ANSWER = Answer(text="The Squall Anorak comes in blue, red and black.", citations=[Citation(
    number=1, chunk_id="product:JK-1120", source="catalog", title="Squall Anorak", snippet="Colours: blue",
    score=0.9)])


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1e6


def chat_turns(settings: Settings) -> list[float]:
    """Microseconds of state work per chat turn, over SESSIONS sessions of TURNS_EACH turns."""
    repositories = open_repositories(settings)
    sessions = repositories.sessions
    try:
        opened = [sessions.create() for _ in range(SESSIONS)]

        def turn(session_id: str, token: str) -> None:
            sessions.authorize(session_id, token)
            sessions.history(session_id)
            sessions.append(session_id, "Does it come in blue?", ANSWER)

        return [timed(lambda: turn(*session)) for _ in range(TURNS_EACH) for session in opened]
    finally:
        repositories.close()


def rate_limit_checks(settings: Settings) -> list[float]:
    repositories = open_repositories(settings)
    try:
        buckets = repositories.rate_buckets(settings)
        return [timed(lambda: buckets.take(f"198.51.100.{n % 200}")) for n in range(LIMIT_CALLS)]
    finally:
        repositories.close()


def main() -> None:
    cluster = ThrowawayPostgres(free_port(), durable=True)  # commits flushed to disk, as SQLite's are
    try:
        with tempfile.TemporaryDirectory(prefix="bench-state-") as work:
            limits = {"rate_limit_per_minute": 100_000}
            sqlite = Settings(data_dir=Path(work) / "data", **limits)
            postgres = Settings(database_url=cluster.create_database("bench_state"), rate_limit_backend="postgres",
                                **limits)
            rows = [("chat turn: authorize, history, store", "SQLite", chat_turns(sqlite)),
                    ("chat turn: authorize, history, store", "PostgreSQL", chat_turns(postgres)),
                    ("rate limit check", "memory", rate_limit_checks(sqlite)),
                    ("rate limit check", "PostgreSQL", rate_limit_checks(postgres))]
    finally:
        cluster.stop()
    body = "\n".join([
        "## State backends", "",
        f"The state work of one request, in one thread on this machine: a chat turn ({SESSIONS} sessions × "
        f"{TURNS_EACH} turns; token check, history read, turn stored) and a rate-limit check ({LIMIT_CALLS} "
        "requests from 200 addresses). Both backends flush each commit to disk (default settings). PostgreSQL 15 "
        "is a local throwaway cluster reached over a unix socket through the psycopg pool, so a database on "
        "another host adds a network round trip per statement.", "",
        "| work | backend | p50 µs | p99 µs |", "|---|---|---:|---:|",
        *[f"| {work} | {backend} | {percentile(times, 50):.0f} | {percentile(times, 99):.0f} |"
          for work, backend, times in rows],
    ])
    write_section("state-backends", "python -m bench.state_backends", body)


if __name__ == "__main__":
    main()
