"""Mesh hub benchmarks: session listing, event latency and SSE fan-out.

    uv run python bench/bench_mesh_hub.py [--sessions 5000] [--clients 50] [--events 1000]

The hub runs as its own process (`solo-brain serve mesh`) on a throwaway embedded Postgres
(never DATABASE_URL: the bench writes its own agents and sessions). The load comes from this
process: a scripted agent over the real WebSocket and httpx SSE clients. Printed, never asserted:

- `GET /api/sessions` with N sessions (2 % of them with a pending permission): p50/p95, body size;
- agent → hub → SSE latency of one message at a time: p50/p99;
- fan-out: one session, C SSE clients, E messages sent in batches of 50; deliveries per second
  (C × E over the time until the last client has the last event).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mesh_protocol import Message  # noqa: E402
from solo_brain.db import apply_migrations  # noqa: E402
from solo_brain.db.embedded import start_embedded  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402
from tests.mesh.hub_harness import auth, issue, scripted_agent, sse  # noqa: E402

SID = "00000000-0000-4000-8000-00000000beef"
FILE = "-bench/00000000-0000-4000-8000-00000000beef.jsonl"
FANOUT_FILE = "-bench/00000000-0000-4000-8000-00000000beef/subagents/agent-fan.jsonl"


def seed_sessions(url: str, count: int) -> None:
    """`count` sessions on two agents, one in fifty with a pending permission."""
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO assistant.agents (id, name, hostname)
               VALUES ('agt_' || assistant.new_ulid(), 'bench-gpu', 'gpu'),
                      ('agt_' || assistant.new_ulid(), 'bench-pc', 'pc')"""
        )
        conn.execute(
            """INSERT INTO assistant.sessions (id, agent_id, cwd, project, title, git_branch,
                                               status, last_msg_at)
               SELECT format('00000000-0000-4000-8000-%%s', lpad(n::text, 12, '0')),
                      (SELECT id FROM assistant.agents ORDER BY name OFFSET n %% 2 LIMIT 1),
                      '/home/me/projets/projet-' || n, 'projet-' || n,
                      'Session de travail numéro ' || n, 'main', 'idle',
                      now() - n * interval '1 minute'
               FROM generate_series(1, %s) AS n""",
            (count,),
        )
        conn.execute(
            """INSERT INTO assistant.permissions (id, session_id, tool_name, input, source)
               SELECT 'perm-' || id, id, 'Bash', '{"command": "make test"}', 'hook'
               FROM assistant.sessions WHERE right(id, 2)::int % 50 = 0"""
        )


@contextmanager
def hub_process(database_url: str) -> Iterator[str]:
    """`solo-brain serve mesh` on a free port until the block ends."""
    port = free_port()
    # No n8n here: without `off` the hub would post its events to n8n's default port.
    env = {"MESH_EVENTS_WEBHOOK_URL": "off", **os.environ, "DATABASE_URL": database_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "serve", "mesh", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the hub did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def bench_listing(url: str, token: str, runs: int) -> None:
    """Time GET /api/sessions."""
    async with httpx.AsyncClient(base_url=url, headers=auth(token), timeout=60) as client:
        first = await client.get("/api/sessions")
        first.raise_for_status()
        size = len(first.content)
        count = len(first.json())
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            (await client.get("/api/sessions")).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    print(
        f"GET /api/sessions  {count:>6} sessions  {size / 1e6:6.2f} MB  "
        f"p50 {statistics.median(times):7.1f} ms  p95 {pct(times, 95):7.1f} ms  ({runs} runs)"
    )


async def bench_latency(url: str, agent_token: str, token: str, count: int) -> None:
    """Agent → hub → SSE client latency, one message at a time."""
    async with (
        scripted_agent(url, agent_token, "bench-latency") as agent,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        await agent.session(SID, cwd="/bench", title="bench")
        async with sse(client, f"/api/sessions/{SID}/stream", token) as stream:
            offset, times = 0, []
            for n in range(count):
                started = time.perf_counter()
                await agent.send_batch(SID, FILE, offset, offset + 100, [_msg(f"lat-{n}")])
                event = await stream.next()
                times.append((time.perf_counter() - started) * 1000)
                assert event.data["uuid"] == f"lat-{n}"
                await agent.expect_ack()
                offset += 100
    print(
        f"agent → hub → SSE  {count:>6} events  "
        f"p50 {statistics.median(times):7.2f} ms  p99 {pct(times, 99):7.2f} ms"
    )


async def bench_fanout(url: str, agent_token: str, token: str, clients: int, events: int) -> None:
    """Deliveries per second to `clients` SSE streams of one session."""
    batch = 50
    async with (
        scripted_agent(url, agent_token, "bench-fanout") as agent,
        httpx.AsyncClient(
            base_url=url, timeout=60, limits=httpx.Limits(max_connections=None)
        ) as client,
        AsyncExitStack() as stack,
    ):
        path = f"/api/sessions/{SID}/stream"
        streams = [
            await stack.enter_async_context(sse(client, path, token)) for _ in range(clients)
        ]

        async def drain(stream: object) -> float:
            for _ in range(events):
                await stream.next()  # type: ignore[attr-defined]
            return time.perf_counter()

        readers = [asyncio.create_task(drain(s)) for s in streams]
        started = time.perf_counter()
        offset = 0
        for first in range(0, events, batch):
            msgs = [_msg(f"fan-{n}") for n in range(first, min(events, first + batch))]
            await agent.batch(SID, FANOUT_FILE, offset, offset + 100, msgs)
            offset += 100
        sent = time.perf_counter()
        finished = max(await asyncio.gather(*readers))
    elapsed = finished - started
    print(
        f"SSE fan-out        {clients:>6} clients  {events} events: hub committed "
        f"{events / (sent - started):7.0f} ev/s, delivered {clients * events / elapsed:8.0f} "
        f"ev/s ({elapsed:5.2f} s until the last client had the last event)"
    )


def _msg(uuid: str) -> Message:
    return Message(uuid=uuid, role="assistant", text="Réponse de test " * 8)


def main() -> int:
    """Run the three benchmarks and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-mesh-hub-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    url = start_embedded(scratch / "pg", cleanup_mode="delete")
    apply_migrations(url)
    seed_sessions(url, args.sessions)
    agent_token, full = issue(url, "agent"), issue(url, "full")
    with hub_process(url) as hub:
        asyncio.run(bench_listing(hub, full, args.runs))
        asyncio.run(bench_latency(hub, agent_token, full, args.latency_events))
        asyncio.run(bench_fanout(hub, agent_token, full, args.clients, args.events))
    return 0


if __name__ == "__main__":
    sys.exit(main())
