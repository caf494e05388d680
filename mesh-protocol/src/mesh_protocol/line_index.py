"""What a history run indexes of one transcript line (`RunLine`): the uuid, parents, role,
timestamp and sidechain of the message `mesh_protocol.fold.to_message` would fold from it,
found without folding the message's text.

No I/O here. `index_line` reads a parsed record (a dict, as `json.loads` gives it); the agent's
light decode (mesh_agent.light) finds the same fields without building the record and builds
its `RunLine` with `run_line`, so that both give the same index for every line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from mesh_protocol.batches import RunLine
from mesh_protocol.fields import Timestamp

_TIMESTAMP: TypeAdapter[datetime | None] = TypeAdapter(Timestamp | None)
_FIELDS = frozenset(RunLine.model_fields)


def has_text(content: Any) -> bool:
    """Whether `fold._flatten(content)` is not empty, without building it."""
    if isinstance(content, str):
        return bool(content)
    if not isinstance(content, list):
        return False
    for block in content:
        if isinstance(block, str):
            if block:
                return True
        elif isinstance(block, dict):
            btype = block.get("type")
            if btype == "text":
                if block.get("text", "") != "":
                    return True
            elif btype == "image":
                return True
            elif btype == "tool_result" and has_text(block.get("content")):
                return True
    return False


def _has_body(record: dict[str, Any]) -> bool:
    """Whether `to_message` finds text, a tool use or a tool result in a conversation record."""
    if record.get("type") == "system":
        return has_text(record.get("content"))
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return bool(content)
    if not isinstance(content, list):
        return False
    for block in content:
        if not isinstance(block, dict):
            continue
        btype = block.get("type")
        if btype == "text":
            if block.get("text", "") != "":  # str() of any other JSON value is not empty
                return True
        elif btype == "image":
            return True
        elif btype == "tool_use" and isinstance(block.get("id"), str):
            return True
        elif btype == "tool_result" and isinstance(block.get("tool_use_id"), str):
            return True
    return False


def run_line(
    at: int,
    size: int,
    uuid: str,
    parent: object,
    role: str,
    timestamp: object,
    sidechain: bool,
    thread_parent: str | None,
) -> RunLine:
    """The `RunLine` of a message as `to_message` folds its fields: the uuid and thread parent
    cut to 128 characters, a parent that is no string dropped, an unreadable timestamp None."""
    try:
        when = _TIMESTAMP.validate_python(timestamp)
    except ValidationError:
        when = None  # as to_message: an unreadable timestamp must not lose the message
    return _constructed(
        {
            "at": at,
            "size": size,
            "uuid": uuid[:128],
            "parent_uuid": parent if isinstance(parent, str) else None,
            "role": role,
            "timestamp": when,
            "is_sidechain": sidechain,
            "thread_parent_uuid": thread_parent[:128] if thread_parent else None,
        }
    )


def _constructed(values: dict[str, Any]) -> RunLine:
    """`RunLine.model_construct(**values)` for values of every field in their order: what it
    sets, set directly (a quarter of its time, one RunLine per message of a history run)."""
    line = RunLine.__new__(RunLine)
    object.__setattr__(line, "__dict__", values)
    object.__setattr__(line, "__pydantic_fields_set__", set(_FIELDS))
    object.__setattr__(line, "__pydantic_extra__", None)
    object.__setattr__(line, "__pydantic_private__", None)
    return line


def index_line(
    record: dict[str, Any], at: int, size: int, thread_parent: str | None = None
) -> RunLine | None:
    """What a history run indexes of a record's message (`to_message`'s uuid, parents, role,
    timestamp, sidechain), at `at` and of `size` bytes, without folding its text; None when
    `to_message` gives no message."""
    kind = record.get("type")
    uuid = record.get("uuid")
    if kind not in ("user", "assistant", "system") or not isinstance(uuid, str) or not uuid:
        return None
    if record.get("isMeta") is True or not _has_body(record):
        return None
    return run_line(
        at,
        size,
        uuid,
        record.get("parentUuid"),
        "system" if record.get("isCompactSummary") is True else kind,
        record.get("timestamp"),
        record.get("isSidechain") is True,
        thread_parent,
    )
