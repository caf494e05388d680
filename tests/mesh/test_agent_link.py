"""The agent against a protocol-faithful fake hub on a loopback port: resume, flow, failures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from mesh_agent.agent import Agent, FatalHubError
from mesh_agent.config import AgentConfig
from mesh_agent.core import LIVE_RESERVE, WINDOW
from tests.fakes.anthropic import (
    Answer,
    ToolCall,
    bundled_cli,
    claude_env,
    running_fake_anthropic,
)
from tests.support.runtime import socket_dir
from tests.support.transcripts import encoded, transcript_line
from tests.support.wait import until

SID = "3c2b1a00-dddd-4eee-8fff-000011112222"
CWD = "/srv/projet"
TOKEN = "agent-secret-token"


class FakeHub:
    """Speaks the hub's side of the agent protocol and records every frame."""

    def __init__(self) -> None:
        self.acks: dict[str, int] = {}
        self.frames: list[dict[str, Any]] = []
        self.auto_ack = True
        self.silent = False
        self.connections = 0
        self.current: ServerConnection | None = None
        self.unacked: list[dict[str, Any]] = []

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        """Frames of one type received so far."""
        return [f for f in self.frames if f["type"] == kind]

    def check_token(self, conn: ServerConnection, request: Request) -> Response | None:
        """Refuse the handshake without the agent token (HTTP 401)."""
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return conn.respond(401, "unknown token\n")
        return None

    async def handler(self, ws: ServerConnection) -> None:
        """Welcome with the stored acks, then ack every batch (when auto_ack)."""
        self.connections += 1
        self.current = ws
        with contextlib.suppress(ConnectionClosed):
            await self._serve(ws)

    async def _serve(self, ws: ServerConnection) -> None:
        self.frames.append(json.loads(await ws.recv()))
        await ws.send(json.dumps({"type": "welcome", "agent_id": "agt_1", "acks": self.acks}))
        async for raw in ws:
            frame = json.loads(raw)
            self.frames.append(frame)
            if self.silent:
                continue
            if frame["type"] == "messages":
                if self.auto_ack:
                    await self.ack(ws, frame)
                else:
                    self.unacked.append(frame)
            elif frame["type"] == "ping":
                await ws.send(json.dumps({"type": "pong", "ts": frame["ts"]}))

    async def ack(self, ws: ServerConnection, frame: dict[str, Any]) -> None:
        """Commit a batch and acknowledge it."""
        self.acks[f"{frame['session_id']}/{frame['file']}"] = frame["end_offset"]
        ack = {k: frame[k] for k in ("session_id", "file")} | {"offset": frame["end_offset"]}
        await ws.send(json.dumps({"type": "ack", **ack}))

    async def send(self, frame: dict[str, Any]) -> None:
        """Send a frame to the connected agent."""
        assert self.current is not None
        await self.current.send(json.dumps(frame))


@pytest.fixture
async def hub() -> AsyncIterator[tuple[FakeHub, str]]:
    """The fake hub on a loopback port."""
    fake = FakeHub()
    server: Server = await serve(fake.handler, "127.0.0.1", 0, process_request=fake.check_token)
    port = next(iter(server.sockets)).getsockname()[1]
    yield fake, f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


def _config(tmp_path: Path, hub_url: str, **extra: Any) -> AgentConfig:
    values: dict[str, Any] = {
        "hub": hub_url,
        "token": TOKEN,
        "name": "test-agent",
        "claude_config_dir": tmp_path / "claude",
        "relay_socket": socket_dir("ml-") / "r.sock",
        "heartbeat_s": 0.5,
        "rescan_s": 0.5,
        "live_poll_s": 0.2,
        "reconnect_initial_s": 0.05,
        "reconnect_max_s": 0.2,
    }
    values.update(extra)
    return AgentConfig(**values)


def _transcript(config: AgentConfig, lines: bytes) -> Path:
    path = config.projects_dir / encoded(Path(CWD)) / f"{SID}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    _append(path, lines)
    return path


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


@pytest.fixture
async def start() -> AsyncIterator[Callable[[AgentConfig], asyncio.Task[None]]]:
    """Start agents in this event loop; cancel them at the end."""
    tasks: list[asyncio.Task[None]] = []

    def run(config: AgentConfig) -> asyncio.Task[None]:
        tasks.append(asyncio.create_task(Agent(config).run()))
        return tasks[-1]

    yield run
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _uuids(frames: list[dict[str, Any]]) -> list[str]:
    return [m["uuid"] for f in frames for m in f["messages"]]


async def test_agent_resumes_from_acks_and_never_resends_committed_bytes(
    hub: tuple[FakeHub, str], start: Callable[[AgentConfig], asyncio.Task[None]], tmp_path: Path
) -> None:
    """Only bytes after the hub's offsets are sent, on the first connection and after a drop."""
    fake, url = hub
    config = _config(tmp_path, url)
    first = transcript_line(SID, CWD, 0)
    path = _transcript(config, first + transcript_line(SID, CWD, 1) + transcript_line(SID, CWD, 2))
    key = f"{SID}/{encoded(Path(CWD))}/{SID}.jsonl"
    fake.acks[key] = len(first)
    start(config)
    await until(lambda: fake.acks[key] == path.stat().st_size, what="the rest of the file")
    assert _uuids(fake.of_type("messages")) == [f"{SID[:8]}-000001", f"{SID[:8]}-000002"]
    assert fake.of_type("messages")[0]["start_offset"] == len(first)
    [session] = fake.of_type("session")[:1]
    assert (session["cwd"], session["project"]) == (CWD, "projet")
    assert fake.of_type("hello")[0]["agent"] == "test-agent"

    assert fake.current is not None
    await fake.current.close()
    await until(lambda: fake.connections == 2, what="a reconnection")
    _append(path, transcript_line(SID, CWD, 3))
    await until(lambda: len(_uuids(fake.of_type("messages"))) == 3, what="the new line")
    assert _uuids(fake.of_type("messages"))[-1] == f"{SID[:8]}-000003"


async def test_at_most_a_window_of_batches_waits_for_acks(
    hub: tuple[FakeHub, str], start: Callable[[AgentConfig], asyncio.Task[None]], tmp_path: Path
) -> None:
    """Without acks the agent stops a backlog after WINDOW - LIVE_RESERVE batches (the rest
    of the window is kept for live lines); acks let the rest flow, once each."""
    fake, url = hub
    fake.auto_ack = False
    config = _config(tmp_path, url, heartbeat_s=30)
    big = "é" * 100_000
    _transcript(config, b"".join(transcript_line(SID, CWD, n, text=big) for n in range(60)))
    start(config)
    await until(lambda: len(fake.unacked) == WINDOW - LIVE_RESERVE, what="a backlog's window")
    await asyncio.sleep(0.5)
    assert len(fake.of_type("messages")) == WINDOW - LIVE_RESERVE
    assert fake.current is not None
    fake.auto_ack = True
    for frame in fake.unacked:
        await fake.ack(fake.current, frame)
    await until(lambda: len(_uuids(fake.of_type("messages"))) == 60, what="every message")
    assert len(set(_uuids(fake.of_type("messages")))) == 60
    assert all(
        len(json.dumps(f, ensure_ascii=False).encode()) < 1 << 20 for f in fake.of_type("messages")
    )


async def test_refused_token_stops_the_agent(
    hub: tuple[FakeHub, str], start: Callable[[AgentConfig], asyncio.Task[None]], tmp_path: Path
) -> None:
    """A 401 at the handshake ends run() with FatalHubError instead of retrying forever."""
    _, url = hub
    task = start(_config(tmp_path, url, token="wrong-token-value"))
    with pytest.raises(FatalHubError, match="refused the agent token"):
        await asyncio.wait_for(task, 10)


async def test_silent_hub_is_dropped_and_reconnected(
    hub: tuple[FakeHub, str], start: Callable[[AgentConfig], asyncio.Task[None]], tmp_path: Path
) -> None:
    """A hub that stops answering pings is left after three heartbeats, then reached again."""
    fake, url = hub
    start(_config(tmp_path, url, heartbeat_s=0.3))
    await until(lambda: fake.of_type("ping"), what="a heartbeat")
    pings = fake.of_type("ping")[0]
    assert isinstance(pings["ts"], float)
    fake.silent = True
    await until(lambda: fake.connections >= 2, within=10, what="a reconnection")


async def test_prompt_for_an_unknown_session_fails_and_a_resent_prompt_repeats_its_status(
    hub: tuple[FakeHub, str], start: Callable[[AgentConfig], asyncio.Task[None]], tmp_path: Path
) -> None:
    """The agent says why it cannot run a prompt, and answers a duplicate with the same status."""
    fake, url = hub
    start(_config(tmp_path, url))
    await until(lambda: fake.current is not None and fake.of_type("hello"), what="a connection")
    prompt = {"type": "prompt", "prompt_id": "p1", "session_id": SID, "text": "x", "force": False}
    await fake.send(prompt)
    [status] = await until(lambda: fake.of_type("prompt_status"), what="a status")
    assert status["state"] == "failed" and status["error"] == "Session inconnue sur cette machine."
    await fake.send(prompt)
    await until(lambda: len(fake.of_type("prompt_status")) == 2, what="the repeated status")
    assert fake.of_type("prompt_status")[1] == status
    await fake.send({"type": "permission_decision", "permission_id": "nope", "behavior": "allow"})
    await fake.send({"type": "mystery", "x": 1})
    await fake.send({"type": "ping", "ts": 1.5})
    await until(lambda: {"type": "pong", "ts": 1.5} in fake.frames, what="a pong")


@pytest.mark.mesh
async def test_permission_without_decision_is_denied_after_the_timeout(
    hub: tuple[FakeHub, str],
    start: Callable[[AgentConfig], asyncio.Task[None]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No decision in time: the tool is denied with a clear message and the hub is told."""
    fake, url = hub
    cwd = tmp_path / "proj"
    cwd.mkdir()
    with running_fake_anthropic() as (model_url, model):
        env = claude_env(tmp_path / "m", model_url, {"PATH": os.environ["PATH"]})
        for name, value in env.items():
            monkeypatch.setenv(name, value)  # the SDK's CLI inherits the agent's environment
        proc = await asyncio.create_subprocess_exec(str(bundled_cli()), "-p", "Bonjour", cwd=cwd)
        assert await proc.wait() == 0
        model.script("efface", ToolCall("Bash", {"command": "touch x.txt"}), Answer("Tant pis."))
        claude_dir = Path(env["CLAUDE_CONFIG_DIR"])
        start(_config(tmp_path, url, permission_timeout_s=1.0, claude_config_dir=claude_dir))
        [session] = await until(lambda: fake.of_type("session"), what="the session")
        prompt = {"prompt_id": "p9", "session_id": session["session_id"], "force": False}
        await fake.send({"type": "prompt", "text": "efface tout", **prompt})
        [request] = await until(lambda: fake.of_type("permission_request"), what="a request")
        assert (request["source"], request["prompt_id"]) == ("sdk", "p9")
        [resolved] = await until(lambda: fake.of_type("permission_resolved"), what="a timeout")
        assert resolved["permission_id"] == request["permission_id"]
        assert resolved["reason"] == "timeout"
        done = await until(lambda: _states(fake) & {"done", "failed"}, within=60, what="the end")
        assert done == {"done"}
        [result] = await until(lambda: _results(fake), what="the denied tool's result")
    assert result["is_error"] is True
    assert "Aucune décision reçue du téléphone à temps" in result["content"]
    assert not (cwd / "x.txt").exists()


def _states(fake: FakeHub) -> set[str]:
    return {status["state"] for status in fake.of_type("prompt_status")}


def _results(fake: FakeHub) -> list[dict[str, Any]]:
    messages = [m for f in fake.of_type("messages") for m in f["messages"]]
    return [r for m in messages for r in m["tool_results"]]
