"""The limits and field types every frame of the CC Mesh protocol shares (ids, file keys,
offsets, timestamps, permission modes), the frames' base class and the error a bad frame raises.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


def _zoned(when: datetime) -> datetime:
    # A transcript's timestamp without a zone ("2026-05-14") is read as UTC, as Claude Code
    # writes them: a zoneless one beside zoned ones could not be compared (TypeError).
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# A message's time: always zoned.
Timestamp = Annotated[datetime, AfterValidator(_zoned)]


class ProtocolError(ValueError):
    """A frame that is not valid JSON, has an unknown type or invalid fields."""


class Frame(BaseModel):
    """The base of every frame: frozen, unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def is_valid_session_id(value: str) -> bool:
    """Whether `value` is an acceptable session id (letters, digits, '-', at most 64)."""
    return bool(_SESSION_ID_RE.fullmatch(value))


def is_valid_permission_mode(value: object) -> bool:
    """Whether `value` can be sent as a session's permission mode."""
    return isinstance(value, str) and bool(_PERMISSION_MODE_RE.fullmatch(value))
