"""`GET /api/sessions/{id}/stream`: a session's events as Server-Sent Events.

Each event is `event: message|status|permission`, `id: <seq>`, `data: <json>`. A client that
reconnects with `Last-Event-ID: N` (or opens with `?after=N`) first gets every event after N from
Postgres, then the live ones; an event is never sent twice on one stream because live events
at or below the last sent seq are skipped. Without either, the stream starts from now. A stream
ends within REVOKED_CHECK_S once its device's token is revoked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse

from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace
from solo_brain.errors import InvalidRequest, NotFound, documented_errors
from solo_brain.mesh.deps import TOKEN_ERRORS, FullToken, HubDep, SessionIdPath
from solo_brain.mesh.hub import Hub
from solo_brain.mesh.store import StreamEvent, sessions
from solo_brain.mesh.store.devices import token_is_live

router = APIRouter(prefix="/api", tags=["stream"], responses=TOKEN_ERRORS)

CATCH_UP_BATCH = 500
RETRY_MS = 3000
PING_S = 15
REVOKED_CHECK_S = 5.0
_QUIET = object()  # no event during REVOKED_CHECK_S


@router.get(
    "/sessions/{session_id}/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `event`, `id` (the seq), `data` (JSON)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **documented_errors({404: "no such session (`not_found`)"}),
    },
)
async def stream_session(
    hub: HubDep,
    token: FullToken,
    session_id: SessionIdPath,
    after: Annotated[int | None, Query(ge=0, description="resume after this seq")] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Live events of one session, resumable by seq."""
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise InvalidRequest("Last-Event-ID must be the seq of an event (digits)")
        after = int(last_event_id.strip())
    if not await sessions.session_exists(hub.pool, session_id):
        raise NotFound(f"no session {session_id}")
    return EventSourceResponse(session_events(hub, session_id, after, token.id), ping=PING_S)


async def session_events(
    hub: Hub, session_id: str, after: int | None, token_id: str | None = None
) -> AsyncIterator[bytes]:
    """SSE bytes of a session's events after seq `after` (None: from now), then live, until
    the token `token_id` is revoked."""
    with hub.broadcaster.subscribe(session_id) as sub:
        last = after if after is not None else await sessions.latest_seq(hub.pool, session_id)
        # The first bytes tell a client that it is subscribed: nothing later can be missed.
        yield f"retry: {RETRY_MS}\r\n\r\n".encode()
        if after is not None:
            async for event in _catch_up(hub, session_id, after):
                last = event.seq
                yield event.sse
        checked = time.monotonic()
        while True:
            queued: StreamEvent | object | None
            try:  # asyncio.timeout, not wait_for: no task in between, one hop less per event
                async with asyncio.timeout(REVOKED_CHECK_S):
                    queued = await sub.queue.get()
            except TimeoutError:
                queued = _QUIET
            if token_id and time.monotonic() - checked >= REVOKED_CHECK_S:
                if not await token_is_live(hub.pool, token_id):
                    return
                checked = time.monotonic()
            if queued is _QUIET:
                continue
            if queued is None:  # fell behind: re-read what was dropped from Postgres
                sub.reset()
                async for event in _catch_up(hub, session_id, last):
                    last = event.seq
                    yield event.sse
                continue
            assert isinstance(queued, StreamEvent)
            if queued.seq > last:
                last = queued.seq
                if tracing() and queued.kind == "message":
                    trace("hub.sse", [queued.data["uuid"]])
                yield queued.sse


async def _catch_up(hub: Hub, session_id: str, after: int) -> AsyncIterator[StreamEvent]:
    while True:
        batch = await sessions.events_after(hub.pool, session_id, after, CATCH_UP_BATCH)
        for event in batch:
            after = event.seq
            yield event
        if len(batch) < CATCH_UP_BATCH:
            return
