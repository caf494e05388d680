"""n8n queue mode: a main instance (editor, webhooks, schedules) enqueues each execution in Redis
and worker processes run them. The workflows are the same; what changes is n8n's own setup:

- its database must be shared by main and workers, so it moves from SQLite to Postgres: schema
  `N8N_DB_SCHEMA` (default `n8n`) of `N8N_DATABASE_URL`, by default the project's own database;
- Redis (`N8N_REDIS_URL`, else n8n's own QUEUE_BULL_REDIS_* settings or localhost:6379);
- each worker gets a health port (`/healthz`, `/healthz/readiness`) and a task-broker port:
  worker i uses `N8N_WORKER_PORT + 2i` and `+ 2i + 1` (default N8N_WORKER_PORT: N8N_PORT + 10).

Passwords reach n8n as `*_FILE` settings (files of mode 0600 in `{N8N_USER_FOLDER}/secrets`),
never as environment values, so that a workflow's `$env` cannot read them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from solo_brain.n8n.config import N8nSettings

STOP_GRACE_S = 30.0  # n8n's own graceful shutdown (N8N_GRACEFUL_SHUTDOWN_TIMEOUT) is 30 s


def database_env(url: str, schema: str, secrets: Path) -> dict[str, str]:
    """n8n's DB_* settings for a libpq URL (a socket folder as host works too)."""
    params = conninfo_to_dict(url)
    env = {
        "DB_TYPE": "postgresdb",
        "DB_POSTGRESDB_HOST": str(params.get("host") or "127.0.0.1"),
        "DB_POSTGRESDB_PORT": str(params.get("port") or 5432),
        "DB_POSTGRESDB_DATABASE": str(params.get("dbname") or params.get("user") or "postgres"),
        "DB_POSTGRESDB_USER": str(params.get("user") or "postgres"),
        "DB_POSTGRESDB_SCHEMA": schema,
    }
    if params.get("sslmode") in ("require", "verify-ca", "verify-full"):
        env["DB_POSTGRESDB_SSL_ENABLED"] = "true"
    if password := params.get("password"):
        env["DB_POSTGRESDB_PASSWORD_FILE"] = str(secrets / "db-password")
        _write_secret(secrets / "db-password", str(password))
    return env


def redis_env(url: str | None, secrets: Path) -> dict[str, str]:
    """n8n's QUEUE_BULL_REDIS_* settings for `redis://[user:password@]host:port/db`."""
    if not url:
        return {}
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"N8N_REDIS_URL must look like redis://host:6379/0, not {url!r}")
    env = {
        "QUEUE_BULL_REDIS_HOST": parts.hostname,
        "QUEUE_BULL_REDIS_PORT": str(parts.port or 6379),
        "QUEUE_BULL_REDIS_DB": parts.path.strip("/") or "0",
    }
    if parts.scheme == "rediss":
        env["QUEUE_BULL_REDIS_TLS"] = "true"
    if parts.username:
        env["QUEUE_BULL_REDIS_USERNAME"] = unquote(parts.username)
    if parts.password:
        env["QUEUE_BULL_REDIS_PASSWORD_FILE"] = str(secrets / "redis-password")
        _write_secret(secrets / "redis-password", unquote(parts.password))
    return env


def queue_env(settings: N8nSettings, database_url: str) -> dict[str, str]:
    """What main, workers and n8n's CLI share in queue mode (empty in regular mode)."""
    if not settings.queue_mode:
        return {}
    secrets = settings.folder / "secrets"
    return {
        "EXECUTIONS_MODE": "queue",
        # The editor's test runs go to the workers too (n8n's coming default; no deprecation).
        "OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS": "true",
        **database_env(settings.n8n_database_url or database_url, settings.db_schema, secrets),
        **redis_env(settings.redis_url, secrets),
    }


def worker_env(settings: N8nSettings, index: int) -> dict[str, str]:
    """The ports and health endpoint of worker `index` (0-based)."""
    health = settings.first_worker_port + 2 * index
    return {
        "QUEUE_HEALTH_CHECK_ACTIVE": "true",
        "QUEUE_HEALTH_CHECK_PORT": str(health),
        "N8N_WORKER_SERVER_ADDRESS": settings.listen_address,
        "N8N_RUNNERS_BROKER_PORT": str(health + 1),
    }


def prepare_database(settings: N8nSettings, database_url: str) -> None:
    """Create n8n's schema (n8n creates its tables, not the schema they live in)."""
    if settings.queue_mode:
        with psycopg.connect(settings.n8n_database_url or database_url, autocommit=True) as conn:
            schema = sql.Identifier(settings.db_schema)
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)


class Workers:
    """The worker processes one runner supervises (`n8n worker`, each its own process group)."""

    def __init__(self, settings: N8nSettings, command: Path, env: Callable[[int], dict[str, str]]):
        self.settings, self._command, self._env = settings, command, env
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, indexes: Iterable[int], log: IO[bytes] | None = None) -> None:
        """Start the workers of these indexes (after main: main migrates n8n's database)."""
        for index in indexes:
            self.processes[index] = subprocess.Popen(
                [str(self._command), "worker", f"--concurrency={self.settings.worker_concurrency}"],
                env=self._env(index), stdout=log, stderr=subprocess.STDOUT if log else None,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Poll each worker's /healthz/readiness (database and Redis connected)."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as http:
            for index, process in self.processes.items():
                url = f"http://127.0.0.1:{self.settings.first_worker_port + 2 * index}"
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"n8n worker {index} exited with {process.returncode}")
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"n8n worker {index} is not ready after {timeout:g} s")
                    with contextlib.suppress(httpx.HTTPError):
                        if http.get(f"{url}/healthz/readiness").status_code == 200:
                            break
                    time.sleep(0.5)

    def exited(self) -> subprocess.Popen[bytes] | None:
        """A worker that has exited, if any."""
        return next((p for p in self.processes.values() if p.poll() is not None), None)

    def terminate(self, *, force: bool = False) -> None:
        """Signal every worker's group (SIGTERM: finish the running executions), not waiting."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL if force else signal.SIGTERM)

    def stop(self) -> None:
        """Stop the workers politely, then by force after the grace period."""
        self.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes = {}
