"""Pure core: what a session's transcript says about the dialogs its terminal shows.

Claude Code runs the PermissionRequest hook while its own dialog is on screen, and does not stop
the hook when the user answers in the terminal. The hook input has no `tool_use_id`, so a
pending hook permission is matched to the transcript by tool name and input: the latest such
tool use claims it, and the terminal answered it when the transcript records that tool use's
result (or its refusal) after the permission was asked, or a new prompt typed after that tool
use (the terminal moved on). "After the permission was asked" is measured in bytes, against
the size of each transcript file at that moment, so the results of older identical tool uses
never count. The tool use itself may land in the file after the hook started (Claude Code
buffers its transcript writes), so it is not held to that size.

Where no hook can decide (auto mode's own checks), Claude Code fires the `Notification` hook
(`permission_prompt`, about 6 s after showing the dialog): the terminal waits for a person
until the transcript shows that dialog's tool result or a new prompt, or the CLI exits.

No I/O here: the agent feeds `Seen` events read from the transcripts and the hook inputs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mesh_agent.transcript import shrink
from mesh_protocol import Message

Behavior = Literal["allow", "deny"]
# Notification types that mean "the terminal shows something only a person can answer".
WAITING_NOTIFICATIONS = frozenset({"permission_prompt", "agent_needs_input", "elicitation_dialog"})
MAX_OPEN_TOOLS = 64  # tool uses without result kept per session (a killed CLI leaves some)


@dataclass(frozen=True)
class ToolUseSeen:
    """A tool use recorded in `file`, on the line ending at byte `end`."""

    file: str
    end: int
    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class ToolResultSeen:
    """The result (or the refusal) of tool use `id`; `behavior` says whether it was allowed."""

    file: str
    end: int
    id: str
    behavior: Behavior


@dataclass(frozen=True)
class PromptSeen:
    """A prompt typed by the user in the main transcript."""

    file: str
    end: int


Seen = ToolUseSeen | ToolResultSeen | PromptSeen


@dataclass(frozen=True)
class Answered:
    """The terminal answered hook permission `permission_id` (`behavior` None: it moved on)."""

    permission_id: str
    behavior: Behavior | None


def seen_in(
    record: dict[str, Any], message: Message | None, file: str, end: int, *, main: bool
) -> list[Seen]:
    """What one transcript line tells about tool uses, their results and typed prompts."""
    if message is None or record.get("isMeta") is True:
        return []
    found: list[Seen] = [ToolUseSeen(file, end, u.id, u.name, u.input) for u in message.tool_uses]
    refused = bool(record.get("toolDenialKind")) or record.get("toolUseResult") == (
        "User rejected tool use"
    )
    for result in message.tool_results:
        behavior: Behavior = "deny" if refused else "allow"
        found.append(ToolResultSeen(file, end, result.tool_use_id, behavior))
    typed = message.role == "user" and not message.tool_results and not message.is_sidechain
    text = message.text.lstrip()
    if main and typed and text and not text.startswith(("<", "[Request interrupted")):
        found.append(PromptSeen(file, end))
    return found


@dataclass
class _Watched:
    permission_id: str
    session_id: str
    tool_name: str
    input: dict[str, Any]
    sizes: Mapping[str, int]
    use_id: str | None = None  # the latest tool use of the transcript that is this call

    def after(self, seen: ToolResultSeen | PromptSeen) -> bool:
        return seen.end > self.sizes.get(seen.file, 0)


@dataclass
class _Waiting:
    sizes: Mapping[str, int]
    tool_id: str | None  # the latest tool use without result when the terminal said it waits


@dataclass
class _Session:
    open_tools: OrderedDict[str, ToolUseSeen] = field(default_factory=OrderedDict)
    waiting: _Waiting | None = None


class TerminalWatch:
    """Hook permissions the terminal may answer itself, and terminals waiting for a person."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}
        self._watched: dict[str, _Watched] = {}

    def watch(
        self,
        permission_id: str,
        session_id: str,
        tool_name: str,
        tool_input: dict[str, Any],
        sizes: Mapping[str, int],
    ) -> None:
        """Follow a hook permission asked when the session's files had `sizes` bytes."""
        watched = _Watched(permission_id, session_id, tool_name, shrink(tool_input), dict(sizes))
        session = self._sessions.get(session_id)
        for use in reversed(session.open_tools.values() if session else ()):
            if _same_call(watched, use):  # already read: the latest open one is this call
                watched.use_id = use.id
                break
        self._watched[permission_id] = watched

    def forget(self, permission_id: str) -> None:
        """Stop following a permission (decided by the phone, timed out)."""
        self._watched.pop(permission_id, None)

    def notified(self, session_id: str, sizes: Mapping[str, int]) -> None:
        """The terminal said it waits for a person (Notification hook)."""
        session = self._sessions.setdefault(session_id, _Session())
        latest = next(reversed(session.open_tools), None)
        session.waiting = _Waiting(dict(sizes), latest)

    def waiting(self, session_id: str) -> bool:
        """Whether the session's terminal waits for a person right now."""
        session = self._sessions.get(session_id)
        return session is not None and session.waiting is not None

    def ended(self, session_id: str) -> bool:
        """The session's CLI exited: its terminal waits for nothing; True when it was waiting."""
        session = self._sessions.get(session_id)
        if session is None or session.waiting is None:
            return False
        session.waiting = None
        return True

    def fold(self, session_id: str, events: Iterable[Seen]) -> list[Answered]:
        """Take new transcript events of a session, in file order; return what they answered."""
        session = self._sessions.setdefault(session_id, _Session())
        answered: list[Answered] = []
        for event in events:
            if isinstance(event, ToolUseSeen):
                self._claim(session_id, event)
                session.open_tools[event.id] = event
                while len(session.open_tools) > MAX_OPEN_TOOLS:
                    session.open_tools.popitem(last=False)
                continue
            if isinstance(event, ToolResultSeen):
                use = session.open_tools.pop(event.id, None)
                answered += self._answer_tool(session_id, use, event)
            else:
                answered += self._moved_on(session_id, event)
                session.open_tools.clear()  # a new turn: tool uses left open will get no result
            self._end_wait(session, event)
        return answered

    def _claim(self, session_id: str, use: ToolUseSeen) -> None:
        for watched in self._watched.values():
            if watched.session_id == session_id and _same_call(watched, use):
                watched.use_id = use.id

    def _answer_tool(
        self, session_id: str, use: ToolUseSeen | None, result: ToolResultSeen
    ) -> list[Answered]:
        if use is None:
            return []
        for watched in self._watched.values():  # oldest first
            if (
                watched.session_id == session_id
                and watched.use_id in (None, use.id)
                and watched.after(result)
                and _same_call(watched, use)
            ):
                del self._watched[watched.permission_id]
                return [Answered(watched.permission_id, result.behavior)]
        return []

    def _moved_on(self, session_id: str, prompt: PromptSeen) -> list[Answered]:
        gone = [
            w
            for w in self._watched.values()
            if w.session_id == session_id and w.use_id is not None and w.after(prompt)
        ]
        for watched in gone:
            del self._watched[watched.permission_id]
        return [Answered(w.permission_id, None) for w in gone]

    @staticmethod
    def _end_wait(session: _Session, event: ToolResultSeen | PromptSeen) -> None:
        waiting = session.waiting
        if waiting is None or event.end <= waiting.sizes.get(event.file, 0):
            return
        if isinstance(event, PromptSeen) or waiting.tool_id in (None, event.id):
            session.waiting = None


def _same_call(watched: _Watched, use: ToolUseSeen) -> bool:
    """The hook's tool and input are those of the transcript's tool use (an input may gain or
    lose optional fields between the two: one containing the other is the same call)."""
    if watched.tool_name != use.name:
        return False
    if watched.input == use.input:
        return True
    small, large = sorted((watched.input, use.input), key=len)
    return bool(small) and all(large.get(k) == v for k, v in small.items())
