"""Hub: the backfilled history is handled on its own task, so live batches never wait for it."""

from __future__ import annotations

import psycopg

from mesh_protocol import HistoryRun, Messages, Part
from solo_brain.mesh.history_task import is_history
from tests.mesh.hub_harness import hub_settings, issue, message, running_hub, scripted_agent
from tests.mesh.test_hub_coalesce import _until_blocked

SID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
FILE = "-srv-orchestrator/3f2504e0-4f89-11d3-9a0c-0305e82c3301.jsonl"
BIG = "00000000-0000-4000-8000-0000000b1b1b"
BIG_FILE = f"-srv-orchestrator/{BIG}.jsonl"


def _big(part: Part, start: int, end: int, *uuids: str) -> Messages:
    return Messages(
        session_id=BIG,
        file=BIG_FILE,
        start_offset=start,
        end_offset=end,
        messages=[message(u, f"texte {u}") for u in uuids],
        part=part,
    )


def test_only_history_frames_go_to_the_history_task() -> None:
    """History batches and runs are history; live and tail batches and other frames are not."""
    run = HistoryRun.model_construct(session_id=BIG, file=BIG_FILE, start_offset=0, end_offset=10)
    assert is_history(_big("history", 0, 10)) and is_history(run)
    assert not is_history(_big("next", 0, 10)) and not is_history(_big("tail", 0, 10))
    assert not is_history(ValueError("a protocol error"))


async def test_a_live_batch_is_not_held_by_another_sessions_history_commit(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A history batch sent right after its file's tail is committed after it (no gap); while
    that history waits for Postgres (its session row locked by someone else), a live batch of
    another session is committed and acked; the history is acked once the lock goes."""
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, issue(pg_dsn, "agent")) as agent:
            await agent.send(_big("tail", 1000, 1100, "t1"))
            await agent.send(_big("history", 900, 1000, "h2"))  # before the tail's ack
            acks = {((a := await agent.expect_ack()).part, a.offset) for _ in range(2)}
            assert acks == {("next", 1100), ("history", 900)}
            await agent.batch(SID, FILE, 0, 10, [message("u0", "avant")])
            with psycopg.connect(pg_dsn) as locker:
                locker.execute("SELECT 1 FROM assistant.sessions WHERE id = %s FOR UPDATE", (BIG,))
                await agent.send(_big("history", 0, 900, "h1"))
                await _until_blocked(db)
                await agent.send_batch(SID, FILE, 10, 20, [message("u1", "pendant")])
                ack = await agent.expect_ack()
                assert (ack.file, ack.offset, ack.part) == (FILE, 20, "next")
                stored = db.execute("SELECT uuid FROM assistant.messages WHERE uuid = 'h1'")
                assert stored.fetchone() is None  # the history still waits
                locker.rollback()
            ack = await agent.expect_ack()
            assert (ack.file, ack.offset, ack.part) == (BIG_FILE, 0, "history")
            await agent.sync()
    rows = db.execute("SELECT uuid FROM assistant.messages ORDER BY uuid").fetchall()
    assert [r["uuid"] for r in rows] == ["h1", "h2", "t1", "u0", "u1"]
