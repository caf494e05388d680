"""Big transcripts, tail first: the pure decision of what to read next, the line boundaries a
tail and a history batch start at, and the index sending a file's tail, then its history newest
first, with no socket."""

from __future__ import annotations

import json
import tracemalloc
from itertools import pairwise
from pathlib import Path

from mesh_agent.core import Flow
from mesh_agent.index import BATCH_BUDGET, Index
from mesh_agent.read_plan import Read, next_read
from mesh_agent.reader import line_start, line_start_before
from mesh_protocol import Messages, ack_key
from tests.support.transcripts import transcript_line

SID = "7d2e0b5c-4f3a-4b8c-9d0e-1f2a3b4c5d6e"
CWD = "/home/moi/gros projet"


def test_a_big_new_file_goes_tail_first_only_to_a_hub_that_takes_it() -> None:
    """A file the hub has nothing of, larger than the threshold, starts near its end; an old hub
    (no tail) or a small file is read from the start."""
    big = {"size": 100, "sent": 0, "scanned": 0, "history": None, "tail_above": 50}
    assert next_read(**big, tail_ok=True, tail_bytes=30) == Read("tail", 70, 70)
    assert next_read(**big, tail_ok=False, tail_bytes=30) == Read("next", 0, 0)
    small = big | {"size": 40}
    assert next_read(**small, tail_ok=True, tail_bytes=30) == Read("next", 0, 0)
    known = big | {"sent": 10, "scanned": 10}
    assert next_read(**known, tail_ok=True, tail_bytes=30) == Read("next", 10, 10)


def test_new_bytes_go_before_the_history_which_goes_newest_first() -> None:
    """With history missing, appended bytes are sent first; then the history, one run of
    about `history_bytes` just below what the hub holds at a time, down to the file's start."""
    pending = {"size": 120, "sent": 100, "scanned": 100, "history": 70, "tail_ok": True}
    assert next_read(**pending, history_bytes=30) == Read("next", 100, 100)
    caught_up = pending | {"sent": 120, "scanned": 120}
    assert next_read(**caught_up, history_bytes=30) == Read("history", 40, 40, 70)
    assert next_read(**caught_up | {"history": 20}, history_bytes=30) == Read("history", 0, 0, 20)
    assert next_read(**caught_up | {"history": None}) is None


def test_history_acks_and_forward_acks_free_their_own_batches() -> None:
    """A file's history batches (acked at their start, going down) and its forward batches
    (acked at their end) have separate windows: an ack of one never frees the other."""
    flow = Flow(now=0.0)
    flow.sent("f", 1000, now=0.0)
    flow.sent("f", 300, now=0.0, part="history")
    flow.sent("f", 100, now=0.0, part="history")
    flow.acked("f", 1000, now=0.0)
    assert flow.in_flight() == 2
    flow.acked("f", 300, now=0.0, part="history")
    assert flow.in_flight() == 1
    flow.acked("f", 100, now=0.0, part="history")
    assert flow.in_flight() == 0


def test_a_tail_starts_at_the_next_complete_line(tmp_path: Path) -> None:
    """The tail starts at the first line start at or after the point asked, across chunks,
    and only if a complete line follows it."""
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"aaaa\n" + b"b" * 50 + b"\ncc\nhalf")
    assert line_start(path, 0) == 0
    assert line_start(path, 5) == 5
    assert line_start(path, 2, chunk=4) == 5
    assert line_start(path, 6, chunk=8) == 56
    assert line_start(path, 57) is None  # "cc\n" starts at 56; after it only a half line
    assert line_start(path, 59) is None


def test_a_history_batch_starts_at_the_line_start_before(tmp_path: Path) -> None:
    """A history batch starts at the last line start at or before the point asked, found
    reading backwards across chunks (the file's start when no newline precedes it)."""
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"aaaa\n" + b"b" * 50 + b"\ncc\n")
    assert line_start_before(path, 0) == 0
    assert line_start_before(path, 3) == 0
    assert line_start_before(path, 5) == 5
    assert line_start_before(path, 40, chunk=4) == 5
    assert line_start_before(path, 56, chunk=8) == 56
    assert line_start_before(path, 58, chunk=3) == 56


def _big(projects: Path, lines: int) -> tuple[Path, list[bytes]]:
    path = projects / "-p" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    data = [transcript_line(SID, CWD, n, f"{n} " + "x" * 3000) for n in range(lines)]
    path.write_bytes(b"".join(data))
    return path, data


def _drain(index: Index, key: str) -> list[Messages]:
    cursor = index.files[key]
    batches = []
    while True:
        before = cursor.progress()
        step = index.advance(cursor)
        if step.batch is not None:
            batches.append(step.batch)
        if cursor.progress() == before:
            return batches


def test_index_sends_the_tail_then_the_history_newest_first(tmp_path: Path) -> None:
    """The first batch holds the newest lines; the history follows in runs of whole lines, each
    ending where the one before began, down to the file's start; every line is sent once and
    the metadata ends complete (the first prompt is the file's first)."""
    path, data = _big(tmp_path, 400)
    index = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    index.history_bytes = 20 * 1024
    [cursor] = index.discover()
    index.resume({}, {})
    batches = _drain(index, cursor.ref.key)
    tail, history = batches[0], batches[1:]
    assert tail.part == "tail" and tail.end_offset == path.stat().st_size
    assert tail.messages[-1].uuid == f"{SID[:8]}-000399"
    start = tail.start_offset
    assert start == sum(len(line) for line in data[: len(data) - len(tail.messages)])
    assert {b.part for b in history} == {"history"} and len(history) > 3
    assert history[0].end_offset == start and history[-1].start_offset == 0
    assert all(a.start_offset == b.end_offset for a, b in pairwise(history))
    assert all(b.end_offset - b.start_offset < 24 * 1024 for b in history)
    uuids = [m.uuid for b in [*reversed(history), tail] for m in b.messages]
    assert uuids == [f"{SID[:8]}-{n:06d}" for n in range(400)]
    assert cursor.history is None and cursor.scanned == path.stat().st_size
    assert index.sessions[SID].cwd == CWD and index.sessions[SID].first_prompt.startswith("0 x")


def test_a_history_batch_keeps_its_newest_lines_within_the_frame_budget(tmp_path: Path) -> None:
    """When the lines below the hub's history exceed a batch's budget, the batch holds the
    newest of them that fit; the older ones come in the next batch, nothing lost."""
    _big(tmp_path, 1200)
    index = Index(tmp_path, tail_above=64 * 1024, tail_bytes=8 * 1024)
    index.history_bytes = 2 * 1024 * 1024
    [cursor] = index.discover()
    index.resume({}, {})
    tail, *history = _drain(index, cursor.ref.key)
    assert all(sum(len(m.text) for m in b.messages) <= BATCH_BUDGET for b in history)
    assert history[0].end_offset == tail.start_offset and history[-1].start_offset == 0
    assert all(a.start_offset == b.end_offset for a, b in pairwise(history))
    uuids = [m.uuid for b in [*reversed(history), tail] for m in b.messages]
    assert uuids == [f"{SID[:8]}-{n:06d}" for n in range(1200)]


def test_metadata_folded_backwards_ends_as_in_file_order(tmp_path: Path) -> None:
    """Titles and modes from the tail stay (they are the latest), those only the history has
    arrive with it, and the first prompt is the file's first, never one of the tail's."""
    path = tmp_path / "-p" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    title = {"type": "custom-title", "customTitle": "Refonte", "sessionId": SID}
    lines = [transcript_line(SID, CWD, 0, "<command>x</command>", permissionMode="plan")]
    lines += [json.dumps(title).encode() + b"\n"]
    lines += [transcript_line(SID, CWD, n, f"{n} " + "x" * 3000) for n in range(1, 400)]
    lines += [transcript_line(SID, CWD, 400, "fin", permissionMode="acceptEdits")]
    path.write_bytes(b"".join(lines))
    index = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    index.history_bytes = 20 * 1024
    [cursor] = index.discover()
    index.resume({}, {})
    index.advance(cursor)
    meta = index.sessions[SID]
    assert (meta.permission_mode, meta.title, meta.cwd) == ("acceptEdits", "", CWD)
    index.advance(cursor)
    assert meta.first_prompt.startswith("2 x") and not meta.custom_title
    _drain(index, cursor.ref.key)
    assert (meta.permission_mode, meta.custom_title) == ("acceptEdits", "Refonte")
    assert meta.first_prompt.startswith("2 x")  # line 0 is a command, 1 an assistant's


def test_lines_appended_while_the_history_is_missing_go_first(tmp_path: Path) -> None:
    """A line written during the backfill is sent before the rest of the history; the tail
    tells the session's folder at once."""
    path, _ = _big(tmp_path, 400)
    index = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    [cursor] = index.discover()
    index.resume({}, {})
    assert (tail := index.advance(cursor).batch) is not None and tail.part == "tail"
    meta = index.sessions[SID]
    assert meta.cwd == CWD and not meta.first_prompt  # the folder at once, the prompt later
    history = index.advance(cursor).batch
    assert history is not None and history.part == "history"
    assert meta.first_prompt.startswith("0 x")  # looked for at the file's start: the title
    with open(path, "ab") as handle:
        handle.write(transcript_line(SID, CWD, 400))
    live = index.advance(cursor).batch
    assert live is not None and live.part == "next"
    assert [m.uuid for m in live.messages] == [f"{SID[:8]}-000400"]
    assert (nxt := index.advance(cursor).batch) is not None and nxt.part == "history"
    assert nxt.end_offset == history.start_offset


def test_a_restart_mid_backfill_resumes_the_history_where_the_hub_has_it(tmp_path: Path) -> None:
    """A new agent told by the hub that [0, x) of the history is missing scans from x up for
    metadata, sends the history backwards from x, and never sends the tail again."""
    path, _ = _big(tmp_path, 400)
    first = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    [cursor] = first.discover()
    first.resume({}, {})
    tail = first.advance(cursor).batch
    sent = first.advance(cursor).batch
    assert tail is not None and sent is not None
    key = ack_key(SID, cursor.ref.key)
    again = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    [fresh] = again.discover()
    again.resume({key: tail.end_offset}, {key: sent.start_offset})
    batches = _drain(again, fresh.ref.key)
    assert all(b.part == "history" for b in batches)
    assert batches[0].end_offset == sent.start_offset
    assert batches[-1].start_offset == 0
    assert again.sessions[SID].cwd == CWD and fresh.scanned == path.stat().st_size
    assert again.sessions[SID].first_prompt.startswith("0 x")


def test_lines_of_several_mb_are_indexed_one_at_a_time(tmp_path: Path) -> None:
    """Eight 3 MiB lines (a huge tool result each) are read, parsed and batched with a peak of
    allocated memory under four lines' worth: one line and its parsed form at a time."""
    line = 3 * 1024 * 1024
    path = tmp_path / "-p" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    with open(path, "wb") as handle:
        for n in range(8):
            handle.write(transcript_line(SID, CWD, n, "é" * (line // 2)))
    index = Index(tmp_path)
    [cursor] = index.discover()
    index.resume({}, None)
    tracemalloc.start()
    try:
        batches = _drain(index, cursor.ref.key)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(len(b.messages) for b in batches) == 8
    assert peak < 4 * line, f"peak {peak / 2**20:.1f} MiB"


def test_an_older_hub_gets_every_file_in_file_order(tmp_path: Path) -> None:
    """A hub whose welcome says nothing of history (older than tail first) gets a big new file
    from its start, in `next` batches only."""
    _big(tmp_path, 400)
    index = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    [cursor] = index.discover()
    index.resume({}, None)
    batches = _drain(index, cursor.ref.key)
    assert {b.part for b in batches} == {"next"} and batches[0].start_offset == 0
    assert [m.uuid for b in batches for m in b.messages][-1] == f"{SID[:8]}-000399"


def test_reading_the_history_leaves_the_recent_threads_alone(tmp_path: Path) -> None:
    """A line written after the backfill still names the message it continues across the
    tail's last line (an attachment), however many history lines were read meanwhile."""
    path, _ = _big(tmp_path, 400)
    last = f"{SID[:8]}-000399"
    attachment = {"type": "attachment", "uuid": "att-1", "parentUuid": last, "sessionId": SID}
    with open(path, "ab") as handle:
        handle.write(json.dumps(attachment).encode() + b"\n")
    index = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    index.history_bytes = 20 * 1024
    index.threads.size = index.history_threads.size = 50  # fewer than the history's lines
    [cursor] = index.discover()
    index.resume({}, {})
    _drain(index, cursor.ref.key)
    with open(path, "ab") as handle:
        handle.write(transcript_line(SID, CWD, 400, parentUuid="att-1"))
    [new] = _drain(index, cursor.ref.key)
    assert new.messages[0].thread_parent_uuid == last


def test_a_reconnection_resends_the_unacked_history_once_and_keeps_the_metadata(
    tmp_path: Path,
) -> None:
    """A connection lost with every history batch unacked: the next welcome's history makes
    the same agent send the same runs again, newest first, and the first prompt stays the
    file's first (the lines are not folded twice)."""
    path, _ = _big(tmp_path, 400)
    index = Index(tmp_path, slice_bytes=16 * 1024, tail_above=64 * 1024, tail_bytes=8 * 1024)
    index.history_bytes = 20 * 1024
    [cursor] = index.discover()
    index.resume({}, {})
    tail, *history = _drain(index, cursor.ref.key)
    key = ack_key(SID, cursor.ref.key)
    index.resume({key: tail.end_offset}, {key: tail.start_offset})
    first = index.advance(cursor).batch
    assert first is not None
    assert index.sessions[SID].first_prompt.startswith("0 x")  # not the run's first prompt
    again = [first, *_drain(index, cursor.ref.key)]
    assert [(b.start_offset, b.end_offset) for b in again] == [
        (b.start_offset, b.end_offset) for b in history
    ]
    assert [m.uuid for b in again for m in b.messages] == [
        m.uuid for b in history for m in b.messages
    ]
    assert index.sessions[SID].first_prompt.startswith("0 x")
    assert cursor.history is None and cursor.scanned == path.stat().st_size
