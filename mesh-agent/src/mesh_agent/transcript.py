"""Pure core: Claude Code transcript lines → normalised messages and session metadata.

No I/O here. A transcript is JSONL; each line is one record with a `type`. Conversation records
(`user`, `assistant`, `system`) become `protocol.Message`s; `summary`, `custom-title` and
`ai-title` feed the session title, `permission-mode` (and the `permissionMode` of prompts) its
permission mode; every other type (`attachment`, `queue-operation`,
`file-history-snapshot`, `api-request`, ... and types added by future CLIs) is skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from mesh_protocol import (
    MAX_FIELD_CHARS,
    Message,
    ToolResult,
    ToolUse,
    is_valid_permission_mode,
)

# Records worth parsing; any other line is skipped without running the JSON parser on it.
_WANTED = re.compile(
    rb'"type"\s*:\s*"(?:user|assistant|system|summary|custom-title|ai-title|permission-mode)"'
)
_TITLE_CHARS = 120
_LINK_PARSE_BYTES = 16 * 1024
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
        if len(raw) > _LINK_PARSE_BYTES:
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
    if not _WANTED.search(raw):
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


def encode_cwd(cwd: str) -> str:
    """The projects/ folder name Claude Code derives from a cwd (lossy, ASCII only)."""
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


@dataclass
class SessionMeta:
    """What the transcripts say about one session; `update` folds records in file order."""

    session_id: str
    project_dir: str = ""
    cwd: str = ""
    git_branch: str | None = None
    custom_title: str = ""
    ai_title: str = ""
    summary: str = ""
    first_prompt: str = ""
    last_msg_at: datetime | None = None
    permission_mode: str | None = None  # as Claude Code names it: default (manual), plan, ...

    @property
    def title(self) -> str:
        """Custom title > AI title > summary > first prompt."""
        return self.custom_title or self.ai_title or self.summary or self.first_prompt

    @property
    def project(self) -> str:
        """The project's name: the basename of the real cwd."""
        return PurePosixPath(self.cwd).name if self.cwd else ""

    def snapshot(self) -> tuple[object, ...]:
        """The fields the hub sees, to tell whether an update changed anything."""
        return (
            self.cwd,
            self.project,
            self.title,
            self.git_branch,
            self.last_msg_at,
            self.permission_mode,
        )

    def update(self, record: dict[str, Any], message: Message | None, *, main: bool) -> None:
        """Fold one record (and its message, if any) of a main or subagent transcript."""
        if message is not None and message.timestamp is not None:
            if self.last_msg_at is None or message.timestamp > self.last_msg_at:
                self.last_msg_at = message.timestamp
        if not main:
            return  # subagent transcripts carry the subagent's task, not the session's
        kind = record.get("type")
        if kind == "custom-title" and isinstance(record.get("customTitle"), str):
            self.custom_title = _one_line(record["customTitle"])
        elif kind == "ai-title" and isinstance(record.get("aiTitle"), str):
            self.ai_title = _one_line(record["aiTitle"])
        elif kind == "summary" and isinstance(record.get("summary"), str):
            self.summary = _one_line(record["summary"])
        mode = record.get("permissionMode")
        if kind in ("permission-mode", "user") and is_valid_permission_mode(mode):
            self.permission_mode = mode
        cwd = record.get("cwd")
        if isinstance(cwd, str) and cwd and self._better_cwd(cwd):
            self.cwd = cwd
        branch = record.get("gitBranch")
        if isinstance(branch, str) and branch:
            self.git_branch = branch
        if (
            not self.first_prompt
            and message is not None
            and message.role == "user"
            and not message.tool_results
            and message.text
            and not message.text.lstrip().startswith("<")
            and not message.is_sidechain
        ):
            self.first_prompt = _one_line(message.text)

    def absorb_older(self, older: SessionMeta) -> None:
        """Fold what `older` (the fold of lines that all precede those folded here) says, as if
        its lines had come first: later values stay, the first prompt and cwd are the older."""
        if older.last_msg_at is not None and (
            self.last_msg_at is None or older.last_msg_at > self.last_msg_at
        ):
            self.last_msg_at = older.last_msg_at
        self.custom_title = self.custom_title or older.custom_title
        self.ai_title = self.ai_title or older.ai_title
        self.summary = self.summary or older.summary
        self.permission_mode = self.permission_mode or older.permission_mode
        self.git_branch = self.git_branch or older.git_branch
        self.first_prompt = older.first_prompt or self.first_prompt
        if older.cwd:
            newer, self.cwd = self.cwd, older.cwd
            if newer and self._better_cwd(newer):
                self.cwd = newer

    def _better_cwd(self, cwd: str) -> bool:
        # The session's home is the cwd its folder was named after; later lines may show a
        # subdirectory the shell moved to. Keep the first cwd unless a later one matches better.
        if not self.cwd:
            return True
        if self.project_dir and self.cwd != cwd:
            return not _matches(self.cwd, self.project_dir) and _matches(cwd, self.project_dir)
        return False


def _matches(cwd: str, project_dir: str) -> bool:
    encoded = encode_cwd(cwd)
    return encoded == project_dir or (len(project_dir) > 200 and encoded[:200] == project_dir[:200])


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _TITLE_CHARS else flat[: _TITLE_CHARS - 1] + "…"
