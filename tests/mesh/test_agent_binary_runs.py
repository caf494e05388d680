"""The agent sends a big file's history runs as binary messages only to a hub whose welcome says
it takes them (`binary_runs`); to an older hub, as JSON text frames (base64 `data`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import to_json
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from mesh_agent.agent import Agent
from mesh_agent.config import AgentConfig
from mesh_agent.read_plan import TAIL_ABOVE
from mesh_protocol import HistoryRun, RunLine, ack_key, dump_frame, parse_agent_frame
from mesh_protocol.runs import compress, compressed, dump_binary, load_binary, unpack
from tests.support.runtime import socket_dir
from tests.support.transcripts import encoded, transcript_line
from tests.support.wait import until

SID = "b1a20000-0000-4000-8000-00000000b1e5"
CWD = "/srv/gros"
TOKEN = "agent-secret-token"


class RunHub:
    """The hub's side of the protocol for a file sent tail first: a welcome that takes tails and
    history runs (binary ones when `binary`), an ack for every batch, each message recorded."""

    def __init__(self, binary: bool) -> None:
        self.binary = binary
        self.received: list[str | bytes] = []
        self.history: dict[str, int] = {}  # file key → start of the history it holds

    async def handler(self, ws: ServerConnection) -> None:
        """Welcome, then ack every batch (history by its start)."""
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
            welcome = {"type": "welcome", "agent_id": "agt_1", "acks": {}, "history": {}}
            welcome |= {"history_runs": True} | ({"binary_runs": True} if self.binary else {})
            await ws.send(json.dumps(welcome))
            async for raw in ws:
                self.received.append(raw)
                frame = load_binary(raw) if isinstance(raw, bytes) else parse_agent_frame(raw)
                if frame.type == "ping":
                    await ws.send(json.dumps({"type": "pong", "ts": frame.ts}))
                if frame.type not in ("messages", "history_run"):
                    continue
                history = frame.part == "history"
                offset = frame.start_offset if history else frame.end_offset
                ack = {"type": "ack", "session_id": frame.session_id, "file": frame.file}
                await ws.send(json.dumps(ack | {"offset": offset, "part": frame.part}))
                if history or frame.part == "tail":
                    self.history[ack_key(frame.session_id, frame.file)] = frame.start_offset


@contextlib.asynccontextmanager
async def running(hub: RunHub, tmp_path: Path) -> AsyncIterator[bytes]:
    """The fake hub on a loopback port and an agent connected to it, whose projects/ folder
    holds a big transcript (yielded)."""
    async with serve(hub.handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        config = AgentConfig(
            hub=f"http://127.0.0.1:{port}",
            token=TOKEN,
            name="test-agent",
            claude_config_dir=tmp_path / "claude",
            relay_socket=socket_dir("br-") / "r.sock",
            heartbeat_s=0.5,
        )
        data = _big_transcript(config)
        task = asyncio.create_task(Agent(config).run())
        try:
            yield data
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def _big_transcript(config: AgentConfig) -> bytes:
    """A transcript over TAIL_ABOVE (sent tail first, its history as runs), written whole."""
    rng = random.Random(5)
    lines, n, size = [], 0, 0
    while size <= TAIL_ABOVE + 1024 * 1024:
        words = " ".join(f"{rng.random():.6f}" for _ in range(rng.randint(50, 900)))
        lines.append(transcript_line(SID, CWD, n, words))
        size += len(lines[-1])
        n += 1
    data = b"".join(lines)
    path = config.projects_dir / encoded(Path(CWD)) / f"{SID}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("binary", [True, False])
async def test_history_runs_go_binary_only_to_a_hub_that_takes_them(
    tmp_path: Path, binary: bool
) -> None:
    """A hub whose welcome has `binary_runs` gets every history run as one binary message, the
    others as text; an older hub gets them all as text frames with base64 `data`; either way
    each run holds the file's bytes it says and the runs cover the whole history."""
    hub = RunHub(binary)
    key = ack_key(SID, f"{encoded(Path(CWD))}/{SID}.jsonl")
    async with running(hub, tmp_path) as data:
        await until(lambda: hub.history.get(key) == 0, within=60, what="the whole history")
    runs: list[HistoryRun] = []
    for raw in hub.received:
        if isinstance(raw, bytes):
            runs.append(load_binary(raw))
            continue
        frame: Any = parse_agent_frame(raw)
        assert not (binary and isinstance(frame, HistoryRun)), "a text run to a binary hub"
        if isinstance(frame, HistoryRun):
            assert frame.data and frame.blob is None
            runs.append(frame)
    assert len(runs) >= 3 and runs[-1].start_offset == 0
    assert all(isinstance(raw, str) for raw in hub.received) is not binary
    for run in runs:
        held = unpack(run, compressed(run))
        assert held == data[run.start_offset : run.end_offset]


def test_a_run_carrying_its_sized_index_goes_as_the_same_frame() -> None:
    """A run given the JSON of the lines it was sized with (not serialized again) goes, binary
    or text, as the frame it would be serialized whole."""
    lines = [
        RunLine(at=0, size=40, uuid="u-1", role="user", timestamp="2026-11-30T10:00:00Z"),
        RunLine(at=41, size=30, uuid="u-2", parent_uuid="u-1", role="assistant",
                thread_parent_uuid="u-0"),
    ]  # fmt: skip
    run = HistoryRun(session_id=SID, file=f"{encoded(Path(CWD))}/{SID}.jsonl", start_offset=500,
                     end_offset=572, lines=lines)  # fmt: skip
    blob = compress(bytes(72))
    sized, whole = run.with_blob(blob, to_json(lines)), run.with_blob(blob)
    assert json.loads(dump_frame(sized)) == json.loads(dump_frame(whole))
    assert load_binary(dump_binary(sized)) == load_binary(dump_binary(whole)) == whole
