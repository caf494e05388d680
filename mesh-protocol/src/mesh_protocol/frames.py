"""The frames of the CC Mesh wire protocol between a mesh-agent and the hub (docs/mesh-protocol.md).

One WebSocket per agent, opened by the agent (outbound, works behind NAT) at `WS_PATH` with
`Authorization: Bearer <agent token>`. Every frame is one JSON text message with a `type`
(a history run may go as one binary message instead, mesh_protocol.runs):

    agent → hub   hello, session, messages, history_run, prompt_status, permission_request,
                  permission_resolved, ping, pong
    hub → agent   welcome, ack, prompt, permission_decision, error, ping, pong

The models below are the single definition of every frame, for the agent and the hub alike.
Unknown extra fields are ignored so that either side can add optional fields without breaking
the other; a frame with an unknown `type` or invalid values raises `ProtocolError`.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_validator,
)

PROTOCOL_VERSION = 1
WS_PATH = "/api/agents/ws"
# Largest frame the hub accepts from an agent; larger frames close the socket with code 1009.
MAX_FRAME_BYTES = 1024 * 1024
# Largest frame the agent accepts from the hub (a welcome lists every acked file).
MAX_HUB_FRAME_BYTES = 64 * 1024 * 1024
# Agents keep each text field of a message under this many characters (then mark it truncated).
MAX_FIELD_CHARS = 64 * 1024

SESSION_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
# A transcript file, relative to the agent's projects/ folder: "<project dir>/<session>.jsonl"
# or "<project dir>/<session>/subagents/<agent>.jsonl". No "..", no absolute paths.
FILE_KEY_PATTERN = r"^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,511}$"
# A permission mode as Claude Code names it in settings, hooks and transcripts: default (shown
# as "manual"), acceptEdits, plan, auto, dontAsk, bypassPermissions (future names pass too).
PERMISSION_MODE_PATTERN = r"^[A-Za-z]{1,32}$"
_SESSION_ID_RE = re.compile(SESSION_ID_PATTERN)
_PERMISSION_MODE_RE = re.compile(PERMISSION_MODE_PATTERN)


def _check_file_key(value: str) -> str:
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError("file must be a relative path without empty, '.' or '..' parts")
    return value


SessionId = Annotated[str, Field(pattern=SESSION_ID_PATTERN)]
FileKey = Annotated[str, Field(pattern=FILE_KEY_PATTERN), AfterValidator(_check_file_key)]
Offset = Annotated[int, Field(ge=0)]
Part = Literal["next", "tail", "history"]  # where a batch's range lies in its file
Status = Literal["idle", "running", "waiting_permission", "live_terminal"]
PermissionMode = Annotated[str, Field(pattern=PERMISSION_MODE_PATTERN)]
# Why a pending permission ended without the hub's decision (`permission_resolved.reason`).
RESOLVED_TIMEOUT = "timeout"  # nobody decided in time (a prompt's tool was denied)
RESOLVED_TERMINAL = "terminal"  # the hook gave up or was stopped: the terminal asks itself
RESOLVED_ANSWERED = "answered_in_terminal"  # the transcript shows the terminal's answer


def _zoned(when: datetime) -> datetime:
    # A transcript's timestamp without a zone ("2026-05-14") is read as UTC, as Claude Code
    # writes them: a zoneless one beside zoned ones could not be compared (TypeError).
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# A message's time: always zoned.
Timestamp = Annotated[datetime, AfterValidator(_zoned)]


class ProtocolError(ValueError):
    """A frame that is not valid JSON, has an unknown type or invalid fields."""


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ToolUse(_Frame):
    """A tool call requested by the assistant."""

    id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict)


class ToolResult(_Frame):
    """The result of a tool call, flattened to text."""

    tool_use_id: str
    content: str = ""
    is_error: bool = False


class Message(_Frame):
    """One normalised transcript line (a user turn, one assistant content block, ...)."""

    uuid: str = Field(min_length=1, max_length=128)
    parent_uuid: str | None = None
    role: Literal["user", "assistant", "system"]
    text: str = ""
    tool_uses: list[ToolUse] = Field(default_factory=list)
    tool_results: list[ToolResult] = Field(default_factory=list)
    timestamp: Timestamp | None = None
    is_sidechain: bool = False
    # The nearest earlier message this one continues: `parent_uuid` names the transcript line
    # before it, often one that is no message (attachment, turn duration). Optional (newer agents).
    thread_parent_uuid: str | None = Field(default=None, max_length=128)


# --- agent → hub ---------------------------------------------------------------------------


class Hello(_Frame):
    """First frame of a connection: who this agent is."""

    type: Literal["hello"] = "hello"
    agent: str = Field(min_length=1, max_length=128)
    hostname: str = Field(default="", max_length=255)
    version: str = Field(default="", max_length=64)
    protocol: int = PROTOCOL_VERSION


class SessionInfo(_Frame):
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


class Messages(_Frame):
    """Messages read from bytes [start_offset, end_offset) of one transcript file.

    `messages` may be empty: the batch then only advances the offset past skipped lines.
    `part` says where the range lies (only towards a hub whose welcome has `history`):
    "next" continues the file at the hub's offset; "tail" is the first batch of a file the hub
    has nothing of, starting at a line boundary near its end (bytes [0, start_offset) become
    the file's missing history); "history" is a run of whole lines of that missing history
    ending where the history the hub holds begins: the history goes newest first, backwards.
    """

    type: Literal["messages"] = "messages"
    session_id: SessionId
    file: FileKey
    start_offset: Offset
    end_offset: Offset
    messages: list[Message] = Field(default_factory=list)
    part: Part = "next"

    @model_validator(mode="after")
    def _ordered(self) -> Messages:
        if self.end_offset < self.start_offset:
            raise ValueError("end_offset is before start_offset")
        return self


# A history run holds at most this many bytes of whole lines (the hub decompresses no more).
MAX_RUN_BYTES = 8 * 1024 * 1024


class RunLine(_Frame):
    """One message of a history run: where its line lies in the run and what the hub indexes
    (the rest of the message is folded from the line when a page shows it)."""

    at: Offset  # the line's start, counted from the run's start_offset
    size: int = Field(ge=2, le=MAX_RUN_BYTES)  # without its newline
    uuid: str = Field(min_length=1, max_length=128)
    parent_uuid: str | None = None
    role: Literal["user", "assistant", "system"]
    timestamp: Timestamp | None = None
    is_sidechain: bool = False
    thread_parent_uuid: str | None = Field(default=None, max_length=128)


class HistoryRun(_Frame):
    """A run of a file's missing history as the transcript's own bytes (only towards a hub whose
    welcome has `history_runs`): the whole lines of [start_offset, end_offset), zstd-compressed
    then base64-encoded in `data`, and `lines`, the messages among them in file order. It is
    checked, acked and ordered like a `messages` batch of part "history".

    A run sent as a binary message (towards a hub whose welcome has `binary_runs`, see
    mesh_protocol.runs) carries its zstd frame itself (`blob`) and an empty `data`."""

    type: Literal["history_run"] = "history_run"
    session_id: SessionId
    file: FileKey
    start_offset: Offset
    end_offset: Offset
    data: str = Field(default="", max_length=MAX_FRAME_BYTES)  # empty in a binary run
    lines: list[RunLine] = Field(default_factory=list)
    part: Literal["history"] = "history"
    _blob: bytes | None = PrivateAttr(default=None)
    # `lines` as JSON when the agent serialized them already (to size the run): not twice.
    _lines_json: bytes | None = PrivateAttr(default=None)

    @property
    def blob(self) -> bytes | None:
        """The run's zstd frame when it came or goes as a binary message (None otherwise)."""
        return self._blob

    def with_blob(self, blob: bytes, lines_json: bytes | None = None) -> HistoryRun:
        """This run carrying `blob`, its zstd frame, as bytes (`data` empty), and `lines_json`
        when given: `to_json(self.lines)`, which its JSON then holds instead of serializing
        `lines` again."""
        run = self.model_copy(update={"data": ""})
        run._blob = blob
        run._lines_json = lines_json
        return run

    def dump_json(self, *, data: bool = True) -> str:
        """The run's JSON (without `data` unless `data`), its lines serialized once: the JSON
        given to with_blob when there is one."""
        if self._lines_json is None:
            return self.model_dump_json(exclude=None if data else {"data"})
        head = self.model_dump_json(exclude={"lines"} if data else {"lines", "data"})
        return "".join((head[:-1], ',"lines":', self._lines_json.decode(), "}"))

    @model_validator(mode="after")
    def _sized(self) -> HistoryRun:
        span = self.end_offset - self.start_offset
        if not 0 < span <= MAX_RUN_BYTES:
            raise ValueError(f"a run holds 1 to {MAX_RUN_BYTES} bytes")
        at = 0
        for line in self.lines:
            if line.at < at or line.at + line.size >= span:
                raise ValueError("lines must be in file order, each within the run")
            at = line.at + line.size + 1
        return self


class PromptStatus(_Frame):
    """Progress of a prompt the hub sent."""

    type: Literal["prompt_status"] = "prompt_status"
    prompt_id: str = Field(min_length=1, max_length=128)
    state: Literal["queued", "running", "done", "failed"]
    error: str | None = None
    # Claude's final answer of a finished prompt (spoken back for a voice_reply prompt).
    result: str | None = Field(default=None, max_length=100_000)


class PermissionRequest(_Frame):
    """A tool waits for the user's decision (from a prompt run by the agent, or a terminal)."""

    type: Literal["permission_request"] = "permission_request"
    permission_id: str = Field(min_length=1, max_length=128)
    session_id: SessionId
    prompt_id: str | None = None
    tool_name: str
    input: dict[str, Any] = Field(default_factory=dict)
    source: Literal["sdk", "hook"]


class PermissionResolved(_Frame):
    """A pending permission ended without the hub's decision being applied: nobody decided in
    time, the hook gave up, or the terminal answered it (`behavior`: what it answered, None
    when it moved on without answering). A decision the hub sent for it was not applied."""

    type: Literal["permission_resolved"] = "permission_resolved"
    permission_id: str = Field(min_length=1, max_length=128)
    reason: str | None = None  # RESOLVED_TIMEOUT | RESOLVED_TERMINAL | RESOLVED_ANSWERED
    behavior: Literal["allow", "deny"] | None = None


# --- hub → agent ---------------------------------------------------------------------------


class Welcome(_Frame):
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


class Ack(_Frame):
    """The hub committed every message of `file` up to `offset` (for `part` "history": the
    file's history from `offset` on; only [0, offset) is still missing)."""

    type: Literal["ack"] = "ack"
    session_id: SessionId
    file: FileKey
    offset: Offset
    part: Part = "next"


class Prompt(_Frame):
    """Run `text` in the session (resume it in its cwd)."""

    type: Literal["prompt"] = "prompt"
    prompt_id: str = Field(min_length=1, max_length=128)
    session_id: SessionId
    text: str = Field(min_length=1)
    force: bool = False


class PermissionDecision(_Frame):
    """The user's decision on a pending permission."""

    type: Literal["permission_decision"] = "permission_decision"
    permission_id: str = Field(min_length=1, max_length=128)
    behavior: Literal["allow", "deny"]
    message: str | None = None


class ErrorFrame(_Frame):
    """The hub refused a frame; `code` is snake_case, `message` a clear sentence."""

    type: Literal["error"] = "error"
    code: str
    message: str = ""


# --- both ways -----------------------------------------------------------------------------


class Ping(_Frame):
    """Heartbeat; the other side answers with a pong carrying the same `ts`."""

    type: Literal["ping"] = "ping"
    ts: float | None = None


class Pong(_Frame):
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


def is_valid_session_id(value: str) -> bool:
    """Whether `value` is an acceptable session id (letters, digits, '-', at most 64)."""
    return bool(_SESSION_ID_RE.fullmatch(value))


def is_valid_permission_mode(value: object) -> bool:
    """Whether `value` can be sent as a session's permission mode."""
    return isinstance(value, str) and bool(_PERMISSION_MODE_RE.fullmatch(value))


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
