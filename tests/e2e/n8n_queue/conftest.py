"""n8n in queue mode: a main instance, a worker and a real Redis, with the whole capture stack.

Its own package, so that it starts after the regular-mode n8n of tests/e2e/n8n has stopped (two
n8n at once would only slow both down on two cores).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.e2e.n8n.stack import Stack, run_stack
from tests.fakes.server import free_port
from tests.support.databases import fresh_database
from tests.support.redis import running_redis


def free_port_pair() -> int:
    """A port P such that P and P + 1 are both free on 127.0.0.1 right now."""
    while True:
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


@pytest.fixture(scope="package")
def queue_dsn(pg_server_url: str) -> Iterator[str]:
    """A freshly migrated database for the queue-mode stack (n8n's own tables in schema n8n)."""
    with fresh_database(pg_server_url, "sb_n8nq") as dsn:
        yield dsn


@pytest.fixture(scope="package")
def queue_stack(queue_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The capture stack with n8n in queue mode: main, one worker, Redis; JSON logs."""
    tmp = tmp_path_factory.mktemp("n8n-queue")
    with running_redis(tmp / "redis") as redis_url, pytest.MonkeyPatch.context() as env:
        # JSON log lines carry the workflow id of each execution a worker starts.
        env.setenv("N8N_LOG_FORMAT", "json")
        # The budget is generous: this stack proves where the work runs, not how fast (the time
        # budget has its own tests), and a shared 2-core machine can be very busy.
        knobs = {"EXECUTIONS_MODE": "queue", "N8N_REDIS_URL": redis_url, "N8N_WORKERS": "1",
                 "N8N_WORKER_PORT": str(free_port_pair()), "N8N_LOG_LEVEL": "info",
                 "CAPTURE_TIME_BUDGET_S": "20"}  # fmt: skip
        with run_stack(queue_dsn, tmp, **knobs) as running:
            yield running
