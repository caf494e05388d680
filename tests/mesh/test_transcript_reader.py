"""Transcripts are read incrementally from byte offsets, in bounded memory, on real files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mesh_agent.index import BATCH_BUDGET, Index
from mesh_agent.reader import FileShrunk, Line, discover, read_lines, transcript_ref
from mesh_protocol import MAX_FRAME_BYTES, ack_key

SID = "7ea8a545-ad35-4404-af13-9eb69725f374"
PROJECT = "-home-moi-projet--t--x"
CWD = "/home/moi/projet été x"


def _line(n: int, text: str = "", **extra: Any) -> bytes:
    record = {
        "type": "user" if n % 2 == 0 else "assistant",
        "uuid": f"u-{n}",
        "parentUuid": f"u-{n - 1}" if n else None,
        "sessionId": SID,
        "cwd": CWD,
        "gitBranch": "main",
        "timestamp": f"2026-05-14T09:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "message": {"content": [{"type": "text", "text": text or f"message {n}"}]},
        **extra,
    }
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _transcript(projects: Path, session: str = SID) -> Path:
    path = projects / PROJECT / f"{session}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return path


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


def test_half_written_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    """Only complete lines are read; the rest is read once its newline is written."""
    path = tmp_path / "t.jsonl"
    first, second = _line(0), _line(1)
    path.write_bytes(first + second[:10])
    assert list(read_lines(path, 0)) == [Line(first[:-1], len(first))]
    assert list(read_lines(path, len(first))) == []
    _append(path, second[10:])
    assert list(read_lines(path, len(first))) == [Line(second[:-1], len(first) + len(second))]


def test_lines_spanning_chunks_are_reassembled(tmp_path: Path) -> None:
    """Lines longer than the read chunk come back whole, with exact end offsets."""
    path = tmp_path / "t.jsonl"
    data = b"".join(_line(n, "é" * (n * 7)) for n in range(30))
    path.write_bytes(data)
    lines = list(read_lines(path, 0, chunk=16, max_bytes=1 << 30))
    assert b"\n".join(x.data or b"" for x in lines) + b"\n" == data
    assert lines[-1].end == len(data)


def test_over_long_line_is_skipped_not_held(tmp_path: Path) -> None:
    """A line over max_line bytes is reported as skipped and reading goes on after it."""
    path = tmp_path / "t.jsonl"
    huge = _line(1, "x" * 5000)
    path.write_bytes(_line(0) + huge + _line(2))
    lines = list(read_lines(path, 0, chunk=64, max_line=1000))
    assert [x.data is None for x in lines] == [False, True, False]
    assert lines[-1].end == path.stat().st_size


def test_each_call_reads_about_max_bytes_but_always_progresses(tmp_path: Path) -> None:
    """A small budget stops early; a line bigger than the budget is still returned."""
    path = tmp_path / "t.jsonl"
    path.write_bytes(_line(0, "y" * 3000) + _line(1))
    lines = list(read_lines(path, 0, max_bytes=10, chunk=64))
    assert len(lines) == 1 and lines[0].data is not None


def test_offset_past_the_end_means_the_file_shrank(tmp_path: Path) -> None:
    """Reading a truncated file from an old offset raises FileShrunk."""
    path = tmp_path / "t.jsonl"
    path.write_bytes(_line(0))
    with pytest.raises(FileShrunk):
        list(read_lines(path, 10_000))


def test_discovery_keeps_transcripts_and_ignores_the_rest(tmp_path: Path) -> None:
    """Main and subagent transcripts are found; other files and bad names are ignored."""
    main = _transcript(tmp_path)
    sub = tmp_path / PROJECT / SID / "subagents" / "agent-a1b2.jsonl"
    sub.parent.mkdir(parents=True)
    sub.touch()
    (tmp_path / PROJECT / "notes.txt").touch()
    (tmp_path / PROJECT / "bad id!.jsonl").touch()
    (tmp_path / PROJECT / "memory").mkdir()
    refs = discover(tmp_path)
    assert [(r.key, r.main, r.session_id) for r in refs] == [
        (f"{PROJECT}/{SID}.jsonl", True, SID),
        (f"{PROJECT}/{SID}/subagents/agent-a1b2.jsonl", False, SID),
    ]
    assert refs[0].path == main
    assert transcript_ref(tmp_path, tmp_path.parent / "x.jsonl") is None


def test_index_batches_new_lines_and_folds_metadata(tmp_path: Path) -> None:
    """New complete lines become one batch with exact offsets, and the session is described."""
    path = _transcript(tmp_path)
    _append(path, _line(0, "Ajoute un endpoint") + b'{"type":"queue-operation"}\n' + _line(1))
    index = Index(tmp_path)
    [cursor] = index.discover()
    step = index.advance(cursor)
    assert step.meta_changed
    assert step.batch is not None
    assert (step.batch.start_offset, step.batch.end_offset) == (0, path.stat().st_size)
    assert [m.uuid for m in step.batch.messages] == ["u-0", "u-1"]
    meta = index.sessions[SID]
    assert (meta.cwd, meta.project, meta.title) == (CWD, "projet été x", "Ajoute un endpoint")
    assert index.advance(cursor).batch is None
    _append(path, _line(2)[:20])
    assert index.advance(cursor).batch is None
    _append(path, _line(2)[20:])
    again = index.advance(cursor).batch
    assert again is not None and [m.uuid for m in again.messages] == ["u-2"]


def test_skipped_lines_only_move_the_offset(tmp_path: Path) -> None:
    """A slice of bookkeeping lines gives an empty batch so that the hub's offset moves on."""
    path = _transcript(tmp_path)
    _append(path, b'{"type":"attachment","uuid":"a"}\n{"type":"mode"}\n')
    index = Index(tmp_path)
    [cursor] = index.discover()
    batch = index.advance(cursor).batch
    assert batch is not None and batch.messages == [] and batch.end_offset == path.stat().st_size


def test_batches_stay_under_the_frame_limit(tmp_path: Path) -> None:
    """Many large messages are split into batches that each fit in a frame."""
    path = _transcript(tmp_path)
    _append(path, b"".join(_line(n, "zé€" * 20_000) for n in range(40)))
    index = Index(tmp_path)
    [cursor] = index.discover()
    batches = []
    while (batch := index.advance(cursor).batch) is not None:
        batches.append(batch)
    assert len(batches) > 2
    sizes = [len(b.model_dump_json().encode()) for b in batches]
    assert all(size < MAX_FRAME_BYTES for size in sizes)
    assert all(size <= BATCH_BUDGET + 200_000 for size in sizes)
    assert [b.start_offset for b in batches[1:]] == [b.end_offset for b in batches[:-1]]
    assert sum(len(b.messages) for b in batches) == 40


def test_a_huge_message_is_shrunk_to_fit_a_frame(tmp_path: Path) -> None:
    """A line with many big tool results still fits in one frame."""
    path = _transcript(tmp_path)
    blocks = [
        {"type": "tool_result", "tool_use_id": f"t{i}", "content": "\x01" * 60_000}
        for i in range(8)
    ]
    _append(path, _line(0, message={"content": blocks}))
    index = Index(tmp_path)
    [cursor] = index.discover()
    batch = index.advance(cursor).batch
    assert batch is not None and len(batch.messages[0].tool_results) == 8
    assert len(batch.model_dump_json().encode()) < MAX_FRAME_BYTES


def test_resume_resends_only_what_the_hub_did_not_commit(tmp_path: Path) -> None:
    """After a reconnect, the next batch starts at the acked offset; metadata is not refolded."""
    path = _transcript(tmp_path)
    _append(path, _line(0) + b'{"type":"custom-title","customTitle":"Ancien"}\n')
    acked = path.stat().st_size
    _append(path, _line(1) + b'{"type":"custom-title","customTitle":"Nouveau"}\n' + _line(2))
    index = Index(tmp_path)
    [cursor] = index.discover()
    first = index.advance(cursor).batch
    assert first is not None and len(first.messages) == 3
    key = cursor.ref.key
    index.resume({ack_key(SID, key): acked})
    again = index.advance(cursor).batch
    assert again is not None and again.start_offset == acked
    assert [m.uuid for m in again.messages] == ["u-1", "u-2"]
    assert index.sessions[SID].title == "Nouveau"


def test_restart_with_everything_acked_scans_metadata_but_sends_nothing(tmp_path: Path) -> None:
    """A fresh index whose file the hub fully committed learns the title and sends no batch."""
    path = _transcript(tmp_path)
    _append(path, _line(0, "Premier prompt") + _line(1))
    index = Index(tmp_path)
    [cursor] = index.discover()
    index.resume({ack_key(SID, cursor.ref.key): path.stat().st_size})
    step = index.advance(cursor)
    assert step.batch is None and step.meta_changed
    assert index.sessions[SID].title == "Premier prompt"
    assert index.behind() == []


def test_rewritten_file_is_read_again_from_the_start(tmp_path: Path) -> None:
    """A file that shrank below the sent offset is re-read from 0."""
    path = _transcript(tmp_path)
    _append(path, _line(0) + _line(1) + _line(2))
    index = Index(tmp_path)
    [cursor] = index.discover()
    index.advance(cursor)
    path.write_bytes(_line(5))
    assert index.advance(cursor).batch is None
    batch = index.advance(cursor).batch
    assert batch is not None and batch.start_offset == 0 and batch.messages[0].uuid == "u-5"


def test_subagent_messages_belong_to_their_session(tmp_path: Path) -> None:
    """A subagent transcript's batch names the parent session and is marked sidechain."""
    _transcript(tmp_path)
    sub = tmp_path / PROJECT / SID / "subagents" / "agent-1.jsonl"
    sub.parent.mkdir(parents=True)
    sub.write_bytes(_line(0, "tâche", isSidechain=True))
    index = Index(tmp_path)
    cursors = index.discover()
    batch = index.advance(cursors[1]).batch
    assert batch is not None and batch.session_id == SID
    assert batch.messages[0].is_sidechain and index.sessions[SID].title == ""


def test_changes_reported_through_a_symlinked_config_are_tracked(tmp_path: Path) -> None:
    """A ~/.claude that is a symlink still maps the watcher's real paths to transcripts."""
    real = tmp_path / "real-projects"
    path = _transcript(real)
    link = tmp_path / "projects"
    link.symlink_to(real)
    cursor = Index(link).track(path)
    assert cursor is not None and cursor.ref.key == f"{PROJECT}/{SID}.jsonl"
    assert Index(link).track(tmp_path / "elsewhere.jsonl") is None
