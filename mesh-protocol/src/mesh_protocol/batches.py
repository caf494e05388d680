"""The frames that carry a transcript's lines from the agent to the hub: `messages` (folded
messages) and `history_run` (the lines' own bytes, zstd-compressed, with their index), and the
messages they hold.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from mesh_protocol.fields import (
    MAX_FRAME_BYTES,
    FileKey,
    Frame,
    Offset,
    Part,
    SessionId,
    Timestamp,
)


class ToolUse(Frame):
    """A tool call requested by the assistant."""

    id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict)


class ToolResult(Frame):
    """The result of a tool call, flattened to text."""

    tool_use_id: str
    content: str = ""
    is_error: bool = False


class Message(Frame):
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


class Messages(Frame):
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


class RunLine(Frame):
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


class HistoryRun(Frame):
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
