"""One live connection to the hub: a thin adapter between a WebSocket and the agent.

The link knows the socket and the per-connection decisions of core.py (Flow: the window of
un-acked batches and the heartbeat verdict; Announcer: which `session` frames changed). What
the agent does with the connection is behind `LinkHost`, a small interface:

    hello()             the first frame
    connected(link, w)  the hub said `welcome` (its acks): resume and resend what waits
    serve(link)         the agent's own work while connected (read transcripts, announce)
    received(frame)     an ack, a prompt or a permission decision from the hub
    session_frame(id)   the current `session` frame of a session

    disconnected(link)  the connection ended

The link runs three tasks until the socket drops: receive, heartbeat, and the host's `serve`.
`connect_forever` opens one link after the other (`async for ws in connect(...)`), with
`backoff.is_retryable` deciding what is fatal and core.Reconnect how long to pause.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from mesh_agent import __version__
from mesh_agent.backoff import delays_factory, is_retryable
from mesh_agent.compression import ws_compression
from mesh_agent.config import AgentConfig
from mesh_agent.core import WINDOW, Announcer, Flow, Reconnect
from mesh_protocol import (
    MAX_HUB_FRAME_BYTES,
    Ack,
    ErrorFrame,
    Hello,
    HistoryRun,
    Messages,
    PermissionDecision,
    Ping,
    Pong,
    Prompt,
    ProtocolError,
    SessionInfo,
    Welcome,
    ack_offset,
    dump_frame,
    parse_hub_frame,
)
from mesh_protocol.runs import dump_binary
from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace

log = logging.getLogger(__name__)

__all__ = ["WINDOW", "FatalHubError", "HubLink", "LinkHost", "NotConnected", "connect_forever"]

WELCOME_TIMEOUT_S = 15.0


class NotConnected(Exception):
    """There is no usable connection to the hub right now."""


class FatalHubError(Exception):
    """The hub refused this agent for a reason retrying cannot fix (token, URL)."""


class LinkHost(Protocol):
    """What a hub connection needs from the agent."""

    def hello(self) -> Hello:
        """What the agent says about itself first."""
        ...

    async def connected(self, link: HubLink, welcome: Welcome) -> None:
        """The hub welcomed the agent: resume from its acks and resend what waits."""
        ...

    async def serve(self, link: HubLink) -> None:
        """The agent's work while connected; runs until cancelled."""
        ...

    async def received(self, frame: Ack | Prompt | PermissionDecision) -> None:
        """A frame from the hub for the agent."""
        ...

    def session_frame(self, session_id: str) -> SessionInfo:
        """The current `session` frame of a session."""
        ...

    def disconnected(self, link: HubLink) -> None:
        """The connection ended (whether or not it was welcomed)."""
        ...


async def connect_forever(config: AgentConfig, host: LinkHost) -> None:
    """Keep one link to the hub open, reconnecting on network failures; raise FatalHubError
    when the hub refuses the agent for good."""
    pauses = Reconnect(config.reconnect_initial_s, config.reconnect_max_s)
    async for ws in connect(
        config.ws_url,
        additional_headers={"Authorization": f"Bearer {config.token}"},
        user_agent_header=f"mesh-agent/{__version__}",
        max_size=MAX_HUB_FRAME_BYTES,
        **ws_compression(config.ws_url),
        open_timeout=15,
        ping_interval=config.heartbeat_s,
        ping_timeout=config.heartbeat_s,
        process_exception=_process_exception,
        reconnect_delays=delays_factory(config.reconnect_initial_s, config.reconnect_max_s),
    ):
        started = time.monotonic()
        link = HubLink(ws, host, heartbeat_s=config.heartbeat_s)
        try:
            await link.serve()
        except Exception as exc:  # a dropped socket or a confused hub: reconnect
            log.warning("hub connection ended: %s", _reason(exc))
        finally:
            host.disconnected(link)
        await asyncio.sleep(pauses.pause_after(time.monotonic() - started))


class HubLink:
    """The agent's side of one WebSocket connection."""

    def __init__(self, ws: ClientConnection, host: LinkHost, *, heartbeat_s: float) -> None:
        self.ws = ws
        self.host = host
        self.heartbeat_s = heartbeat_s
        self.flow = Flow(time.monotonic())
        self.announcer = Announcer()
        self._room = asyncio.Condition()
        self.binary_runs = False  # the hub takes history runs as binary messages

    async def serve(self) -> None:
        """Handshake, let the host resume, then run until the connection ends."""
        await self.ws.send(dump_frame(self.host.hello()))
        welcome = parse_hub_frame(await asyncio.wait_for(self.ws.recv(), WELCOME_TIMEOUT_S))
        if not isinstance(welcome, Welcome):
            raise ProtocolError(f"expected welcome, got {welcome.type}")
        log.info("connected to the hub as %s (%d acked files)", welcome.agent_id, len(welcome.acks))
        self.binary_runs = welcome.binary_runs
        await self.host.connected(self, welcome)
        async with asyncio.TaskGroup() as group:
            group.create_task(self._receive())
            group.create_task(self._heartbeat())
            group.create_task(self.host.serve(self))

    async def send(self, frame: BaseModel) -> None:
        """Send one frame, its session's up-to-date `session` frame first when it changed."""
        session_id = getattr(frame, "session_id", None)
        if session_id and not isinstance(frame, SessionInfo):
            await self.announce(session_id)
        await self.ws.send(dump_frame(frame))

    async def send_batch(self, batch: Messages | HistoryRun) -> None:
        """Send a batch of transcript messages once fewer than WINDOW wait for their ack.

        The batch goes alone: its session's metadata is the sync loop's to announce (before a
        session the hub does not know yet, after the lines otherwise), so that a live line does
        not wait behind a `session` frame's transaction on the hub."""
        if tracing():
            trace("agent.read", _uuids(batch))
        async with self._room:
            await self._room.wait_for(self.flow.has_room)
        self.flow.sent(batch.file, ack_offset(batch), time.monotonic(), batch.part)
        if self.binary_runs and isinstance(batch, HistoryRun):
            await self.ws.send(dump_binary(batch))  # no base64, no JSON string of its bytes
        else:
            await self.ws.send(dump_frame(batch))
        if tracing():
            trace("agent.sent", _uuids(batch))

    def has_room(self, reserve: int = 0) -> bool:
        """Whether one more batch may be sent now, leaving `reserve` slots of the window."""
        return self.flow.has_room(reserve)

    async def wait_room(self, reserve: int = 0) -> None:
        """Wait until one more batch may be sent, leaving `reserve` slots of the window."""
        async with self._room:
            await self._room.wait_for(lambda: self.flow.has_room(reserve))

    async def announce(self, session_id: str) -> None:
        """Send the session's `session` frame if it differs from the last one sent."""
        frame = self.host.session_frame(session_id)
        if self.announcer.changed(frame):
            await self.ws.send(dump_frame(frame))

    def knows(self, session_id: str) -> bool:
        """Whether this connection already sent the session's `session` frame."""
        return self.announcer.knows(session_id)

    async def _receive(self) -> None:
        async for raw in self.ws:
            self.flow.received(time.monotonic())
            try:
                frame = parse_hub_frame(raw)
            except ProtocolError as exc:
                log.warning("ignoring a hub frame: %s", exc)
                continue
            if isinstance(frame, Ack):
                self.flow.acked(frame.file, frame.offset, time.monotonic(), frame.part)
                async with self._room:
                    self._room.notify_all()
                await self.host.received(frame)
            elif isinstance(frame, Prompt | PermissionDecision):
                await self.host.received(frame)
            elif isinstance(frame, Ping):
                await self.send(Pong(ts=frame.ts))
            elif isinstance(frame, ErrorFrame):
                log.warning("the hub refused a frame: %s %s", frame.code, frame.message)
        raise NotConnected("the hub closed the connection")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            reason = self.flow.dead(time.monotonic(), self.heartbeat_s)
            if reason is not None:
                await self.ws.close(1011, reason)
                raise NotConnected("the hub stopped answering")
            await self.send(Ping(ts=time.time()))


def _uuids(batch: Messages | HistoryRun) -> list[str]:
    return [m.uuid for m in (batch.lines if isinstance(batch, HistoryRun) else batch.messages)]


def _reason(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"


def _process_exception(exc: Exception) -> Exception | None:
    if is_retryable(exc):
        log.warning("cannot reach the hub (%s); retrying", exc)
        return None
    if isinstance(exc, InvalidStatus) and exc.response.status_code in (401, 403):
        return FatalHubError(
            f"the hub refused the agent token (HTTP {exc.response.status_code}): "
            "check that it exists, is not revoked and has the 'agent' scope"
        )
    return FatalHubError(f"cannot connect to the hub: {exc}")
