"""The agent names the message each message continues, across lines that are no message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mesh_agent.index import Index, Threads

SID = "7ea8a545-ad35-4404-af13-9eb69725f375"
PROJECT = "-home-moi-fourche"


def _rec(uuid: str, parent: str | None, kind: str, text: str = "", **extra: Any) -> bytes:
    record: dict[str, Any] = {"type": kind, "uuid": uuid, "parentUuid": parent, **extra}
    if kind in ("user", "assistant"):
        record["message"] = {"content": [{"type": "text", "text": text}] if text else []}
    return json.dumps(record).encode() + b"\n"


def test_a_fork_after_skipped_lines_names_the_same_message(tmp_path: Path) -> None:
    """Two turns continuing a turn-duration line (after an attachment) both continue the
    assistant message before them; a message right after its parent sends no extra field."""
    path = tmp_path / PROJECT / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        _rec("u1", None, "user", "bonjour")
        + _rec("a1", "u1", "assistant", "Salut.")
        + _rec("att", "a1", "attachment", attachment={"type": "x"})
        + _rec("think", "att", "assistant")  # thinking only: no message
        + _rec("dur", "think", "system", subtype="turn_duration")
        + b'{"type":"last-prompt"}\n'
        + _rec("p1", "dur", "user", "du téléphone")
        + _rec("t1", "dur", "user", "du terminal")
    )
    index = Index(tmp_path)
    [cursor] = index.discover()
    batch = index.advance(cursor).batch
    assert batch is not None
    got = {m.uuid: (m.parent_uuid, m.thread_parent_uuid) for m in batch.messages}
    assert got == {
        "u1": (None, None),
        "a1": ("u1", None),
        "p1": ("dur", "a1"),
        "t1": ("dur", "a1"),
    }


def test_threads_forget_the_oldest_lines() -> None:
    """The map is bounded: an unknown line resolves to itself."""
    threads = Threads(size=2)
    threads.add("a", "root")
    assert threads.resolve("a") == "root"
    threads.add("b", "root")
    threads.add("c", "b")
    assert threads.resolve("c") == "b" and threads.resolve("b") == "root"
    assert threads.resolve("a") == "a"  # forgotten: itself
    assert threads.resolve("zz") == "zz" and threads.resolve(None) is None


def test_a_long_skipped_line_keeps_the_thread_without_parsing(tmp_path: Path) -> None:
    """A 300 KB attachment between a message and the next turn still links them."""
    path = tmp_path / PROJECT / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    big = {
        "parentUuid": "a1",
        "type": "attachment",
        "attachment": {"uuid": "inner", "t": "x" * 300_000},
    }
    big["uuid"] = "att"
    path.write_bytes(
        _rec("a1", None, "assistant", "Salut.")
        + json.dumps(big).encode()
        + b"\n"
        + _rec("u2", "att", "user", "suite")
    )
    index = Index(tmp_path)
    [cursor] = index.discover()
    batch = index.advance(cursor).batch
    assert batch is not None
    assert [(m.uuid, m.thread_parent_uuid) for m in batch.messages] == [("a1", None), ("u2", "a1")]


def test_a_history_run_names_the_message_its_first_line_continues(tmp_path: Path) -> None:
    """A big file's history sent newest first, one line per run: a turn right after an
    attachment, at the start of its run, still names the assistant message before the
    attachment (the lines below a run are read for their threads)."""
    path = tmp_path / PROJECT / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    filler = "x" * 2000
    head = (
        _rec("u1", None, "user", "bonjour")
        + _rec("a1", "u1", "assistant", "Salut.")
        + _rec("att", "a1", "attachment", attachment={"type": "x"})
        + _rec("u2", "att", "user", "suite")
    )
    tail = b"".join(_rec(f"f{n}", "u2", "assistant", filler) for n in range(40))
    path.write_bytes(head + tail)
    index = Index(tmp_path, tail_above=16 * 1024, tail_bytes=8 * 1024, history_bytes=1)
    [cursor] = index.discover()
    index.resume({}, {})
    batches = []
    while (step := index.advance(cursor)).batch is not None:
        batches.append(step.batch)
    [u2] = [m for b in batches for m in b.messages if m.uuid == "u2"]
    assert u2.thread_parent_uuid == "a1"
