"""Run the local n8n: its environment, its CLI, its process (and queue-mode workers) supervised
until its webhooks answer. What it imports (credentials, workflows, the node package) and how
only what changed is imported again: imports.py.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from typing import IO

import httpx
from psycopg.conninfo import conninfo_to_dict

from solo_brain.n8n.config import SECRET_NAMES, N8nSettings
from solo_brain.n8n.install import N8nInstall
from solo_brain.n8n.queue import Workers, prepare_database, queue_env, worker_env
from solo_brain.n8n.templates import (
    WEBHOOK_TYPES,
    load_workflows,
)
from solo_brain.secret_files import environment

STOP_GRACE_S = 20.0


class N8nCommandError(RuntimeError):
    """An n8n CLI command failed; the message carries the end of its output."""


def database_credential_env(url: str) -> dict[str, str]:
    """The DATABASE_* values the Postgres credential template reads, from a libpq URL."""
    params = conninfo_to_dict(url)
    return {
        "DATABASE_HOST": str(params.get("host") or "127.0.0.1"),
        "DATABASE_PORT": str(params.get("port") or 5432),
        "DATABASE_NAME": str(params.get("dbname") or params.get("user") or "postgres"),
        "DATABASE_USER": str(params.get("user") or "postgres"),
        "DATABASE_PASSWORD": str(params.get("password") or ""),
        "DATABASE_SSL": "require"
        if params.get("sslmode") in ("require", "verify-full")
        else "disable",
    }


class N8nRunner:
    """One n8n instance: its folder, its environment, its process."""

    def __init__(
        self,
        settings: N8nSettings,
        install: N8nInstall,
        database_url: str,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings, self.install = settings, install
        self._environ = environment() if environ is None else dict(environ)
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self.workers = Workers(settings, install.n8n, self.worker_env)

    # --- environment -----------------------------------------------------------------------

    def template_env(self) -> dict[str, str]:
        """The values credential templates are filled with (service URLs as workflows see them)."""
        return {
            **self._environ,
            **self.settings.workflow_env(),
            **database_credential_env(self.database_url),
        }

    def n8n_env(self) -> dict[str, str]:
        """The n8n process environment: no secrets, its Node.js first, the workflow settings."""
        # Neither a secret nor where its file is (NAME_FILE): the credentials already hold them.
        hidden = {k for k in self._environ if k.removesuffix("_FILE") in SECRET_NAMES}
        base = {k: v for k, v in self._environ.items() if k not in hidden}
        return {
            **base,
            **self.install.env(),
            **self.settings.process_env(),
            **self.settings.workflow_env(),
            **queue_env(self.settings, self.database_url),
        }

    def worker_env(self, index: int) -> dict[str, str]:
        """The environment of queue-mode worker `index`: n8n's, with the worker's own ports."""
        return {**self.n8n_env(), **worker_env(self.settings, index)}

    def cli(self, *args: str, timeout: float = 180.0) -> str:
        """Run one n8n CLI command against this instance's folder; its output."""
        self.settings.folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [str(self.install.n8n), *args],
            env=self.n8n_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
            raise N8nCommandError(f"n8n {' '.join(args)} failed:\n" + "\n".join(tail))
        return result.stdout

    # --- process -----------------------------------------------------------------------------

    def start(self, log: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
        """Start `n8n start` (its own process group); output to `log`, or inherited."""
        prepare_database(self.settings, self.database_url)
        self.process = subprocess.Popen(
            [str(self.install.n8n), "start"],
            env=self.n8n_env(),
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
        )
        return self.process

    def wait_ready(self, webhook_paths: list[str], timeout: float = 120.0) -> None:
        """Poll until /healthz answers and every webhook path is registered."""
        deadline = time.monotonic() + timeout
        pending = ["/healthz", *(f"/webhook/{p}" for p in webhook_paths)]
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per probe is noise
        with httpx.Client(base_url=self.settings.base_url, timeout=2.0) as http:
            while pending:
                if self.process is not None and self.process.poll() is not None:
                    raise N8nCommandError(f"n8n exited with {self.process.returncode}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"n8n is not ready after {timeout:g} s: {pending[0]}")
                with contextlib.suppress(httpx.HTTPError):
                    if _is_up(http, pending[0]):
                        pending.pop(0)
                        continue
                time.sleep(0.5)

    def start_workers(self, log: IO[bytes] | None = None, timeout: float = 120.0) -> None:
        """In queue mode, start N8N_WORKERS workers (once main is up) and wait until ready."""
        if self.settings.queue_mode and self.settings.workers:
            self.workers.start(range(self.settings.workers), log)
            self.workers.wait_ready(timeout)

    def terminate(self, *, force: bool = False) -> None:
        """Ask n8n to stop (SIGTERM to its process group; SIGKILL with `force`), not waiting."""
        self.workers.terminate(force=force)
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL if force else signal.SIGTERM)

    def stop(self) -> int | None:
        """Stop n8n (and its workers) politely, then by force; main's exit code."""
        self.workers.terminate()  # at once: they finish their executions meanwhile
        try:
            return self._stop_main()
        finally:
            self.workers.stop()

    def _stop_main(self) -> int | None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return process.wait()

    @contextlib.contextmanager
    def running(self, log: IO[bytes] | None = None, timeout: float = 120.0) -> Iterator[str]:
        """n8n started and ready for the block (its base URL), stopped after it."""
        self.start(log)
        try:
            self.wait_ready(self.webhook_paths(), timeout)
            self.start_workers(log, timeout)
            yield self.settings.base_url
        finally:
            self.stop()

    def webhook_paths(self) -> list[str]:
        """The production webhook paths of the workflows that get activated."""
        return sorted({
            str(node["parameters"]["path"])
            for w in load_workflows(self.settings.workflows_dir) if w.has_trigger
            for node in w.doc["nodes"] if node["type"] in WEBHOOK_TYPES
        })  # fmt: skip


def _is_up(http: httpx.Client, path: str) -> bool:
    if path == "/healthz":
        return http.get(path).status_code == 200
    return webhook_registered(http.options(path, headers=WEBHOOK_PROBE_HEADERS))


# A CORS preflight: n8n answers it from its webhook table without running or logging anything.
WEBHOOK_PROBE_METHOD = "OPTIONS"
WEBHOOK_PROBE_HEADERS = {"Origin": "http://127.0.0.1"}


def webhook_registered(response: httpx.Response) -> bool:
    """Whether n8n's answer to a CORS preflight (OPTIONS with an Origin) on a production webhook
    path says it is registered.

    For a registered path n8n answers 204 with the path's methods in Access-Control-Allow-Methods
    ("OPTIONS, POST"), for an unknown one 404, and it logs neither (a DELETE probe made n8n log
    two error lines per probe into the terminal of `solo-brain up`). Any other answer means the
    webhooks are not served yet: while it starts, n8n answers every path 200 "n8n is starting
    up. Please wait" or 503 "Database is not ready!".
    """
    allowed = response.headers.get("access-control-allow-methods", "")
    methods = {m.strip().upper() for m in allowed.split(",")} - {"", "OPTIONS"}
    return response.status_code == 204 and bool(methods)
