"""One transcript line folded into a protocol Message: the fold the agent runs on every line it
sends and the hub runs on the history it stores as the transcript's own bytes (history runs).

No I/O here. A transcript is JSONL; each line is one record with a `type`. Conversation records
(`user`, `assistant`, `system`) become `Message`s (`to_message`); `fit` cuts the fields of a
message too big for one batch, so that a folded line is the same wherever it is folded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json

from mesh_protocol.batches import Message, ToolResult, ToolUse
from mesh_protocol.fields import MAX_FIELD_CHARS, MAX_FRAME_BYTES

# Records worth parsing; any other line is skipped without running the JSON parser on it (what
# a history run indexes of a line: mesh_protocol.line_index).
WANTED = re.compile(
    rb'"type"\s*:\s*"(?:user|assistant|system|summary|custom-title|ai-title|permission-mode)"'
)
LINK_PARSE_BYTES = 16 * 1024
# Claude Code writes parentUuid first and uuid after the content, near the end of the line.
_LEADING_PARENT = re.compile(rb'^\{\s*"parentUuid"\s*:\s*(?:null|"([^"\\]{1,128})")')
_TRAILING_UUID = re.compile(rb'"uuid"\s*:\s*"([^"\\]{1,128})"')


def thread_link(
    raw: bytes | bytearray, record: dict[str, Any] | None
) -> tuple[str, str | None] | None:
    """(uuid, parentUuid) of a line that has a uuid: from its record; for the lines
    `parse_line` skips (attachments, ...) by parsing them, or when long, from the places
    Claude Code writes both (None when not found: the thread then keeps the raw parent)."""
    if record is None:
        if b'"parentUuid"' not in raw:
            return None
        if len(raw) > LINK_PARSE_BYTES:
            return _link_of_long_line(raw)
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
    uuid, parent = record.get("uuid"), record.get("parentUuid")
    if not isinstance(uuid, str) or not uuid:
        return None
    return uuid, parent if isinstance(parent, str) else None


def parse_line(raw: bytes | bytearray) -> dict[str, Any] | None:
    """The record of one JSONL line, or None when the line is not one the mesh uses."""
    if not WANTED.search(raw):
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _link_of_long_line(raw: bytes | bytearray) -> tuple[str, str | None] | None:
    parent = _LEADING_PARENT.match(raw)
    uuids = _TRAILING_UUID.findall(raw, len(raw) - 1024)
    if parent is None or not uuids:
        return None
    found = parent.group(1)
    return uuids[-1].decode(), found.decode() if found else None


def truncate(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [tronqué : {len(text) - limit} caractères]"


def shrink(value: Any, limit: int = MAX_FIELD_CHARS) -> Any:
    """`value` with every string in it cut to `limit` characters (as tool inputs are sent)."""
    if isinstance(value, str):
        return truncate(value, limit)
    if isinstance(value, dict):
        return {str(k): shrink(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [shrink(v, limit) for v in value]
    return value


def _flatten(content: Any) -> str:
    """Text of a content value: a string, or a list of text/image/tool_result blocks."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict):
            if block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif block.get("type") == "image":
                parts.append("[image]")
            elif block.get("type") == "tool_result":
                parts.append(_flatten(block.get("content")))
    return "\n".join(p for p in parts if p)


def to_message(
    record: dict[str, Any], limit: int = MAX_FIELD_CHARS, thread_parent: str | None = None
) -> Message | None:
    """The normalised message of a record, or None for records that are not conversation."""
    kind = record.get("type")
    uuid = record.get("uuid")
    if kind not in ("user", "assistant", "system") or not isinstance(uuid, str) or not uuid:
        return None
    if record.get("isMeta") is True:
        return None
    role: str = kind
    text = ""
    uses: list[ToolUse] = []
    results: list[ToolResult] = []
    if kind == "system":
        text = _flatten(record.get("content"))
    else:
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            text = content
        elif isinstance(content, list):
            texts: list[str] = []
            for block in content:
                if not isinstance(block, dict):
                    continue
                btype = block.get("type")
                if btype == "text":
                    texts.append(str(block.get("text", "")))
                elif btype == "image":
                    texts.append("[image]")
                elif btype == "tool_use" and isinstance(block.get("id"), str):
                    tool_input = block.get("input")
                    uses.append(
                        ToolUse(
                            id=block["id"],
                            name=str(block.get("name", "")),
                            input=shrink(tool_input, limit) if isinstance(tool_input, dict) else {},
                        )
                    )
                elif btype == "tool_result" and isinstance(block.get("tool_use_id"), str):
                    results.append(
                        ToolResult(
                            tool_use_id=block["tool_use_id"],
                            content=truncate(_flatten(block.get("content")), limit),
                            is_error=bool(block.get("is_error", False)),
                        )
                    )
            text = "\n".join(t for t in texts if t)
        if record.get("isCompactSummary") is True:
            role = "system"
    if not text and not uses and not results:
        return None  # thinking-only blocks, empty system notes
    parent = record.get("parentUuid")
    fields: dict[str, Any] = {
        "uuid": uuid[:128],
        "parent_uuid": parent if isinstance(parent, str) else None,
        "role": role,
        "text": truncate(text, limit),
        "tool_uses": uses,
        "tool_results": results,
        "timestamp": record.get("timestamp"),
        "is_sidechain": record.get("isSidechain") is True,
        "thread_parent_uuid": thread_parent[:128] if thread_parent else None,
    }
    try:
        return Message(**fields)
    except ValidationError:
        fields["timestamp"] = None  # an unreadable timestamp must not lose the message
        return Message(**fields)


# A message bigger than this in a batch has its fields cut to SMALL_FIELD_CHARS; sizes of lines
# up to EXACT_SIZE_ABOVE bytes are not computed (such a line always folds to less).
MESSAGE_BUDGET = MAX_FRAME_BYTES // 2
EXACT_SIZE_ABOVE = 64 * 1024
SMALL_FIELD_CHARS = 4096


def fit(
    record: dict[str, Any], full: Message | None, line_bytes: int, thread_parent: str | None
) -> tuple[Message | None, int]:
    """The message a batch carries for a line of `line_bytes` bytes whose whole message is
    `full` (its fields cut when it exceeds MESSAGE_BUDGET), and the size it takes in a batch."""
    if full is None or line_bytes <= EXACT_SIZE_ABOVE:
        return full, line_bytes
    size = len(to_json(full))
    if size <= MESSAGE_BUDGET:
        return full, size
    message = to_message(record, SMALL_FIELD_CHARS, thread_parent)
    return message, len(to_json(message)) if message else 0


def fold_line(raw: bytes | bytearray, thread_parent: str | None = None) -> Message | None:
    """The message a batch carries for one transcript line (None: no conversation message)."""
    record = parse_line(raw)
    if record is None:
        return None
    return fit(record, to_message(record, thread_parent=thread_parent), len(raw), thread_parent)[0]
