"""One live connection to the hub: handshake, resume, then four tasks until the socket drops.

receive    acks, prompts, permission decisions, pings from the hub
sync       read transcripts round-robin and send batches (at most WINDOW un-acked)
announce   send `session` frames whenever a session's metadata or status changes
heartbeat  ping every `heartbeat_s`; give up when the hub went silent
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection

from mesh_protocol import (
    Ack,
    ErrorFrame,
    PermissionDecision,
    Ping,
    Pong,
    Prompt,
    ProtocolError,
    SessionInfo,
    Welcome,
    dump_frame,
    parse_hub_frame,
)

if TYPE_CHECKING:
    from mesh_agent.agent import Agent
    from mesh_agent.index import FileCursor

log = logging.getLogger(__name__)

WINDOW = 8  # un-acked batches in flight (each < 1 MiB)
WELCOME_TIMEOUT_S = 15.0


class NotConnected(Exception):
    """There is no usable connection to the hub right now."""


class HubLink:
    """The agent's side of one WebSocket connection."""

    def __init__(self, agent: Agent, ws: ClientConnection) -> None:
        self.agent = agent
        self.ws = ws
        self.announced: dict[str, SessionInfo] = {}
        self.inflight: dict[str, list[int]] = {}  # file key → end offsets not yet acked
        self.room = asyncio.Condition()
        self.last_rx = time.monotonic()
        self.last_ack = time.monotonic()

    async def serve(self) -> None:
        """Handshake, resume from the hub's acks, then run until the connection ends."""
        agent = self.agent
        await self.ws.send(dump_frame(agent.hello()))
        welcome = parse_hub_frame(await asyncio.wait_for(self.ws.recv(), WELCOME_TIMEOUT_S))
        if not isinstance(welcome, Welcome):
            raise ProtocolError(f"expected welcome, got {welcome.type}")
        await asyncio.to_thread(agent.index.resume, welcome.acks)
        log.info("connected to the hub as %s (%d acked files)", welcome.agent_id, len(welcome.acks))
        agent.link = self
        for session_id, meta in list(agent.index.sessions.items()):
            if meta.cwd or meta.title:
                await self.announce(session_id)
        for request in agent.book.pending():
            await self.send(request)
        while agent.outbox:
            frame = agent.outbox.popleft()
            try:
                await self.send(frame)
            except Exception:
                agent.outbox.appendleft(frame)
                raise
        agent.dirty.update(agent.index.files)
        agent.wake.set()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._receive())
            group.create_task(self._sync())
            group.create_task(self._announce_changes())
            group.create_task(self._heartbeat())

    async def send(self, frame: BaseModel) -> None:
        """Send one frame, its session's up-to-date `session` frame first when it changed."""
        session_id = getattr(frame, "session_id", None)
        if session_id and not isinstance(frame, SessionInfo):
            await self.announce(session_id)
        await self.ws.send(dump_frame(frame))

    async def announce(self, session_id: str) -> None:
        """Send the session's `session` frame if it differs from the last one sent."""
        frame = self.agent.session_frame(session_id)
        if self.announced.get(session_id) != frame:
            self.announced[session_id] = frame
            await self.ws.send(dump_frame(frame))

    async def _receive(self) -> None:
        async for raw in self.ws:
            self.last_rx = time.monotonic()
            try:
                frame = parse_hub_frame(raw)
            except ProtocolError as exc:
                log.warning("ignoring a hub frame: %s", exc)
                continue
            if isinstance(frame, Ack):
                await self._acked(frame)
            elif isinstance(frame, Prompt):
                self.agent.start_prompt(frame)
            elif isinstance(frame, PermissionDecision):
                if not self.agent.book.decide(frame):
                    log.info("decision for %s arrived after it closed", frame.permission_id)
            elif isinstance(frame, Ping):
                await self.send(Pong(ts=frame.ts))
            elif isinstance(frame, ErrorFrame):
                log.warning("the hub refused a frame: %s %s", frame.code, frame.message)
        raise NotConnected("the hub closed the connection")

    async def _acked(self, ack: Ack) -> None:
        self.agent.index.ack(ack.file, ack.offset)
        self.last_ack = time.monotonic()
        pending = self.inflight.get(ack.file)
        if pending:
            self.inflight[ack.file] = [end for end in pending if end > ack.offset]
        async with self.room:
            self.room.notify_all()

    def _in_flight(self) -> int:
        return sum(len(ends) for ends in self.inflight.values())

    async def _sync(self) -> None:
        agent = self.agent
        while True:
            agent.wake.clear()
            keys = sorted(agent.dirty)
            agent.dirty.clear()
            while keys:  # round-robin: one slice per file per round
                keys = [key for key in keys if await self._step(key)]
            if agent.dirty:
                continue
            try:
                await asyncio.wait_for(agent.wake.wait(), agent.config.rescan_s)
            except TimeoutError:  # a safety net for missed file events
                await asyncio.to_thread(agent.index.discover)
                behind = await asyncio.to_thread(agent.index.behind)
                agent.dirty.update(cursor.ref.key for cursor in behind)

    async def _step(self, key: str) -> bool:
        """Advance one file by one slice; True when it may have more to read."""
        cursor: FileCursor | None = self.agent.index.files.get(key)
        if cursor is None:
            return False
        async with self.room:
            await self.room.wait_for(lambda: self._in_flight() < WINDOW)
        before = (cursor.sent, cursor.scanned)
        step = await asyncio.to_thread(self.agent.index.advance, cursor)
        # A session the hub knows gets the new lines first and its metadata (last_msg_at, ...)
        # after: the hub handles frames in order, and the phone waits for the lines.
        known = cursor.ref.session_id in self.announced
        if step.meta_changed and not known:
            await self.announce(cursor.ref.session_id)
        if step.batch is not None:
            if not self.inflight.get(key):
                self.last_ack = time.monotonic()
            self.inflight.setdefault(key, []).append(step.batch.end_offset)
            await (self.ws.send(dump_frame(step.batch)) if known else self.send(step.batch))
        if known:
            await self.announce(cursor.ref.session_id)
        if step.seen:
            await self.agent.on_seen(cursor.ref.session_id, step.seen)
        return (cursor.sent, cursor.scanned) != before

    async def _announce_changes(self) -> None:
        agent = self.agent
        while True:
            await agent.status_wake.wait()
            agent.status_wake.clear()
            sessions = sorted(agent.status_dirty)
            agent.status_dirty.clear()
            for session_id in sessions:
                await self.announce(session_id)

    async def _heartbeat(self) -> None:
        period = self.agent.config.heartbeat_s
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            silent = now - self.last_rx > 3 * period
            stuck = self._in_flight() > 0 and now - self.last_ack > 3 * period
            if silent or stuck:
                await self.ws.close(1011, "no heartbeat" if silent else "no ack")
                raise NotConnected("the hub stopped answering")
            await self.send(Ping(ts=time.time()))
