"""Hub: a big file's tail and history are handled on their own task, so live batches of other
sessions never wait for them, and the frames of the big file's session keep their order."""

from __future__ import annotations

import asyncio

import psycopg

from mesh_protocol import HistoryRun, SessionInfo
from solo_brain.mesh.backlog_task import BacklogTask, is_backlog
from solo_brain.mesh.link import AgentLink
from tests.mesh.hub_harness import hub_settings, issue, message, running_hub, scripted_agent
from tests.mesh.test_hub_coalesce import _until_blocked
from tests.mesh.test_hub_tail import FILE2 as BIG_FILE
from tests.mesh.test_hub_tail import SID2 as BIG
from tests.mesh.test_hub_tail import _batch as _big
from tests.support.wait import until

SID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
FILE = "-srv-orchestrator/3f2504e0-4f89-11d3-9a0c-0305e82c3301.jsonl"


def test_tails_and_history_are_the_backlog() -> None:
    """Tail and history batches and history runs are backlog; live batches and other frames
    are not."""
    run = HistoryRun.model_construct(session_id=BIG, file=BIG_FILE, start_offset=0, end_offset=10)
    assert is_backlog(_big("history", 0, 10)) and is_backlog(run) and is_backlog(_big("tail", 0, 1))
    assert not is_backlog(_big("next", 0, 10))
    assert not is_backlog(ValueError("a protocol error"))


async def test_a_live_batch_is_not_held_by_another_sessions_backlog_commit(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A big file's tail, its next batch, its session's metadata and its history, sent at once,
    are handled in order (no gap); while its tail, then its history, waits for Postgres (its
    session row locked by someone else), a live batch of another session is committed and
    acked, and the frames of the big file's session wait behind them; everything is acked and
    stored once the lock goes."""
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, issue(pg_dsn, "agent")) as agent:
            await agent.batch(SID, FILE, 0, 10, [message("u0", "avant")])
            await agent.session(BIG, cwd="/srv/orchestrator")
            with psycopg.connect(pg_dsn) as locker:
                locker.execute("SELECT 1 FROM assistant.sessions WHERE id = %s FOR UPDATE", (BIG,))
                await agent.send(_big("tail", 1000, 1100, "t1"))
                await _until_blocked(db)
                await agent.send(_big("next", 1100, 1200, "n1"))  # behind its tail
                await agent.send(SessionInfo(session_id=BIG, cwd="/srv/orchestrator", title="Gros"))
                await agent.send(_big("history", 900, 1000, "h2"))
                await agent.send_batch(SID, FILE, 10, 20, [message("u1", "pendant")])
                ack = await agent.expect_ack()
                assert (ack.file, ack.offset, ack.part) == (FILE, 20, "next")
                stored = db.execute("SELECT uuid FROM assistant.messages WHERE uuid <> 'u0'")
                assert [r["uuid"] for r in stored] == ["u1"]  # the big file's frames still wait
                locker.rollback()
            acks = [((a := await agent.expect_ack()).part, a.offset) for _ in range(3)]
            assert acks == [("next", 1100), ("next", 1200), ("history", 900)]
            with psycopg.connect(pg_dsn) as locker:
                locker.execute("SELECT 1 FROM assistant.sessions WHERE id = %s FOR UPDATE", (BIG,))
                await agent.send(_big("history", 0, 900, "h1"))
                await _until_blocked(db)
                await agent.send_batch(SID, FILE, 20, 30, [message("u2", "encore")])
                ack = await agent.expect_ack()
                assert (ack.file, ack.offset, ack.part) == (FILE, 30, "next")
                locker.rollback()
            ack = await agent.expect_ack()
            assert (ack.file, ack.offset, ack.part) == (BIG_FILE, 0, "history")
            await agent.sync()
    rows = db.execute("SELECT uuid FROM assistant.messages ORDER BY uuid").fetchall()
    assert [r["uuid"] for r in rows] == ["h1", "h2", "n1", "t1", "u0", "u1", "u2"]
    title = db.execute("SELECT title FROM assistant.sessions WHERE id = %s", (BIG,)).fetchone()
    assert title == {"title": "Gros"}


class _Socket:
    """Enough of a WebSocket for an AgentLink that is only closed."""

    def __init__(self) -> None:
        self.closed_with: tuple[int, str] | None = None

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


async def test_a_sessions_frames_follow_its_backlog_and_a_full_queue_waits_for_room() -> None:
    """While a backlog frame of a session waits, that session's later batches and metadata go
    to the task too and are handled in order, other sessions' frames are not; a full queue
    makes the read loop wait for room, and once the task ended (a frame that ends the
    connection) a hand-over says so at once, full queue or not."""
    link = AgentLink("agt", "gros-serveur", _Socket())  # type: ignore[arg-type]
    entered, release = asyncio.Event(), asyncio.Event()
    handled: list[object] = []

    async def handle(frame: object) -> bool:
        entered.set()
        await release.wait()
        handled.append(frame)
        return not (isinstance(frame, SessionInfo) and frame.title == "fin")

    backlog = BacklogTask(link, handle, 2)
    try:
        tail = _big("tail", 1000, 1100, "t1")
        after = [_big("next", 1100, 1200, "n1"), SessionInfo(session_id=BIG, title="Gros")]
        assert backlog.takes(tail) and not backlog.takes(after[0])
        assert await backlog.put(tail)
        assert all(backlog.takes(frame) for frame in after)
        assert not backlog.takes(_big("next", 0, 10).model_copy(update={"session_id": SID}))
        assert not backlog.takes(SessionInfo(session_id=SID, title="autre"))
        await asyncio.wait_for(entered.wait(), 30)  # the task holds the tail
        for frame in after:
            assert await backlog.put(frame)
        end = SessionInfo(session_id=BIG, title="fin")
        full = asyncio.create_task(backlog.put(end))
        await asyncio.sleep(0.05)
        assert not full.done()  # the queue is full: the read loop waits for room
        release.set()
        assert await full
        await until(lambda: len(handled) == 4, what="the frames handled")
        assert handled == [tail, *after, end]
        history = [_big("history", 900 - 100 * n, 1000 - 100 * n, f"h{n}") for n in range(3)]
        assert [await backlog.put(frame) for frame in history] == [False, False, False]
    finally:
        backlog.cancel()
