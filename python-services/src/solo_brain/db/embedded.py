"""The embedded Postgres used when no DATABASE_URL is configured.

`pgserver` ships real PostgreSQL binaries in its wheel and listens on a unix socket inside the
data folder only (no TCP port). Several processes may attach to the same data folder: the server
stops when the last of them exits (cleanup mode "stop"). pgserver counts them in
`.handle_pids.json`; a process killed with SIGKILL never removes its pid, so the next start drops
the pids of processes that no longer exist (else the server would never be stopped again).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

from solo_brain.settings import CommonSettings

log = logging.getLogger(__name__)

# pgserver keeps one handle per data folder per process; keep it alive for the process lifetime.
_servers: dict[Path, Any] = {}
HANDLES_FILE = ".handle_pids.json"


def start_embedded(pgdata: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or attach to) the embedded Postgres in `pgdata` and return its libpq URL."""
    pgdata = pgdata.resolve()
    if pgdata not in _servers:
        pgdata.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
            from pgserver.postgres_server import PostgresServer

            with PostgresServer._lock:  # the lock pgserver holds while it edits the list
                forget_dead_handles(pgdata)
            _servers[pgdata] = pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
        log.info("embedded postgres ready in %s", pgdata)
    return str(_servers[pgdata].get_uri())


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of exited processes from pgserver's handle list; the pids dropped."""
    path = pgdata / HANDLES_FILE
    try:
        pids = [int(pid) for pid in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    dead = [pid for pid in pids if not _is_running(pid)]
    if dead:
        path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
        log.info("embedded postgres: forgot the handles of exited processes %s", dead)
    return dead


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def resolve_database_url(database_url: str | None, pgdata: Path) -> str:
    """DATABASE_URL when set, otherwise the URL of the embedded Postgres in `pgdata`."""
    if database_url:
        return database_url
    return start_embedded(pgdata)


def database_url(settings: CommonSettings | None = None) -> str:
    """The DATABASE_URL of `settings` (read now when None), or the embedded Postgres it names."""
    settings = settings or CommonSettings()
    return resolve_database_url(settings.database_url, settings.pgdata_dir)
