"""Hub: live batches that queued while the hub was busy are merged into one transaction."""

from __future__ import annotations

import asyncio

import psycopg

from mesh_protocol import Messages, Ping, ProtocolError
from solo_brain.mesh.coalesce import Received, coalesce
from tests.mesh.hub_harness import hub_settings, issue, message, running_hub, scripted_agent

SID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
FILE = "-srv-orchestrator/3f2504e0-4f89-11d3-9a0c-0305e82c3301.jsonl"
SUB = "-srv-orchestrator/3f2504e0-4f89-11d3-9a0c-0305e82c3301/subagents/agent-a1.jsonl"


def batch(start: int, end: int, *uuids: str, file: str = FILE, part: str = "next") -> Received:
    """A received live batch of `file` covering [start, end) with one message per uuid."""
    frame = Messages.model_validate(
        {
            "session_id": SID,
            "file": file,
            "start_offset": start,
            "end_offset": end,
            "messages": [message(u, u).model_dump() for u in uuids],
            "part": part,
        }
    )
    return Received(frame, 100)


def shape(items: list[Received]) -> list[object]:
    """Each item as (start, end, uuids) for a batch, else the frame itself."""
    out: list[object] = []
    for item in items:
        if isinstance(item.frame, Messages):
            uuids = [m.uuid for m in item.frame.messages]
            out.append((item.frame.start_offset, item.frame.end_offset, uuids))
        else:
            out.append(item.frame)
    return out


def test_consecutive_batches_of_a_file_become_one() -> None:
    """Three batches each starting where the previous ended: one batch, messages in order."""
    merged = coalesce([batch(0, 10, "u1"), batch(10, 25, "u2"), batch(25, 30)], 10_000)
    assert shape(merged) == [(0, 30, ["u1", "u2"])]
    assert merged[0].size == 300


def test_only_continuing_live_batches_of_one_file_merge() -> None:
    """Another file, a gap, a history or tail batch, or any other frame between them keeps
    the batches apart, in their order."""
    ping = Ping(ts=1.0)
    error = ProtocolError("bad frame")
    items = [
        batch(0, 10, "u1"),
        batch(0, 5, "s1", file=SUB),
        batch(10, 20, "u2"),
        batch(30, 40, "u3"),  # a gap: the hub must refuse it, not hide it
        Received(ping, 20),
        batch(40, 50, "u4"),
        Received(error, 5),
        batch(50, 60, "u5"),
        batch(60, 70, "h1", part="history"),
    ]
    assert shape(coalesce(items, 10_000)) == [
        (0, 10, ["u1"]),
        (0, 5, ["s1"]),
        (10, 20, ["u2"]),
        (30, 40, ["u3"]),
        ping,
        (40, 50, ["u4"]),
        error,
        (50, 60, ["u5"]),
        (60, 70, ["h1"]),
    ]


def test_live_batches_go_before_other_files_backlog() -> None:
    """Live batches queued behind another file's tail and history go first (merged); they
    never pass a batch of their own file nor any other frame."""
    big = "-srv-orchestrator/00000000-0000-4000-8000-0000000b1b1b.jsonl"
    ping = Ping(ts=1.0)
    items = [
        batch(900, 1000, "t1", file=big, part="tail"),
        batch(800, 900, "h1", file=big, part="history"),
        batch(0, 10, "u1"),
        batch(700, 800, "h2", file=big, part="history"),
        batch(10, 20, "u2"),
        Received(ping, 20),
        batch(600, 700, "h3", file=big, part="history"),
        batch(20, 30, "u3"),
        batch(30, 40, "s1", file=SUB, part="tail"),
        batch(40, 50, "s2", file=SUB),
    ]
    assert shape(coalesce(items, 10_000)) == [
        (0, 20, ["u1", "u2"]),
        (900, 1000, ["t1"]),
        (800, 900, ["h1"]),
        (700, 800, ["h2"]),
        ping,
        (20, 30, ["u3"]),
        (600, 700, ["h3"]),
        (30, 40, ["s1"]),
        (40, 50, ["s2"]),
    ]


def test_a_merge_stays_within_one_frame() -> None:
    """Batches merge while their texts together fit in `max_bytes`, then a new one starts."""
    items = [batch(0, 10, "u1"), batch(10, 20, "u2"), batch(20, 30, "u3"), batch(30, 40, "u4")]
    assert shape(coalesce(items, 250)) == [(0, 20, ["u1", "u2"]), (20, 40, ["u3", "u4"])]


async def test_batches_queued_behind_a_slow_commit_are_stored_in_one(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """While a batch waits for Postgres (its session row locked by someone else), the next
    five queue; they are then committed together: one ack at their end, every message stored
    once, in order, with the file's offset at the last end."""
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, issue(pg_dsn, "agent")) as agent:
            await agent.batch(SID, FILE, 0, 10, [message("u0", "avant")])
            with psycopg.connect(pg_dsn) as locker:
                locker.execute("SELECT 1 FROM assistant.sessions WHERE id = %s FOR UPDATE", (SID,))
                await agent.send_batch(SID, FILE, 10, 20, [message("u1", "un")])
                await _until_blocked(db)
                for n in range(2, 7):
                    await agent.send_batch(SID, FILE, 10 * n, 10 * n + 10, [message(f"u{n}", "x")])
                await asyncio.sleep(1.0)  # the hub reads them while the first one waits
                locker.rollback()
            acks = [(await agent.expect_ack()).offset, (await agent.expect_ack()).offset]
            await agent.sync()
    assert acks == [20, 70]
    rows = db.execute("SELECT uuid FROM assistant.messages ORDER BY seq").fetchall()
    assert [r["uuid"] for r in rows] == [f"u{n}" for n in range(7)]
    stored = db.execute('SELECT "offset" FROM assistant.mesh_offsets').fetchone()
    assert stored == {"offset": 70}


async def _until_blocked(db: psycopg.Connection) -> None:
    """Wait until a backend waits for a lock (the hub's transaction of the first batch)."""
    for _ in range(200):
        row = db.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()
        if row and row["n"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the hub never waited for the session row")
