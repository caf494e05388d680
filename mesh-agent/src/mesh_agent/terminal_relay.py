"""Terminal sessions' hooks, relayed to the hub: what the phone shows is what the terminal shows.

PermissionRequest   the tool call becomes a `permission_request` (source `hook`); the phone's
                    decision is printed back to Claude Code. The terminal shows its own dialog
                    at the same time: when the transcript shows that the terminal answered it
                    (mesh_agent.terminal), the request is withdrawn at once
                    (`permission_resolved {reason: answered_in_terminal, behavior}`) and the
                    hook prints nothing.
Notification        `permission_prompt` / `agent_needs_input` / `elicitation_dialog`: the
                    terminal shows a dialog nobody relays (auto mode's own checks): the session
                    says `terminal_waiting` until the transcript shows it answered.

The round trip to the phone (and the 1 s settle after a hook hangs up) is
`PermissionBook.ask()`, shared with the prompt runner. Every path that cannot decide answers
None at once, so Claude Code's own dialog stays the fallback: no hub connection, an invalid
input, no decision within `hook_timeout_s`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mesh_agent.core import hook_answer
from mesh_agent.index import Index
from mesh_agent.permissions import PermissionBook
from mesh_agent.reader import file_size
from mesh_agent.terminal import WAITING_NOTIFICATIONS, Seen, TerminalWatch
from mesh_agent.transcript import SessionMeta
from mesh_protocol import PermissionRequest, is_valid_permission_mode, is_valid_session_id

log = logging.getLogger(__name__)


class TerminalRelay:
    """The agent's side of the terminal hooks (one per agent)."""

    def __init__(
        self,
        *,
        index: Index,
        book: PermissionBook,
        touch: Callable[[str], None],
        connected: Callable[[], bool],
        read_soon: Callable[[str], None],
        hook_timeout_s: float,
    ) -> None:
        self.index = index
        self.book = book
        self.watch = TerminalWatch()
        self._touch = touch  # a session's status may have changed
        self._connected = connected
        self._read_soon = read_soon  # a transcript file (key) changed or appeared
        self._timeout = hook_timeout_s

    async def decide(self, payload: dict[str, Any]) -> dict[str, str] | None:
        """Answer one hook input; None lets the terminal's own dialog decide."""
        session_id = str(payload.get("session_id", ""))
        if not is_valid_session_id(session_id):
            return None
        event = payload.get("hook_event_name", "PermissionRequest")
        meta = self._track(session_id, payload)
        if event == "Notification":
            if payload.get("notification_type") in WAITING_NOTIFICATIONS:
                self.watch.notified(session_id, self._sizes(session_id))
                self._touch(session_id)
            return None
        if event != "PermissionRequest":
            return None
        mode = payload.get("permission_mode")
        if is_valid_permission_mode(mode):
            meta.permission_mode = mode
        if not self._connected():
            return None
        return await self._relay(session_id, payload)

    async def _relay(self, session_id: str, payload: dict[str, Any]) -> dict[str, str] | None:
        tool_input = payload.get("tool_input")
        request = PermissionRequest(
            permission_id=f"perm_{uuid.uuid4().hex}",
            session_id=session_id,
            tool_name=str(payload.get("tool_name", "")),
            input=tool_input if isinstance(tool_input, dict) else {},
            source="hook",
        )
        pid = request.permission_id
        self.watch.watch(pid, session_id, request.tool_name, request.input, self._sizes(session_id))
        asked = await self.book.ask(request, self._timeout, on_end=lambda: self.watch.forget(pid))
        return hook_answer(asked.decision)

    async def on_seen(self, session_id: str, seen: Iterable[Seen]) -> None:
        """New transcript lines of a session: withdraw the permissions the terminal answered."""
        was_waiting = self.watch.waiting(session_id)
        for answer in self.watch.fold(session_id, seen):
            if await self.book.withdraw(answer.permission_id, answer.behavior):
                log.info(
                    "permission %s answered in the terminal (%s)",
                    answer.permission_id,
                    answer.behavior,
                )
                self._touch(session_id)
        if was_waiting != self.watch.waiting(session_id):
            self._touch(session_id)

    def ended(self, session_id: str) -> None:
        """The session's CLI exited: its terminal waits for nothing any more."""
        if self.watch.ended(session_id):
            self._touch(session_id)

    def waiting(self, session_id: str) -> bool:
        """Whether the terminal waits for a person on a dialog no hook permission stands for."""
        return self.watch.waiting(session_id) and session_id not in self.book.waiting_sessions()

    def _track(self, session_id: str, payload: dict[str, Any]) -> SessionMeta:
        """Read the hook's transcript soon, and learn the session's folder from the hook."""
        transcript = payload.get("transcript_path")
        if isinstance(transcript, str) and transcript:
            cursor = self.index.track(Path(transcript))
            if cursor is not None:
                self._read_soon(cursor.ref.key)
        meta = self.index.sessions.setdefault(session_id, SessionMeta(session_id))
        if not meta.cwd and isinstance(payload.get("cwd"), str):
            meta.cwd = payload["cwd"]
        return meta

    def _sizes(self, session_id: str) -> dict[str, int]:
        """The current size of each transcript file of the session."""
        files = [c for c in list(self.index.files.values()) if c.ref.session_id == session_id]
        return {c.ref.key: file_size(c.ref.path) for c in files}
