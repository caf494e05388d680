"""One agent frame from the socket to the hub (routes/agents_ws.py reads and orders them):
parsed (a binary message is a history run, mesh_protocol.runs), handed to the Hub, or answered
with an error frame, and whether the connection goes on after it.
"""

from __future__ import annotations

from mesh_protocol import (
    ErrorFrame,
    Hello,
    HistoryRun,
    Messages,
    PermissionRequest,
    PermissionResolved,
    Ping,
    Pong,
    PromptStatus,
    ProtocolError,
    SessionInfo,
    parse_agent_frame,
)
from mesh_protocol.runs import BadRun, NotARun, load_binary
from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace
from solo_brain.errors import DatabaseUnavailable, ServiceError, database_error
from solo_brain.mesh.errors import OffsetGap
from solo_brain.mesh.hub import Hub
from solo_brain.mesh.link import AgentLink
from solo_brain.mesh.store.run_lines import no_nul


def parse(text: str | bytes) -> object:
    """The frame a message carries (a binary one: a history run), or what it raised instead:
    ProtocolError (skipped), BadRun (invalid_run) or NotARun (1003)."""
    try:
        return load_binary(text) if isinstance(text, bytes) else parse_agent_frame(text)
    except (ProtocolError, BadRun, NotARun) as exc:
        return exc


async def handle_one(frame: object, link: AgentLink, hub: Hub) -> bool:
    """Handle one frame (or report its protocol error); False when the connection must end."""
    if isinstance(frame, ProtocolError):
        await link.send(ErrorFrame(code="invalid_frame", message=str(frame)))
        return True
    try:
        await handle(frame, link, hub)
    except OffsetGap as exc:
        await link.send(ErrorFrame(code="offset_gap", message=str(exc)))
        await link.close(1008, "offset gap")
        return False
    except BadRun as exc:  # skipping it would leave a gap: the connection ends
        await link.send(ErrorFrame(code="invalid_run", message=str(exc)))
        await link.close(1008, "invalid history run")
        return False
    except Exception as exc:
        error = database_error(exc)
        if error is None:
            raise
        await link.send(ErrorFrame(code=frame_code(error), message=error.message))
        if isinstance(error, DatabaseUnavailable):
            await link.close(1011, "database unavailable")
            return False
    return True


def frame_code(error: ServiceError) -> str:
    """The code of the error frame telling an agent about `error` (a 400: invalid_frame)."""
    return "invalid_frame" if error.status_code == 400 else error.code


async def handle(frame: object, link: AgentLink, hub: Hub) -> None:
    """Hand one parsed frame to the hub (OffsetGap and database errors propagate)."""
    if isinstance(frame, Messages):
        if tracing():
            trace("hub.handled", [m.uuid for m in frame.messages])
        await hub.on_messages(link, frame)
    elif isinstance(frame, HistoryRun):
        await hub.on_history_run(link, frame)
    elif isinstance(frame, BadRun):  # a binary run whose header is not sound
        raise frame
    elif isinstance(frame, SessionInfo):
        await hub.on_session(link, frame)
    elif isinstance(frame, PromptStatus):
        await hub.on_prompt_status(link, frame)
    elif isinstance(frame, PermissionRequest):
        await hub.on_permission_request(link, frame)
    elif isinstance(frame, PermissionResolved):
        await hub.on_permission_resolved(link, frame)
    elif isinstance(frame, Ping):
        await link.send(Pong(ts=frame.ts))
    elif isinstance(frame, Hello):
        await link.send(ErrorFrame(code="invalid_frame", message="hello was already sent"))


def without_nul(batch: Messages) -> Messages:
    """The batch with every NUL character of its text replaced by U+FFFD (Postgres refuses
    NUL in text and jsonb); the same batch when it has none."""
    text = batch.model_dump_json()
    if "\\u0000" not in text:
        return batch
    return Messages.model_validate(no_nul(batch.model_dump(mode="json")))
