"""Shopper sessions in SQLite: they survive restarts, belong to their token, and keep bounded history.

Only masked text is stored (no emails, phone or card numbers), and only a hash
of each session's token.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path

from rag.conversation import Turn
from rag.models import Answer


class SessionNotFound(LookupError):
    """Unknown session, or a token that does not own it: the two look the same from outside."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


PRUNE_EVERY_SECONDS = 3600.0  # expired sessions are deleted at start and at most this often afterwards


def _private_file(path: Path) -> None:
    """Create ``path`` readable and writable by its owner only (0600), and tighten it if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


class SessionStore:
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
        """Delete sessions idle longer than the TTL, with their turns; returns how many went."""
        now = time.time() if now is None else now
        cutoff = now - self.ttl_seconds
        with self._lock, self._db:
            self._db.execute("DELETE FROM turns WHERE session_id IN (SELECT id FROM sessions WHERE updated < ?)", (cutoff,))
            deleted = self._db.execute("DELETE FROM sessions WHERE updated < ?", (cutoff,)).rowcount
        self._pruned_at = now
        return deleted

    def create(self) -> tuple[str, str]:
        """A new session id and its token; ids and tokens are 192 random bits each."""
        session_id, token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        now = time.time()
        if now - self._pruned_at > PRUNE_EVERY_SECONDS:
            self.prune_expired(now)
        with self._lock, self._db:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (session_id, _hash(token), now, now))
        return session_id, token

    def authorize(self, session_id: str, token: str | None) -> None:
        """An expired session no longer exists, even before the next prune deletes it."""
        with self._lock:
            row = self._db.execute("SELECT token_hash FROM sessions WHERE id = ? AND updated >= ?",
                                   (session_id, time.time() - self.ttl_seconds)).fetchone()
        if row is None or not token or not secrets.compare_digest(row[0], _hash(token)):
            raise SessionNotFound(session_id)

    def history(self, session_id: str) -> list[Turn]:
        with self._lock:
            rows = self._db.execute(
                "SELECT resolved, products FROM turns WHERE session_id = ? ORDER BY at DESC LIMIT ?",
                (session_id, self.max_turns),
            ).fetchall()
        return [Turn(question=q, products=[tuple(p) for p in json.loads(products)]) for q, products in reversed(rows)]

    def append(self, session_id: str, question: str, answer: Answer) -> str:
        """Store one masked turn, drop the oldest beyond ``max_turns``, and return the answer's id."""
        turn = Turn.after(question, answer)
        answer_id = secrets.token_urlsafe(16)
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
        """Record (or replace) the shopper's rating of one answer; unknown ids raise SessionNotFound."""
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
        keys = ("answer_id", "at", "rating", "comment", "question", "answer")
        return [dict(zip(keys, row)) for row in rows]

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
