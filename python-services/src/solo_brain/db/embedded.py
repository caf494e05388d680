"""The embedded Postgres used when no DATABASE_URL is configured.

`pgserver` ships real PostgreSQL binaries in its wheel and listens on a unix socket inside the
data folder only (no TCP port). Several processes may attach to the same data folder: the server
stops when the last of them exits (cleanup mode "stop").
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from solo_brain.settings import CommonSettings

log = logging.getLogger(__name__)

# pgserver keeps one handle per data folder per process; keep it alive for the process lifetime.
_servers: dict[Path, Any] = {}


def start_embedded(pgdata: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or attach to) the embedded Postgres in `pgdata` and return its libpq URL."""
    pgdata = pgdata.resolve()
    if pgdata not in _servers:
        pgdata.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

            _servers[pgdata] = pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
        log.info("embedded postgres ready in %s", pgdata)
    return str(_servers[pgdata].get_uri())


def resolve_database_url(database_url: str | None, pgdata: Path) -> str:
    """DATABASE_URL when set, otherwise the URL of the embedded Postgres in `pgdata`."""
    if database_url:
        return database_url
    return start_embedded(pgdata)


def database_url(settings: CommonSettings | None = None) -> str:
    """The DATABASE_URL of `settings` (read now when None), or the embedded Postgres it names."""
    settings = settings or CommonSettings()
    return resolve_database_url(settings.database_url, settings.pgdata_dir)
