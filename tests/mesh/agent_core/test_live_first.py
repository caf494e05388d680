"""Live lines first: the read order of transcript files and the window slots a backlog leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from mesh_agent.core import LIVE_RESERVE, WINDOW, Flow, ReadQueue
from mesh_agent.index import Index
from mesh_agent.sync import TranscriptSync
from mesh_agent.terminal import Seen
from tests.mesh.agent_core.test_sync import SIDS, MemoryLink, _write
from tests.support.transcripts import transcript_line
from tests.support.wait import until


def test_changed_files_go_before_the_backlogs_which_take_turns() -> None:
    """Changed files are taken in the order they changed, once each however often; a file
    with more to read waits behind them, and backlogs take turns."""
    queue = ReadQueue()
    queue.changed(["big", "other"])
    assert queue.take(backlog_room=True) == "big"
    queue.more("big")  # a slice of a big file: more to read
    queue.changed(["live", "live"])
    assert queue.take(backlog_room=True) == "other"
    assert queue.take(backlog_room=True) == "live"
    assert queue.take(backlog_room=True) == "big"
    queue.more("big")
    queue.changed(["huge"])
    assert queue.take(backlog_room=True) == "huge"
    queue.more("huge")
    assert [queue.take(backlog_room=True) for _ in range(3)] == ["big", "huge", None]


def test_a_backlog_waits_for_room_and_a_changed_file_does_not() -> None:
    """Without room for a backlog only changed files are taken; a backlogged file that
    changes again is first, and not also left in the backlog."""
    queue = ReadQueue()
    queue.changed(["big"])
    assert queue.take(backlog_room=False) == "big"
    queue.more("big")
    assert queue.take(backlog_room=False) is None and queue.backlogged()
    queue.changed(["live", "big"])
    assert [queue.take(backlog_room=False) for _ in range(3)] == ["live", "big", None]
    assert not queue.backlogged()
    queue.changed(["live"])
    live = queue.take(backlog_room=True)
    queue.changed(["live"])  # written again while its slice was read
    queue.more(live or "")
    assert [queue.take(backlog_room=True) for _ in range(2)] == ["live", None]


def test_a_backlog_leaves_the_live_reserve_of_the_window() -> None:
    """Backlog batches stop LIVE_RESERVE short of the window, live ones use all of it; a tiny
    window still lets one backlog batch go."""
    flow = Flow(now=0.0)
    for end in range(1, WINDOW - LIVE_RESERVE + 1):
        flow.sent("big", end * 100, now=0.0)
    assert not flow.has_room(LIVE_RESERVE) and flow.has_room()
    assert Flow(now=0.0, window=2).has_room(LIVE_RESERVE)


async def test_a_live_line_overtakes_another_files_backlog(tmp_path: Path) -> None:
    """While a big file is sent batch by batch, leaving the live reserve of the window free,
    a line appended to another transcript goes out at once, not after the whole backlog."""
    big = _write(tmp_path, SIDS[0], 0)
    big.write_bytes(b"".join(transcript_line(SIDS[0], "/p", n, "x" * 30_000) for n in range(250)))
    live = _write(tmp_path, SIDS[1], 1)
    index = Index(tmp_path)
    index.discover()

    async def on_seen(session_id: str, events: Iterable[Seen]) -> None:
        return None

    sync = TranscriptSync(index, rescan_s=30, on_seen=on_seen)
    link = MemoryLink(window=WINDOW)
    running = asyncio.create_task(sync.run(link))
    try:
        sync.changed(index.files)
        await until(lambda: not link.flow.has_room(LIVE_RESERVE), what="the backlog's share")
        await asyncio.sleep(0.05)
        assert link.flow.in_flight() == WINDOW - LIVE_RESERVE  # the reserve stays free
        with live.open("ab") as handle:
            handle.write(transcript_line(SIDS[1], "/p", 1))
        sync.changed(key for key, cursor in index.files.items() if cursor.ref.path == live)
        await until(lambda: _sent(link, f"{SIDS[1][:8]}-000001"), what="the live line")
        assert not _sent(link, f"{SIDS[0][:8]}-000249")  # the backlog is still under way
        last = f"{SIDS[0][:8]}-000249"
        await until(lambda: link.ack_all() or _sent(link, last), what="the whole backlog")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def _sent(link: MemoryLink, uuid: str) -> bool:
    return any(m.uuid == uuid for batch in link.batches for m in batch.messages)
