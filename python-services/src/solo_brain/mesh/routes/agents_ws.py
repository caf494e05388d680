"""The agents' WebSocket (`mesh_protocol`, docs/mesh-protocol.md): a thin I/O loop.

Handshake: a bearer token of scope `agent` (else HTTP 401/403 before the upgrade), then `hello`
→ `welcome {agent_id, acks}`. Then frames are handled one at a time, in order, by the Hub
(agent_frames.py: parsed, handed over, or answered with an error frame);
those that queued while the hub was busy are taken together, consecutive live batches of one
file merged into one transaction (coalesce.py). A big file's tail and history go to a task of
their own (backlog_task.py): a live batch does not wait for their checks and commits.
A `history_run` may come as one binary message (mesh_protocol.runs), the only binary one.
Closes: 1009 for a frame over MESH_MAX_FRAME_BYTES, 1003 for another binary message, 1008 for a
protocol violation that cannot be skipped (no hello first, a hello whose text Postgres cannot
store, an offset gap, a `history_run` whose bytes are not what it says: `invalid_run`), 1001
when the agent was silent for MESH_AGENT_OFFLINE_AFTER_S (it reconnects and resumes from its
acks), 1011 when the database went away (the agent reconnects).
A later frame whose text Postgres cannot store (a NUL character) gets an `invalid_frame` error
and is skipped, as a malformed one is; message text has NUL replaced by U+FFFD instead, so a
transcript that contains one is still mirrored (skipping it would stop the session at an offset
gap forever).
"""

from __future__ import annotations

import asyncio
import logging
import time

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mesh_protocol import (
    PROTOCOL_VERSION,
    WS_PATH,
    ErrorFrame,
    Hello,
    HistoryRun,
    Messages,
    Ping,
    ProtocolError,
    Welcome,
    parse_agent_frame,
)
from mesh_protocol.runs import NotARun
from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace
from solo_brain.errors import ServiceError, database_error
from solo_brain.mesh.agent_frames import frame_code, handle_one, parse, without_nul
from solo_brain.mesh.backlog_task import BacklogTask
from solo_brain.mesh.coalesce import Received, coalesce
from solo_brain.mesh.deps import authenticate
from solo_brain.mesh.hub import Hub
from solo_brain.mesh.link import AgentLink
from solo_brain.mesh.prompt_delivery import dispatch_held
from solo_brain.mesh.store import agents, history
from solo_brain.mesh.store.history_runs import ChecksAhead
from solo_brain.mesh.store.tokens import TokenInfo

log = logging.getLogger(__name__)
router = APIRouter()

HELLO_TIMEOUT_S = 10.0
READ_AHEAD = 8  # frames read while one is handled (the agent keeps at most 8 batches in flight)
# frames waiting for the backlog task (each batch of the window and a `session` frame after it,
# with room to spare: a full queue would hold the read loop back)
BACKLOG_AHEAD = 4 * READ_AHEAD


@router.websocket(WS_PATH)
async def agent_socket(ws: WebSocket) -> None:
    """One agent's connection, from handshake to close."""
    hub: Hub = ws.app.state.hub
    token = await _authenticate(ws, hub)
    if token is None:
        return
    await ws.accept()
    hello = await _receive_hello(ws, hub)
    if hello is None:
        return
    try:
        agent_id = await agents.upsert_agent(hub.pool, hello, token.id)
    except Exception as exc:
        error = database_error(exc)
        if error is None:
            raise
        await _send(ws, ErrorFrame(code=frame_code(error), message=error.message))
        await _close(ws, 1008 if error.status_code == 400 else 1011, error.message[:120])
        return
    link = AgentLink(agent_id, hello.agent, ws)
    await hub.attach(link)
    log.info("agent %s connected (%s, %s)", hello.agent, hello.hostname, hello.version)
    heartbeat = asyncio.create_task(_heartbeat(link, hub.settings.heartbeat_s))
    acker = asyncio.create_task(hub.send_acks(link))
    try:
        acks = await agents.agent_acks(hub.pool, agent_id)
        backlog = await history.agent_history(hub.pool, agent_id)  # files sent tail first
        await agents.seen(hub.pool, agent_id)  # every offset read above is now on disk
        welcome = Welcome(
            agent_id=agent_id, acks=acks, history=backlog, history_runs=True, binary_runs=True
        )
        await link.send(welcome)
        await dispatch_held(hub, agent_id)
        await _serve(ws, link, hub)
    except Exception:
        log.exception("agent %s: unexpected error, closing its socket", hello.agent)
        await link.close(1011, "hub error")
    finally:
        heartbeat.cancel()
        acker.cancel()
        link.closed = True
        await hub.detach(link)
        log.info("agent %s disconnected", hello.agent)


async def _authenticate(ws: WebSocket, hub: Hub) -> TokenInfo | None:
    try:
        return await authenticate(hub, ws.headers, "agent")
    except Exception as error:
        exc = error if isinstance(error, ServiceError) else database_error(error)
        if exc is None:
            raise
        try:
            await ws.send_denial_response(JSONResponse(exc.body(), status_code=exc.status_code))
        except RuntimeError:  # the server cannot answer HTTP on a WebSocket route
            await ws.close(1008, exc.message)
        return None


async def _receive(ws: WebSocket, hub: Hub, silence_s: float) -> str | bytes | None:
    """The next message, text or binary; None after closing the socket (silence, oversized)."""
    try:  # asyncio.timeout, not wait_for: no task in between, one hop less per frame
        async with asyncio.timeout(silence_s):
            message = await ws.receive()
    except TimeoutError:
        await _close(ws, 1001, f"no frame for {silence_s:g} s")
        return None
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    data = message.get("bytes") if text is None else text
    limit = hub.settings.max_frame_bytes
    if data is None:
        return None
    if len(data) > limit or (text and len(text) * 4 > limit and len(text.encode()) > limit):
        await _close(ws, 1009, f"frame larger than {limit} bytes")
        return None
    return data if isinstance(data, bytes) else str(data)


async def _receive_hello(ws: WebSocket, hub: Hub) -> Hello | None:
    text = await _receive(ws, hub, HELLO_TIMEOUT_S)
    if text is None:
        return None
    if isinstance(text, bytes):
        await _close(ws, 1003, "hello is a JSON text message")
        return None
    try:
        frame = parse_agent_frame(text)
    except ProtocolError as exc:
        frame, problem = None, str(exc)
    else:
        problem = "the first frame must be hello"
    if isinstance(frame, Hello) and frame.protocol == PROTOCOL_VERSION:
        return frame
    code = "invalid_frame"
    if isinstance(frame, Hello):
        code = "unsupported_protocol"
        problem = f"this hub speaks protocol {PROTOCOL_VERSION}, not {frame.protocol}"
    await _send(ws, ErrorFrame(code=code, message=problem))
    await _close(ws, 1008, problem)
    return None


async def _serve(ws: WebSocket, link: AgentLink, hub: Hub) -> None:
    """Handle the agent's frames one at a time; before each, those that queued while the hub
    was busy are reordered and merged (coalesce.py): live lines first, a burst in one batch;
    a big file's tail and history are handed, in order, to their own task (backlog_task.py)."""
    inbox: asyncio.Queue[Received | None] = asyncio.Queue(READ_AHEAD)
    reader = asyncio.create_task(_read_frames(ws, hub, inbox))
    backlog = BacklogTask(link, lambda frame: handle_one(frame, link, hub), BACKLOG_AHEAD)
    ahead = link.runs_ahead = ChecksAhead()  # a run's check runs while those before commit
    pending: list[Received] = []
    ended = False
    try:
        while not link.closed:
            if not pending and not ended:
                ended = not _queue(pending, await inbox.get())
            while not ended and not inbox.empty():
                ended = not _queue(pending, inbox.get_nowait())
            if not pending:
                await reader  # raises what ended the reading, if it failed
                await backlog.finish()
                return
            pending = coalesce(pending, hub.settings.max_frame_bytes)
            frame = pending.pop(0).frame
            if backlog.takes(frame):
                if isinstance(frame, HistoryRun):
                    ahead.start(frame)
                if not await backlog.put(frame):
                    return
            elif not await handle_one(frame, link, hub):
                return
    finally:
        reader.cancel()
        backlog.cancel()
        ahead.cancel()


def _queue(pending: list[Received], item: Received | None) -> bool:
    """Add a frame read to `pending`; False for the end of the socket."""
    if item is None:
        return False
    pending.append(item)
    return True


async def _read_frames(ws: WebSocket, hub: Hub, inbox: asyncio.Queue[Received | None]) -> None:
    """Read and parse the agent's frames into `inbox` (at most READ_AHEAD ahead of the one
    being handled: the socket then pushes back), then None once the socket ended or failed."""
    silence_s = hub.settings.agent_offline_after_s
    try:
        while (text := await _receive(ws, hub, silence_s)) is not None:
            frame = parse(text)
            if isinstance(frame, NotARun):
                await _close(ws, 1003, str(frame))
                break
            if isinstance(frame, Messages) and isinstance(text, str):
                if "\\u0000" in text:  # JSON text escapes every NUL
                    frame = without_nul(frame)
                if tracing():
                    trace("hub.received", [m.uuid for m in frame.messages])
            await inbox.put(Received(frame, len(text)))
    finally:
        task = asyncio.current_task()
        if task is None or not task.cancelling():
            await inbox.put(None)


async def _heartbeat(link: AgentLink, every_s: float) -> None:
    while not link.closed:
        await asyncio.sleep(every_s)
        await link.send(Ping(ts=time.time()))


async def _send(ws: WebSocket, frame: BaseModel) -> None:
    try:
        await ws.send_text(frame.model_dump_json())
    except Exception:  # the peer is gone; nothing to tell it
        log.debug("could not send %s", type(frame).__name__)


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    try:
        await ws.close(code, reason)
    except Exception:  # already closed
        log.debug("socket already closed (%s)", reason)
