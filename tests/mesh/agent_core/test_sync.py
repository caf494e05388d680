"""The transcript queue and its sync loop against an in-memory link: no socket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from mesh_agent.core import Flow
from mesh_agent.index import Index
from mesh_agent.sync import TranscriptSync
from mesh_agent.terminal import Seen
from mesh_protocol import Messages
from tests.support.transcripts import transcript_line
from tests.support.wait import until

SIDS = ["5b0f8a3c-2d1e-4f6a-9b8c-7d6e5f4a3b2c", "6c1f9b4d-3e2f-4a7b-8c9d-8e7f6a5b4c3d"]


class MemoryLink:
    """A link that records batches and announcements, with the core's flow window."""

    def __init__(self, window: int) -> None:
        self.flow = Flow(now=0.0, window=window)
        self.batches: list[Messages] = []
        self.announced: list[str] = []
        self.room = asyncio.Event()
        self.room.set()

    def has_room(self, reserve: int = 0) -> bool:
        return self.flow.has_room(reserve)

    async def wait_room(self, reserve: int = 0) -> None:
        while not self.flow.has_room(reserve):
            self.room.clear()
            await self.room.wait()

    async def send_batch(self, batch: Messages) -> None:
        self.flow.sent(batch.file, batch.end_offset, now=0.0)
        self.batches.append(batch)

    async def announce(self, session_id: str) -> None:
        self.announced.append(session_id)

    def knows(self, session_id: str) -> bool:
        return session_id in self.announced

    def ack_all(self) -> None:
        """The hub commits every batch sent so far."""
        for batch in self.batches:
            self.flow.acked(batch.file, batch.end_offset, now=0.0)
        self.room.set()


def _write(projects: Path, session_id: str, lines: int) -> Path:
    path = projects / "-p" / f"{session_id}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(transcript_line(session_id, "/p", n) for n in range(lines)))
    return path


async def test_queued_files_are_sent_in_slices_within_the_window(tmp_path: Path) -> None:
    """Two queued files are read round-robin in slices; at most a window of batches leaves
    before the hub acks, then the rest follows and every line arrives once, in order."""
    for session_id in SIDS:
        _write(tmp_path, session_id, 40)
    index = Index(tmp_path, slice_bytes=1024)
    index.discover()
    seen: list[str] = []

    async def on_seen(session_id: str, events: Iterable[Seen]) -> None:
        seen.append(session_id)

    sync = TranscriptSync(index, rescan_s=30, on_seen=on_seen)
    link = MemoryLink(window=2)
    running = asyncio.create_task(sync.run(link))
    try:
        sync.changed(index.files)
        await until(lambda: len(link.batches) == 2, what="a full window")
        await asyncio.sleep(0.05)
        assert len(link.batches) == 2  # the window is full: nothing more is read
        assert [b.session_id for b in link.batches] == sorted(SIDS)  # one slice each first
        while any(c.sent < c.ref.path.stat().st_size for c in index.files.values()):
            link.ack_all()
            await asyncio.sleep(0.01)
        for session_id in SIDS:
            mine = [b for b in link.batches if b.session_id == session_id]
            uuids = [m.uuid for b in mine for m in b.messages]
            assert uuids == [f"{session_id[:8]}-{n:06d}" for n in range(40)]
            assert all(a.end_offset == b.start_offset for a, b in pairwise(mine))
        assert set(link.announced) == set(SIDS)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def test_a_few_new_bytes_are_read_inline_and_a_backlog_in_a_thread(tmp_path: Path) -> None:
    """`advance_small` reads a file whose new bytes fit `most` (what `advance` would read);
    it declines a bigger backlog, and a file that a worker thread reads."""
    path = _write(tmp_path, SIDS[0], 3)
    index = Index(tmp_path)
    index.discover()
    cursor = index.files[next(iter(index.files))]
    assert index.advance_small(cursor, most=path.stat().st_size - 1) is None
    with cursor.lock:  # a thread reads this file
        assert index.advance_small(cursor) is None
    step = index.advance_small(cursor)
    assert step is not None and step.batch is not None
    assert [m.uuid for m in step.batch.messages] == [f"{SIDS[0][:8]}-{n:06d}" for n in range(3)]
    with path.open("ab") as handle:
        handle.write(transcript_line(SIDS[0], "/p", 3))
    step = index.advance_small(cursor)
    assert step is not None and step.batch is not None
    assert [m.uuid for m in step.batch.messages] == [f"{SIDS[0][:8]}-000003"]
    assert step.batch.end_offset == path.stat().st_size
