"""A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary folder, pg_ctl on a free port, the unix
socket in that folder. PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to the
``postgres`` user Debian's package creates. A cluster that cannot start fails the test with its log."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("SHOPASSIST_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"


class PostgresUnavailable(RuntimeError):
    pass


class ThrowawayPostgres:
    def __init__(self, port: int, durable: bool = False):
        """``durable``: flush to disk on commit as a real server does (tests skip it, benchmarks need it)."""
        if not (PG_BIN / "initdb").is_file():
            raise PostgresUnavailable(f"no PostgreSQL binaries in {PG_BIN}: `apt-get install -y postgresql` "
                                      "(.ci/run does), or set SHOPASSIST_TEST_PG_BIN")
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="shopassist-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            try:
                owner = pwd.getpwnam(RUN_AS)
            except KeyError:
                raise PostgresUnavailable(f"running as root and there is no `{RUN_AS}` user to run PostgreSQL as "
                                          "(Debian's postgresql package creates it)") from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "shopassist", "--auth=trust", "-E", "UTF8", "--locale=C")
        flush = "" if durable else " -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-p {port} -k {self.root} -c listen_addresses=''{flush}", "start")

    def _run(self, program: str, *args: str) -> None:
        command = [str(PG_BIN / program), *args]
        if self._as_root:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise PostgresUnavailable(f"{program} failed ({result.returncode}): {result.stderr or result.stdout}\n{log}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://shopassist@/{database}?host={self.root}&port={self.port}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
