"""A big transcript through the real agent, hub and Postgres: its newest page is readable
before its history arrives, pages keep file order, and a restart mid-backfill loses and
duplicates nothing (issue 11)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from mesh_agent.agent import Agent
from mesh_agent.config import AgentConfig
from mesh_protocol import ErrorFrame, HistoryRun, Messages, Part, ack_key
from solo_brain.mesh.store import history, history_runs
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    message,
    running_hub,
    scripted_agent,
    sse,
)
from tests.support.runtime import socket_dir
from tests.support.transcripts import encoded, transcript_line
from tests.support.wait import until

SID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
CWD = "/home/moi/très gros projet"
LINES = 1500  # ~3 MB: 2 KB per line
PAGE = 40


class HistoryGate:
    """Holds the hub's commits of backfilled history until the test lets them through."""

    def __init__(self) -> None:
        self.permits = threading.Semaphore(0)
        self.open = threading.Event()

    def let(self, batches: int) -> None:
        """Let this many more history batches be committed."""
        for _ in range(batches):
            self.permits.release()

    def wrap(self, store: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """One of the hub's history stores (folded batches, runs of bytes), waiting for a
        permit (or the gate open) first."""

        async def held(pool: Any, agent_id: str, batch: Messages | HistoryRun, *more: Any) -> None:
            while not self.open.is_set():
                if await asyncio.to_thread(self.permits.acquire, True, 0.05):
                    break
            await store(pool, agent_id, batch, *more)

        return held


@contextlib.contextmanager
def _opened_at_exit(gate: HistoryGate) -> Iterator[None]:
    try:
        yield
    finally:
        gate.open.set()  # nothing stays held when the hub stops


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


def _uuid(n: int) -> str:
    return f"{SID[:8]}-{n:06d}"


@contextlib.asynccontextmanager
async def _agent(config: AgentConfig) -> AsyncIterator[Agent]:
    agent = Agent(config)
    agent.index.tail_above, agent.index.tail_bytes = 512 * 1024, 128 * 1024
    agent.index.run_bytes = 768 * 1024  # several runs of history, to restart between them
    task = asyncio.create_task(agent.run())
    try:
        yield agent
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _history_end(pg_dsn: str) -> int | None:
    with psycopg.connect(pg_dsn) as conn:
        row = conn.execute(
            "SELECT history_end FROM assistant.mesh_offsets WHERE session_id = %s", (SID,)
        ).fetchone()
    assert row is not None, "no offsets for the session"
    return row[0]


async def _pages(client: httpx.AsyncClient, token: str) -> list[str]:
    uuids: list[str] = []
    before: int | None = None
    while True:
        query = {"limit": PAGE} | ({"before": before} if before is not None else {})
        answer = await client.get(
            f"/api/sessions/{SID}/messages", params=query, headers=auth(token)
        )
        page = answer.json()
        uuids = [m["uuid"] for m in page["messages"]] + uuids
        before = page["next_before"]
        if before is None:
            return uuids


async def test_newest_page_first_history_after_and_a_restart_mid_backfill(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest page is served while the history is held; the history then fills older pages
    newest first (after its first batch, the page just above the newest is complete); an agent
    restarted mid-backfill resumes it without loss or duplicate, and no backfilled message
    reaches an SSE client as new."""
    gate = HistoryGate()
    monkeypatch.setattr(history, "store_history", gate.wrap(history.store_history))
    monkeypatch.setattr(history_runs, "store_run", gate.wrap(history_runs.store_run))
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url, _opened_at_exit(gate):
        config = AgentConfig(hub=url, token=agent_token, claude_config_dir=tmp_path / "c",
                             relay_socket=socket_dir("ht-") / "r.sock")  # fmt: skip
        path = config.projects_dir / encoded(Path(CWD)) / f"{SID}.jsonl"
        path.parent.mkdir(parents=True)
        path.write_bytes(
            b"".join(transcript_line(SID, CWD, n, f"{n} " + "é" * 1000) for n in range(LINES))
        )
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:

            async def newest() -> list[str]:
                answer = await client.get(
                    f"/api/sessions/{SID}/messages", params={"limit": PAGE}, headers=auth(full)
                )
                return [m["uuid"] for m in answer.json().get("messages", [])]

            async with _agent(config):
                await until(lambda: _newest_has_last(newest), 30)
                page = await client.get(
                    f"/api/sessions/{SID}/messages", params={"limit": PAGE}, headers=auth(full)
                )
                body = page.json()
                assert [m["uuid"] for m in body["messages"]] == [
                    _uuid(n) for n in range(LINES - PAGE, LINES)
                ]
                assert body["next_before"] is not None
                held = _history_end(pg_dsn)  # where the tail starts: no history committed yet
                assert held is not None
                gate.let(1)
                await until(lambda: _async(lambda: (_history_end(pg_dsn) or 0) < held), 30)
                query = {"limit": PAGE, "before": body["next_before"]}
                above = await client.get(
                    f"/api/sessions/{SID}/messages", params=query, headers=auth(full)
                )
                assert [m["uuid"] for m in above.json()["messages"]] == [
                    _uuid(n) for n in range(LINES - 2 * PAGE, LINES - PAGE)
                ]
                first = _history_end(pg_dsn)
                gate.let(1)
                await until(lambda: _async(lambda: (_history_end(pg_dsn) or 0) < (first or 0)), 30)
            # A restart mid-backfill: a new agent resumes from what the hub has.
            async with _agent(config) as agent:
                gate.open.set()
                await until(lambda: _async(lambda: _history_end(pg_dsn) is None), 60)
                uuids = await _pages(client, full)
                assert uuids == [_uuid(n) for n in range(LINES)]
                async with sse(client, f"/api/sessions/{SID}/stream", full, 0) as stream:
                    await asyncio.to_thread(_append, path, transcript_line(SID, CWD, LINES))
                    streamed: list[str] = []
                    while _uuid(LINES) not in streamed:
                        event = await stream.next(30)
                        if event.event == "message":
                            streamed.append(event.data["uuid"])
                assert agent.index.sessions[SID].cwd == CWD
    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute(
            "SELECT uuid, run_id FROM assistant.messages WHERE session_id = %s AND history",
            (SID,),
        ).fetchall()
    backfilled = {row[0] for row in rows}
    assert all(row[1] is not None for row in rows), "history not kept as the transcript's bytes"
    assert _uuid(0) in backfilled and _uuid(LINES - 1) not in backfilled
    assert not backfilled & set(streamed), "backfilled history was streamed as new"
    assert len(streamed) == len(set(streamed)) == LINES + 1 - len(backfilled)


async def _newest_has_last(newest: Callable[[], Awaitable[list[str]]]) -> bool:
    return _uuid(LINES - 1) in await newest()


async def _async(check: Callable[[], bool]) -> bool:
    return await asyncio.to_thread(check)


SID2 = "1b2c3d4e-5f60-4718-a9b0-c1d2e3f4a5b6"
FILE2 = f"-srv-x/{SID2}.jsonl"


def _batch(part: Part, start: int, end: int, *uuids: str) -> Messages:
    return Messages(
        session_id=SID2,
        file=FILE2,
        start_offset=start,
        end_offset=end,
        messages=[message(u, f"texte {u}") for u in uuids],
        part=part,
    )


async def test_hub_checks_history_offsets_and_stores_it_once(pg_dsn: str) -> None:
    """A tail opens a file's history; history batches go backwards and must end where the
    history the hub holds begins (a gap closes the socket), a resent one adds nothing, the
    welcome tells what is missing, a tail of a file the hub has is checked as a `next` batch,
    and pages keep file order: history first, then the tail, then what came after."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    key = ack_key(SID2, FILE2)
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token, "tail-hub") as agent:
            assert agent.welcome is not None and agent.welcome.history == {}
            await agent.send(_batch("tail", 1000, 1500, "t1", "t2"))
            assert (await agent.expect_ack()).offset == 1500
            await agent.send(_batch("next", 1500, 1600, "n1"))
            assert (await agent.expect_ack()).offset == 1600
            await agent.send(_batch("history", 600, 1000, "h3", "h4"))
            ack = await agent.expect_ack()
            assert (ack.part, ack.offset) == ("history", 600)
            await agent.send(_batch("history", 600, 1000, "h3", "h4"))  # resent: nothing new
            assert (await agent.expect_ack()).offset == 600
        async with scripted_agent(url, agent_token, "tail-hub") as agent:
            assert agent.welcome is not None
            assert agent.welcome.acks[key] == 1600 and agent.welcome.history == {key: 600}
            await agent.send(_batch("history", 0, 500, "h1"))  # [500, 600) would be lost
            gap = await agent.expect(ErrorFrame)
            assert gap.code == "offset_gap"
        async with scripted_agent(url, agent_token, "tail-hub") as agent:
            await agent.send(_batch("history", 300, 700, "h2", "h3"))  # overlaps: h3 once
            assert (await agent.expect_ack()).offset == 300
            await agent.send(_batch("history", 0, 300, "h0", "h1"))
            assert (await agent.expect_ack()).part == "history"
            await agent.sync()
            assert agent.welcome is not None
        async with scripted_agent(url, agent_token, "tail-hub") as agent:
            assert agent.welcome is not None and agent.welcome.history == {}
            await agent.send(_batch("history", 0, 300, "h0", "h1"))  # complete: ignored
            assert (await agent.expect_ack()).offset == 0
            await agent.send(_batch("tail", 1600, 1700, "n2"))  # a file it has: a `next` one
            assert (await agent.expect_ack()).offset == 1700
            await agent.send(_batch("tail", 1800, 1900, "n3"))
            assert (await agent.expect(ErrorFrame)).code == "offset_gap"
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            page = await client.get(f"/api/sessions/{SID2}/messages", headers=auth(full))
    body = page.json()
    uuids = ["h0", "h1", "h2", "h3", "h4", "t1", "t2", "n1", "n2"]
    assert [m["uuid"] for m in body["messages"]] == uuids
    assert body["next_before"] is None
