"""Pure core: Claude Code transcript lines → normalised messages and session metadata.

No I/O here. A transcript is JSONL; each line is one record with a `type`. Conversation records
(`user`, `assistant`, `system`) become `protocol.Message`s (mesh_protocol.fold, the fold the hub
shares); `summary`, `custom-title` and `ai-title` feed the session title, `permission-mode` (and
the `permissionMode` of prompts) its permission mode; every other type (`attachment`,
`queue-operation`, `file-history-snapshot`, `api-request`, ... and types added by future CLIs)
is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Protocol

from mesh_protocol import Message, is_valid_permission_mode
from mesh_protocol.fold import parse_line, shrink, thread_link, to_message, truncate

_TITLE_CHARS = 120

# The fold of one line lives in mesh_protocol.fold (the hub folds stored history with it).
__all__ = [
    "SessionMeta",
    "encode_cwd",
    "parse_line",
    "shrink",
    "thread_link",
    "to_message",
    "truncate",
]


class Record(Protocol):
    """A transcript record as `SessionMeta.update` reads it: its dict, or a light decode's."""

    def get(self, key: str, /) -> Any:
        """The value of field `key`, None when absent."""


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

    def update(self, record: Record, message: Message | None, *, main: bool) -> None:
        """Fold one record (and its message, if any) of a main or subagent transcript."""
        if message is not None and message.timestamp is not None:
            self.saw(message.timestamp)
        if not main:
            return  # subagent transcripts carry the subagent's task, not the session's
        kind = record.get("type")
        if kind == "custom-title" and isinstance(title := record.get("customTitle"), str):
            self.custom_title = _one_line(title)
        elif kind == "ai-title" and isinstance(title := record.get("aiTitle"), str):
            self.ai_title = _one_line(title)
        elif kind == "summary" and isinstance(title := record.get("summary"), str):
            self.summary = _one_line(title)
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

    def saw(self, timestamp: datetime) -> None:
        """A message of `timestamp` was folded (what `update` does with its message's)."""
        if self.last_msg_at is None or timestamp > self.last_msg_at:
            self.last_msg_at = timestamp

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
