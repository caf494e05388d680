"""A live line of one file is read and sent while another file's history run is being read:
the index locks each file apart, and the sync loop reads backlogs on a task of their own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mesh_agent import index as index_module
from mesh_agent.index import Advance, Index
from mesh_agent.sync import TranscriptSync
from mesh_agent.terminal import Seen
from mesh_protocol import HistoryRun
from tests.mesh.agent_core.test_sync import SIDS, MemoryLink
from tests.support.transcripts import transcript_line
from tests.support.wait import until

BIG, LIVE = SIDS
WAIT_S = 30.0  # only ever reached when the code under test hangs


class Gate:
    """Holds every history run inside the index until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def wrap(self, run: Any) -> Any:
        """`run`, waiting at its start (the index holds the file's lock by then)."""

        def held(*args: Any) -> Any:
            self.entered.set()
            assert self.release.wait(WAIT_S), "the history run was never released"
            return run(*args)

        return held


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """History runs held until the test releases them (released at the end in any case)."""
    held = Gate()
    monkeypatch.setattr(index_module, "bytes_run", held.wrap(index_module.bytes_run))
    yield held
    held.release.set()


def _files(projects: Path) -> tuple[Index, Path, Path]:
    """An index whose BIG file has its tail sent and its history missing, and a LIVE file."""
    folder = projects / "-p"
    folder.mkdir(parents=True)
    big = folder / f"{BIG}.jsonl"
    big.write_bytes(b"".join(transcript_line(BIG, "/p", n, "x" * 3000) for n in range(40)))
    live = folder / f"{LIVE}.jsonl"
    live.write_bytes(transcript_line(LIVE, "/p", 0))
    index = Index(projects, tail_above=32 * 1024, tail_bytes=8 * 1024, run_bytes=16 * 1024)
    index.discover()
    index.resume({}, {}, runs=True)
    cursor = _cursor(index, big)
    while cursor.history is None or cursor.sent < big.stat().st_size:  # the tail, then more
        index.advance(cursor)
    return index, big, live


def _cursor(index: Index, path: Path) -> Any:
    return next(c for c in index.files.values() if c.ref.path == path)


def _append(path: Path, session_id: str, n: int) -> None:
    with path.open("ab") as handle:
        handle.write(transcript_line(session_id, "/p", n))


def test_a_live_file_is_read_while_another_files_history_run_is(tmp_path: Path, gate: Gate) -> None:
    """While a thread holds BIG's history run, LIVE's new line is read at once, inline (no
    wait for the run); the run then completes, and a resume waits for a read under way."""
    index, big, live = _files(tmp_path)
    outcome: list[Advance] = []
    reading = threading.Thread(target=lambda: outcome.append(index.advance(_cursor(index, big))))
    reading.start()
    assert gate.entered.wait(WAIT_S)
    _append(live, LIVE, 1)
    step = index.advance_small(_cursor(index, live))
    assert step is not None and step.batch is not None, "the live line waited for the run"
    assert [m.uuid for m in step.batch.messages] == [f"{LIVE[:8]}-000000", f"{LIVE[:8]}-000001"]
    assert index.advance_small(_cursor(index, big)) is None  # the file being read: declined
    tail_start = _cursor(index, big).history
    resumed = threading.Thread(target=index.resume, args=({}, {}), kwargs={"runs": True})
    resumed.start()  # a new connection: the hub has nothing of BIG
    gate.release.set()
    reading.join(WAIT_S)
    resumed.join(WAIT_S)
    assert isinstance(outcome[0].batch, HistoryRun) and outcome[0].batch.end_offset == tail_start
    # rewound after the run, not during it (the run would have moved the history down)
    assert (_cursor(index, big).sent, _cursor(index, big).history) == (0, None)


async def test_the_sync_loop_sends_a_live_line_during_a_history_run(
    tmp_path: Path, gate: Gate
) -> None:
    """While BIG's history run is held on the backlog's task, a line appended to LIVE is sent;
    BIG's run goes once released, and a change of BIG meanwhile is read after its run."""
    index, big, live = _files(tmp_path)
    _cursor(index, live).sent = _cursor(index, live).scanned = live.stat().st_size

    async def on_seen(session_id: str, events: Iterable[Seen]) -> None:
        return None

    sync = TranscriptSync(index, rescan_s=30, on_seen=on_seen)
    link = MemoryLink(window=8)
    running = asyncio.create_task(sync.run(link))
    try:
        sync.changed([_cursor(index, big).ref.key])
        await until(gate.entered.is_set, what="the history run under way")
        _append(live, LIVE, 1)
        _append(big, BIG, 40)
        sync.changed([_cursor(index, big).ref.key, _cursor(index, live).ref.key])
        await until(lambda: _uuids(link) == [f"{LIVE[:8]}-000001"], what="the live line")
        gate.release.set()
        await until(lambda: f"{BIG[:8]}-000040" in _uuids(link), what="BIG's new line")
        kinds = [type(b).__name__ for b in link.batches]
        assert kinds[:3] == ["Messages", "HistoryRun", "Messages"]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def _uuids(link: MemoryLink) -> list[str]:
    return [
        m.uuid
        for batch in link.batches
        for m in (batch.lines if isinstance(batch, HistoryRun) else batch.messages)
        if m.uuid
    ]
