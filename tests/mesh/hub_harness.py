"""What the hub tests share: a hub on a loopback port, tokens, a scripted agent, an SSE reader
and a recording events webhook. Everything is real: uvicorn, Postgres, WebSocket, HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection, connect

from mesh_protocol import (
    Ack,
    Hello,
    HubFrame,
    Message,
    Messages,
    Ping,
    Pong,
    SessionInfo,
    Welcome,
    agent_ws_url,
    dump_frame,
    parse_hub_frame,
)
from solo_brain.mesh.app import create_app
from solo_brain.mesh.store.tokens import create_token
from solo_brain.settings import MeshSettings
from tests.fakes.server import serve
from tests.support.settings import mesh_settings

WAIT_S = 10.0


def hub_settings(pg_dsn: str, **overrides: Any) -> MeshSettings:
    """Hub settings on the test database; timings shrink through `overrides`."""
    return mesh_settings(database_url=pg_dsn, **overrides)


@contextmanager
def running_hub(settings: MeshSettings) -> Iterator[str]:
    """A hub served by uvicorn on a loopback port; yields its base URL."""
    with serve(create_app(settings)) as url:
        yield url


def issue(pg_dsn: str, scope: str, name: str | None = None) -> str:
    """A new token of `scope`, created the way the CLI does."""
    with psycopg.connect(pg_dsn) as conn:
        _, secret = create_token(conn, scope, name or f"test-{scope}")
    return secret


def auth(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


def message(uuid: str, text: str, role: str = "user", **extra: Any) -> Message:
    """A normalised transcript message."""
    return Message(uuid=uuid, role=role, text=text, timestamp=extra.pop("timestamp", None), **extra)


class ScriptedAgent:
    """Plays a mesh-agent over a real WebSocket: the test says what to send and expects."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: Welcome | None = None
        self._held: list[HubFrame] = []  # frames that arrived while waiting for a pong
        self._pings = 0

    async def send(self, frame: BaseModel) -> None:
        """Send one frame."""
        await self.ws.send(dump_frame(frame))

    async def recv(self, wait_s: float = WAIT_S) -> HubFrame:
        """The next hub frame other than a ping (pings are answered)."""
        if self._held:
            return self._held.pop(0)
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), wait_s)
            frame = parse_hub_frame(raw)
            if isinstance(frame, Ping):
                await self.send(Pong(ts=frame.ts))
                continue
            return frame

    async def expect(self, kind: type[BaseModel], wait_s: float = WAIT_S) -> Any:
        """The next frame, which must be of type `kind`."""
        frame = await self.recv(wait_s)
        assert isinstance(frame, kind), f"expected {kind.__name__}, got {frame!r}"
        return frame

    async def session(self, session_id: str, **fields: Any) -> None:
        """Send a session metadata frame and wait until the hub handled it."""
        await self.send(SessionInfo(session_id=session_id, **fields))
        await self.sync()

    async def sync(self) -> None:
        """Wait until the hub handled every frame sent so far (it answers frames in order)."""
        self._pings += 1
        marker = -float(self._pings)
        await self.send(Ping(ts=marker))
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), WAIT_S)
            frame = parse_hub_frame(raw)
            if isinstance(frame, Pong) and frame.ts == marker:
                return
            if isinstance(frame, Ping):
                await self.send(Pong(ts=frame.ts))
            else:
                self._held.append(frame)

    async def batch(
        self, session_id: str, file: str, start: int, end: int, messages: list[Message]
    ) -> None:
        """Send a messages batch and wait for its ack."""
        await self.send_batch(session_id, file, start, end, messages)
        ack = await self.expect_ack()
        assert (ack.session_id, ack.file, ack.offset) == (session_id, file, end)

    async def send_batch(
        self, session_id: str, file: str, start: int, end: int, messages: list[Message]
    ) -> None:
        """Send a messages batch without waiting for its ack."""
        await self.send(
            Messages(
                session_id=session_id,
                file=file,
                start_offset=start,
                end_offset=end,
                messages=messages,
            )
        )

    async def expect_ack(self) -> Any:
        """The next frame, an ack."""
        return await self.expect(Ack)


@asynccontextmanager
async def scripted_agent(
    hub_url: str, token: str, name: str = "gpu-server", *, hello: bool = True
) -> AsyncIterator[ScriptedAgent]:
    """A connected scripted agent (after hello/welcome unless `hello=False`)."""
    async with connect(
        agent_ws_url(hub_url), additional_headers=auth(token), max_size=64 * 1024 * 1024
    ) as ws:
        agent = ScriptedAgent(ws)
        if hello:
            await agent.send(Hello(agent=name, hostname=f"{name}.lan", version="test"))
            agent.welcome = await agent.expect(Welcome)
        yield agent


@dataclass
class SSEEvent:
    """One Server-Sent Event."""

    id: int | None
    event: str
    data: Any


class SSEReader:
    """Reads a text/event-stream response event by event (comments and retry skipped)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def _block(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if fields:
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        raise EOFError("the stream ended")

    async def subscribed(self) -> None:
        """Wait for the stream's first block (sent once the stream is subscribed)."""
        fields = await asyncio.wait_for(self._block(), WAIT_S)
        assert "retry" in fields, fields

    async def next(self, wait_s: float = WAIT_S) -> SSEEvent:
        """The next event with data."""
        while True:
            fields = await asyncio.wait_for(self._block(), wait_s)
            if "data" in fields:
                seq = int(fields["id"]) if "id" in fields else None
                return SSEEvent(seq, fields.get("event", "message"), json.loads(fields["data"]))


@asynccontextmanager
async def sse(
    client: httpx.AsyncClient, path: str, token: str, last_event_id: int | None = None
) -> AsyncIterator[SSEReader]:
    """An open SSE stream, subscribed when yielded."""
    headers = auth(token)
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        reader = SSEReader(response)
        await reader.subscribed()
        yield reader


@dataclass
class Recorder:
    """What a recording webhook received."""

    received: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[tuple[str | None, bytes]] = field(default_factory=list)
    status: int = 200

    def events(self, name: str) -> list[dict[str, Any]]:
        """Received events of one name."""
        return [e for e in self.received if e.get("event") == name]


@contextmanager
def recording_webhook() -> Iterator[tuple[str, Recorder]]:
    """A loopback webhook that records every JSON POST; yields its URL and the recorder."""
    recorder = Recorder()
    app = FastAPI()

    @app.post("/webhook/mesh-events")
    async def receive(request: Request) -> dict[str, bool]:
        recorder.received.append(await request.json())
        recorder.signatures.append(
            (request.headers.get("x-cc-mesh-signature"), await request.body())
        )
        if recorder.status >= 300:
            raise HTTPException(recorder.status)
        return {"ok": True}

    with serve(app) as url:
        yield f"{url}/webhook/mesh-events", recorder


@contextmanager
def recording_capture_webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback capture webhook answering the capture API's shape (as n8n's does) and
    recording each form with its Authorization; yields its URL and the records."""
    received: list[dict[str, Any]] = []
    app = FastAPI()

    @app.post("/webhook/capture")
    async def capture(request: Request) -> dict[str, Any]:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        received.append({"authorization": request.headers.get("authorization"), "form": form,
                         "request_start": request.headers.get("x-request-start")})  # fmt: skip
        return {
            "capture_id": form["capture_id"],
            "transcript": form.get("text"),
            "category": "todo",
            "project": None,
            "client_id": None,
            "actions": [{"text": "acheter du café", "due": None}],
            "stored_in": [],
            "speech": "Capté, tâche notée.",
            "tts_url": None,
            "status": "filed",
        }

    with serve(app) as url:
        yield f"{url}/webhook/capture", received
