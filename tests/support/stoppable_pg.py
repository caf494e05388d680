"""A Postgres server of a test's own, which the test may stop and start again (faults).

The session's server (tests/conftest.py) is shared by every test, so a test that stops its
database gets this one instead: the same embedded pgserver binaries, in a folder of its own,
migrated, removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from pgserver import get_server
from pgserver._commands import pg_ctl

from solo_brain.db import apply_migrations

# Postgres runs as the unprivileged `pgserver` user when the tests run as root: its folder must
# not be under pytest's temporary tree (mode 0700), as in tests/conftest.py.
PG_ROOT = Path(os.environ.get("SOLO_BRAIN_TEST_PGDATA", "/tmp/solo-brain-test-pg"))


class StoppablePostgres:
    """One embedded Postgres server: `url`, `stop()` (fast shutdown), `start()`."""

    def __init__(self, server: Any, pgdata: Path) -> None:
        self._server = server
        self.pgdata = pgdata
        self.url: str = server.get_uri()

    def stop(self) -> None:
        """Stop the server as `systemctl stop postgresql` does (clients are disconnected)."""
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user)

    def start(self) -> None:
        """Start the stopped server again, on the same socket."""
        self._server.ensure_postgres_running()

    def is_up(self) -> bool:
        """Whether the server accepts a connection now."""
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False


@contextmanager
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    """A fresh, migrated Postgres server of the test's own; stopped and removed at the end."""
    PG_ROOT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="stoppable-", dir=PG_ROOT))
    folder.chmod(0o755)
    server = get_server(folder / "pgdata", cleanup_mode="delete")
    pg = StoppablePostgres(server, folder / "pgdata")
    try:
        apply_migrations(pg.url)
        yield pg
    finally:
        if not pg.is_up():
            pg.start()  # pgserver's cleanup stops a running server only
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
