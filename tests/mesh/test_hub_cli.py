"""Hub as the user runs it: `solo-brain serve mesh` in its own process, stopped and restarted
under a connected agent and an open SSE stream; nothing is lost or shown twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager

import httpx
import psycopg
import pytest

from mesh_protocol import ack_key
from tests.fakes.server import free_port
from tests.mesh.hub_harness import issue, message, scripted_agent, sse
from tests.support.processes import bare_dir, service_env
from tests.support.wait import wait_for

SID = "5d41402a-bc4b-4a76-b971-9d911017c592"
FILE = "-srv-api/5d41402a-bc4b-4a76-b971-9d911017c592.jsonl"


@contextmanager
def hub_process(pg_dsn: str, port: int) -> Iterator[str]:
    """`solo-brain serve mesh --port PORT` until SIGTERM; yields its URL once ready."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "serve", "mesh", "--port", str(port)],
        env=service_env(DATABASE_URL=pg_dsn, MESH_HEARTBEAT_S="1", MESH_EVENTS_WEBHOOK_URL="off"),
        cwd=bare_dir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(ready, 60, "the hub to be ready", poll=0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    log = proc.stderr.read() if proc.stderr else b""
    # uvicorn re-raises the signal after a graceful shutdown.
    assert proc.returncode in (0, -signal.SIGTERM), log
    assert b"Application shutdown complete" in log


async def test_serve_mesh_restart_loses_and_repeats_nothing(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """SIGTERM ends the hub promptly even with an SSE stream open; after a restart the agent
    resumes from its acks and the stream resumes from its Last-Event-ID, exactly once."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    port = free_port()
    path = f"/api/sessions/{SID}/stream"
    seen = []
    async with httpx.AsyncClient(timeout=10) as client, AsyncExitStack() as outlives_hub:
        with hub_process(pg_dsn, port) as url:
            async with scripted_agent(url, agent_token) as agent:
                await agent.session(SID, cwd="/srv/api", title="API")
                async with sse(client, url + path, full) as stream:
                    await agent.batch(SID, FILE, 0, 100, [message("u1", "un"), message("u2", "2")])
                    seen += [await stream.next(), await stream.next()]
                # Committed but not seen by the stream.
                await agent.batch(SID, FILE, 100, 150, [message("u3", "trois")])
            left_open = await outlives_hub.enter_async_context(sse(client, url + path, full))
        # The hub stopped although a stream was open; that stream has ended.
        with pytest.raises((EOFError, httpx.TransportError)):
            await left_open.next()
        started = time.monotonic()
        with hub_process(pg_dsn, port) as url:
            async with scripted_agent(url, agent_token) as agent:
                assert agent.welcome is not None
                assert agent.welcome.acks == {ack_key(SID, FILE): 150}
                async with sse(client, url + path, full, last_event_id=seen[-1].id) as stream:
                    await agent.batch(SID, FILE, 150, 200, [message("u4", "quatre")])
                    seen += [await stream.next(), await stream.next()]
        assert time.monotonic() - started < 60
    assert [e.data["uuid"] for e in seen] == ["u1", "u2", "u3", "u4"]
    assert len({e.id for e in seen}) == 4
