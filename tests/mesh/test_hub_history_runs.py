"""History kept as the transcript's own bytes (history_run frames, issue 11): the same
transcript sent folded and sent as runs gives the same pages, message by message; an agent
whose hub does not take runs sends its history folded."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import psycopg

from mesh_agent.index import Index
from mesh_protocol import MAX_FRAME_BYTES, HistoryRun, Messages, dump_frame
from mesh_protocol.runs import dump_binary
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub, scripted_agent

FIXTURES = Path(__file__).parent / "fixtures" / "claude_2_1_330"
FOLDED = "5a1e0000-0000-4000-8000-00000000f01d"
RUNS = "5a1e0000-0000-4000-8000-0000000b1735"
PROJECT = "-home-moi-projet"


def _record(n: int, **fields: Any) -> bytes:
    base = {
        "parentUuid": f"x-{n - 1}" if n else None,
        "isSidechain": False,
        "uuid": f"x-{n}",
        "timestamp": f"2026-05-14T10:00:{n % 60:02d}.000Z",
        "cwd": "/home/moi/projet",
        "sessionId": "s",
    }
    return json.dumps(base | fields, ensure_ascii=False).encode() + b"\n"


def _user(n: int, content: Any, **fields: Any) -> bytes:
    return _record(n, type="user", message={"role": "user", "content": content}, **fields)


def _assistant(n: int, blocks: list[dict[str, Any]], **fields: Any) -> bytes:
    return _record(n, type="assistant", message={"role": "assistant", "content": blocks}, **fields)


def transcript() -> bytes:
    """Real Claude Code transcripts, then the lines a fold treats apart: tool uses and results,
    an image, a compact summary, a meta line, a thinking-only line, attachments between
    messages, a sidechain, a NUL character, a line too big for a batch (its fields are cut),
    a line too big for a frame even compressed and one too long to read as a run (they go
    folded), a line that is no JSON."""
    lines = [(FIXTURES / name).read_bytes() for name in ("manual_session.jsonl",)]
    lines += [(FIXTURES / "auto_session.jsonl").read_bytes()]
    noise = base64.b64encode(os.urandom(900_000)).decode()
    big = " ".join(f"mot{i}" for i in range(120_000))  # ~1 MB, compresses well
    lines += [
        _user(0, "Bonjour, lance les tests"),
        _assistant(
            1, [{"type": "text", "text": "Je lance."}, {"type": "thinking", "thinking": "…"}]
        ),
        _assistant(
            2, [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"c": "x" * 70_000}}]
        ),
        _record(3, type="attachment", attachment={"text": "pièce jointe"}),
        _user(4, [{"type": "tool_result", "tool_use_id": "t1", "content": big, "is_error": True}]),
        _user(5, [{"type": "image", "source": {}}, {"type": "text", "text": "et ça ?"}]),
        _assistant(6, [{"type": "thinking", "thinking": "rien à dire"}]),
        _user(7, "résumé", isCompactSummary=True),
        _user(8, "<command-name>/clear</command-name>", isMeta=True),
        _assistant(9, [{"type": "text", "text": "nul \x00 ici"}], isSidechain=True),
        b"this is no JSON\n",
        _user(10, [{"type": "text", "text": noise}]),
        _user(13, [{"type": "text", "text": "z" * 4_500_000}]),  # over a run's span: folded
        _record(11, type="system", content="Note système", timestamp="pas une date"),
        _assistant(12, [{"type": "text", "text": "fin"}]),
    ]
    return b"".join(lines)


def _batches(root: Path, session_id: str, data: bytes, *, runs: bool) -> list[Any]:
    """Every frame an agent sends for the file, tail first (small runs, to cut it often)."""
    folder = root / PROJECT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{session_id}.jsonl").write_bytes(data)
    index = Index(root, tail_above=4096, tail_bytes=2048, history_bytes=8192, run_bytes=8192)
    index.discover()
    index.resume({}, {}, runs=runs)
    cursor = index.files[f"{PROJECT}/{session_id}.jsonl"]
    frames = []
    while cursor.behind(len(data)):
        step = index.advance(cursor)
        if step.batch is not None:
            frames.append(step.batch)
    return frames


async def _send_all(url: str, token: str, frames: list[Any]) -> None:
    """Send every frame and wait for its ack; history runs alternately as binary messages and
    as text frames (a newer agent, an older one)."""
    async with scripted_agent(url, token, "runs") as agent:
        for n, frame in enumerate(frames):
            if isinstance(frame, HistoryRun) and n % 2:
                await agent.ws.send(dump_binary(frame))
            else:
                await agent.send(frame)
            ack = await agent.expect_ack()
            assert ack.file == frame.file


def _page(url: str, token: str, session_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{url}/api/sessions/{session_id}/messages", params={"limit": 500}, headers=auth(token)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["next_before"] is None
    return [
        {k: v for k, v in m.items() if k not in ("seq", "pos", "session_id")}
        for m in body["messages"]
    ]


async def test_history_as_runs_gives_the_pages_of_folded_history(
    pg_dsn: str, tmp_path: Path
) -> None:
    """The same transcript, its history sent folded by one agent and as runs of bytes by
    another (half of its runs as binary messages), reads the same through the pages, message by
    message; the runs path stored most of it as runs and one line too big for a frame folded."""
    data = transcript()
    folded = _batches(tmp_path / "a", FOLDED, data, runs=False)
    runs = _batches(tmp_path / "b", RUNS, data, runs=True)
    assert not any(isinstance(f, HistoryRun) for f in folded)
    assert sum(isinstance(f, HistoryRun) for f in runs) > 5
    assert any(isinstance(f, Messages) and f.part == "history" for f in runs)
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        await _send_all(url, agent_token, folded)
        await _send_all(url, agent_token, runs)
        expected, got = _page(url, full, FOLDED), _page(url, full, RUNS)
    assert len(expected) > 25
    for want, have in zip(expected, got, strict=True):
        assert have == want, want["uuid"]
    texts = {m["uuid"]: m["text"] for m in got}
    assert texts["x-9"] == "nul \ufffd ici"
    assert (
        texts["x-4"] == ""
        and "tronqué" in got[[m["uuid"] for m in got].index("x-4")]["tool_results"][0]["content"]
    )
    with psycopg.connect(pg_dsn) as conn:
        stored = conn.execute(
            "SELECT count(*) FILTER (WHERE run_id IS NOT NULL), count(*) FILTER (WHERE history) "
            "FROM assistant.messages WHERE session_id = %s",
            (RUNS,),
        ).fetchone()
    assert stored is not None and 0 < stored[0] < stored[1]
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_run_of_many_small_lines_fits_one_frame(tmp_path: Path) -> None:
    """Small lines with long uuids: the index of a run would outgrow the frame, so a run holds
    fewer lines, every frame stays within MAX_FRAME_BYTES and the runs cover the history."""
    long = "u" * 100
    data = b"".join(
        _user(n, f"court {n}", uuid=f"{long}-{n:06d}", parentUuid=f"{long}-{n - 1:06d}")
        for n in range(12_000)
    )
    folder = tmp_path / PROJECT
    folder.mkdir(parents=True)
    (folder / f"{RUNS}.jsonl").write_bytes(data)
    index = Index(tmp_path, tail_above=1024 * 1024, tail_bytes=256 * 1024)
    index.discover()
    index.resume({}, {}, runs=True)
    cursor = index.files[f"{PROJECT}/{RUNS}.jsonl"]
    frames = []
    while cursor.behind(len(data)):
        step = index.advance(cursor)
        if step.batch is not None:
            frames.append(step.batch)
    runs = [f for f in frames if isinstance(f, HistoryRun)]
    assert len(runs) > 2 and all(len(dump_frame(f)) <= MAX_FRAME_BYTES for f in frames)
    assert runs[-1].start_offset == 0
    assert all(a.start_offset == b.end_offset for a, b in itertools.pairwise(runs))
    folded = sum(len(f.messages) for f in frames if isinstance(f, Messages))
    assert sum(len(r.lines) for r in runs) + folded == 12_000


def test_an_older_hub_gets_its_history_folded(tmp_path: Path) -> None:
    """A hub whose welcome has no `history` gets no tail and no run; one without
    `history_runs` gets folded `messages` batches of part history."""
    data = transcript()
    old = _batches(tmp_path / "old", RUNS, data, runs=False)
    assert {type(f) for f in old} == {Messages}
    folder = tmp_path / "older" / PROJECT
    folder.mkdir(parents=True)
    (folder / f"{RUNS}.jsonl").write_bytes(data)
    index = Index(tmp_path / "older", tail_above=4096, tail_bytes=2048)
    index.discover()
    index.resume({}, None, runs=True)
    assert not index.runs_ok
    step = index.advance(index.files[f"{PROJECT}/{RUNS}.jsonl"])
    assert isinstance(step.batch, Messages) and step.batch.part == "next"
