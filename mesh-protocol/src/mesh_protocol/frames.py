"""The frames of the CC Mesh wire protocol between a mesh-agent and the hub (docs/mesh-protocol.md).

One WebSocket per agent, opened by the agent (outbound, works behind NAT) at `WS_PATH` with
`Authorization: Bearer <agent token>`. Every frame is one JSON text message with a `type`
(a history run may go as one binary message instead, mesh_protocol.runs):

    agent → hub   hello, session, messages, history_run, prompt_status, permission_request,
                  permission_resolved, ping, pong
    hub → agent   welcome, ack, prompt, permission_decision, error, ping, pong

The models below (and in batches.py: messages, history_run; their shared field types in
fields.py) are the single definition of every frame, for the agent and the hub alike.
Unknown extra fields are ignored so that either side can add optional fields without breaking
the other; a frame with an unknown `type` or invalid values raises `ProtocolError`.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from mesh_protocol.batches import HistoryRun, Messages
from mesh_protocol.fields import (
    FileKey,
    Frame,
    Offset,
    Part,
    PermissionMode,
    ProtocolError,
    SessionId,
    Status,
)

PROTOCOL_VERSION = 1
WS_PATH = "/api/agents/ws"
# Why a pending permission ended without the hub's decision (`permission_resolved.reason`).
RESOLVED_TIMEOUT = "timeout"  # nobody decided in time (a prompt's tool was denied)
RESOLVED_TERMINAL = "terminal"  # the hook gave up or was stopped: the terminal asks itself
RESOLVED_ANSWERED = "answered_in_terminal"  # the transcript shows the terminal's answer


# --- agent → hub ---------------------------------------------------------------------------


class Hello(Frame):
    """First frame of a connection: who this agent is."""

    type: Literal["hello"] = "hello"
    agent: str = Field(min_length=1, max_length=128)
    hostname: str = Field(default="", max_length=255)
    version: str = Field(default="", max_length=64)
    protocol: int = PROTOCOL_VERSION


class SessionInfo(Frame):
    """Metadata upsert of one session (sent on start and whenever something changes)."""

    type: Literal["session"] = "session"
    session_id: SessionId
    cwd: str = ""
    project: str = ""
    title: str = ""
    git_branch: str | None = None
    status: Status = "idle"
    last_msg_at: datetime | None = None
    live: bool = False
    # The terminal shows a dialog that no hook relays (e.g. auto mode's own checks): only a
    # person at the keyboard can answer it.
    terminal_waiting: bool = False
    permission_mode: PermissionMode | None = None


class PromptStatus(Frame):
    """Progress of a prompt the hub sent."""

    type: Literal["prompt_status"] = "prompt_status"
    prompt_id: str = Field(min_length=1, max_length=128)
    state: Literal["queued", "running", "done", "failed"]
    error: str | None = None
    # Claude's final answer of a finished prompt (spoken back for a voice_reply prompt).
    result: str | None = Field(default=None, max_length=100_000)


class PermissionRequest(Frame):
    """A tool waits for the user's decision (from a prompt run by the agent, or a terminal)."""

    type: Literal["permission_request"] = "permission_request"
    permission_id: str = Field(min_length=1, max_length=128)
    session_id: SessionId
    prompt_id: str | None = None
    tool_name: str
    input: dict[str, Any] = Field(default_factory=dict)
    source: Literal["sdk", "hook"]


class PermissionResolved(Frame):
    """A pending permission ended without the hub's decision being applied: nobody decided in
    time, the hook gave up, or the terminal answered it (`behavior`: what it answered, None
    when it moved on without answering). A decision the hub sent for it was not applied."""

    type: Literal["permission_resolved"] = "permission_resolved"
    permission_id: str = Field(min_length=1, max_length=128)
    reason: str | None = None  # RESOLVED_TIMEOUT | RESOLVED_TERMINAL | RESOLVED_ANSWERED
    behavior: Literal["allow", "deny"] | None = None


# --- hub → agent ---------------------------------------------------------------------------


class Welcome(Frame):
    """Answer to hello: the agent's id and the byte offsets the hub has durably stored."""

    type: Literal["welcome"] = "welcome"
    agent_id: str
    acks: dict[str, int] = Field(default_factory=dict)
    # The missing history of files sent tail first: key (as in acks) → end, the bytes [0, end)
    # still to send as `history`, backwards from end. None from a hub that takes no tail first
    # (then none is sent).
    history: dict[str, Offset] | None = None
    # The hub takes the history as `history_run` frames (older hubs: `messages` only).
    history_runs: bool = False
    # The hub takes a `history_run` as one binary message (mesh_protocol.runs; older hubs: text).
    binary_runs: bool = False


class Ack(Frame):
    """The hub committed every message of `file` up to `offset` (for `part` "history": the
    file's history from `offset` on; only [0, offset) is still missing)."""

    type: Literal["ack"] = "ack"
    session_id: SessionId
    file: FileKey
    offset: Offset
    part: Part = "next"


class Prompt(Frame):
    """Run `text` in the session (resume it in its cwd)."""

    type: Literal["prompt"] = "prompt"
    prompt_id: str = Field(min_length=1, max_length=128)
    session_id: SessionId
    text: str = Field(min_length=1)
    force: bool = False


class PermissionDecision(Frame):
    """The user's decision on a pending permission."""

    type: Literal["permission_decision"] = "permission_decision"
    permission_id: str = Field(min_length=1, max_length=128)
    behavior: Literal["allow", "deny"]
    message: str | None = None


class ErrorFrame(Frame):
    """The hub refused a frame; `code` is snake_case, `message` a clear sentence."""

    type: Literal["error"] = "error"
    code: str
    message: str = ""


# --- both ways -----------------------------------------------------------------------------


class Ping(Frame):
    """Heartbeat; the other side answers with a pong carrying the same `ts`."""

    type: Literal["ping"] = "ping"
    ts: float | None = None


class Pong(Frame):
    """Answer to a ping."""

    type: Literal["pong"] = "pong"
    ts: float | None = None


AgentFrame = Annotated[
    Hello
    | SessionInfo
    | Messages
    | HistoryRun
    | PromptStatus
    | PermissionRequest
    | PermissionResolved
    | Ping
    | Pong,
    Field(discriminator="type"),
]
HubFrame = Annotated[
    Welcome | Ack | Prompt | PermissionDecision | ErrorFrame | Ping | Pong,
    Field(discriminator="type"),
]
_AGENT_FRAMES: TypeAdapter[AgentFrame] = TypeAdapter(AgentFrame)
_HUB_FRAMES: TypeAdapter[HubFrame] = TypeAdapter(HubFrame)


def parse_agent_frame(data: str | bytes) -> AgentFrame:
    """Parse a frame sent by an agent; raise ProtocolError when it is not a valid one."""
    try:
        return _AGENT_FRAMES.validate_json(data)
    except ValidationError as exc:
        raise ProtocolError(_describe(exc)) from exc


def parse_hub_frame(data: str | bytes) -> HubFrame:
    """Parse a frame sent by the hub; raise ProtocolError when it is not a valid one."""
    try:
        return _HUB_FRAMES.validate_json(data)
    except ValidationError as exc:
        raise ProtocolError(_describe(exc)) from exc


def dump_frame(frame: BaseModel) -> str:
    """The JSON text of a frame (None fields kept, so the shape is always the documented one;
    a history run that carries its zstd frame as bytes gets it base64-encoded in `data`)."""
    if isinstance(frame, HistoryRun):
        if frame.blob is not None and not frame.data:
            frame = frame.model_copy(update={"data": base64.b64encode(frame.blob).decode("ascii")})
        return frame.dump_json()
    return frame.model_dump_json()


def ack_offset(batch: Messages | HistoryRun) -> int:
    """The offset the hub acks `batch` with: its end (its start for history, which goes
    backwards)."""
    return batch.start_offset if batch.part == "history" else batch.end_offset


def ack_key(session_id: str, file: str) -> str:
    """Key of a file in `Welcome.acks`: "<session_id>/<file>"."""
    return f"{session_id}/{file}"


def agent_ws_url(hub: str) -> str:
    """The agent WebSocket URL for a hub base URL given as http(s):// or ws(s)://."""
    parts = urlsplit(hub.strip())
    schemes = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"hub URL {hub!r} must start with http://, https://, ws:// or wss://")
    base = parts.path.rstrip("/")
    if base.endswith(WS_PATH):
        base = base[: -len(WS_PATH)]
    return urlunsplit((schemes[parts.scheme], parts.netloc, base + WS_PATH, "", ""))


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "frame"
    return f"invalid frame ({where}: {first.get('msg', 'invalid')})"
