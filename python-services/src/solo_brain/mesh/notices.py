"""What the hub's events say in a few words, so that n8n can word a push without logic of its own:
the session's short name, a one-line summary of a tool call, a reply short enough to speak, and
the app's page an event is about. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

SUMMARY_CHARS = 80
SPOKEN_CHARS = 400

# The input field that says best what a tool is about to do.
_TOOL_FIELDS = {
    "Bash": "command",
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "Read": "file_path",
    "NotebookEdit": "notebook_path",
    "WebFetch": "url",
    "WebSearch": "query",
    "Grep": "pattern",
    "Glob": "pattern",
    "Task": "description",
}


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def session_label(session: dict[str, Any] | None, session_id: str) -> str:
    """The name the user knows a session by: its project, else its cwd's folder, else its title."""
    if session:
        if session.get("project"):
            return str(session["project"])
        if session.get("cwd"):
            return PurePosixPath(str(session["cwd"])).name or str(session["cwd"])
        if session.get("title"):
            return _clip(str(session["title"]), 40)
    return session_id[:8]


def tool_summary(tool_name: str, tool_input: dict[str, Any]) -> str:
    """`Bash `npm test``: the tool and what it acts on, on one short line."""
    field = _TOOL_FIELDS.get(tool_name)
    value = tool_input.get(field) if field else None
    if value is None:
        value = next((v for v in tool_input.values() if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str) or not value.strip():
        return tool_name
    return f"{tool_name} `{_clip(value, SUMMARY_CHARS)}`"


_CODE_BLOCK = re.compile(r"```.*?(```|$)", re.S)
_MARKUP = re.compile(r"[*_`#>|]+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def spoken_reply(text: str | None, limit: int = SPOKEN_CHARS) -> str | None:
    """Claude's answer made sayable: no code blocks or markdown, cut at a sentence near `limit`."""
    if not text or not text.strip():
        return None
    plain = _CODE_BLOCK.sub(" (code) ", text)
    plain = _LINK.sub(r"\1", plain)
    plain = " ".join(_MARKUP.sub(" ", plain).split())
    if len(plain) <= limit:
        return plain or None
    cut = plain[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if end >= limit // 3:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"


def app_path(data: dict[str, Any]) -> str | None:
    """The app's page an event is about, in the app's path form: `/sessions/<id>`,
    `/captures/<id>`, or `/sessions` for an event about a machine (None when none fits)."""
    if isinstance(data.get("session_id"), str) and data["session_id"]:
        return f"/sessions/{quote(data['session_id'], safe='')}"
    if isinstance(data.get("capture_id"), str) and data["capture_id"]:
        return f"/captures/{quote(data['capture_id'], safe='')}"
    if data.get("agent_id"):
        return "/sessions"
    return None
