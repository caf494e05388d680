"""Hub: a big file's tail and history are handled on their own task, so live batches of other
sessions never wait for them, and the frames of the big file's session keep their order."""

from __future__ import annotations

import psycopg

from mesh_protocol import HistoryRun, SessionInfo
from solo_brain.mesh.backlog_task import is_backlog
from tests.mesh.hub_harness import hub_settings, issue, message, running_hub, scripted_agent
from tests.mesh.test_hub_coalesce import _until_blocked
from tests.mesh.test_hub_tail import FILE2 as BIG_FILE
from tests.mesh.test_hub_tail import SID2 as BIG
from tests.mesh.test_hub_tail import _batch as _big

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
