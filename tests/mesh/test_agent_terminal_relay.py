"""The agent's side of the terminal hooks, without sockets: relay, withdrawal, waiting."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mesh_agent.index import Index
from mesh_agent.permissions import PermissionBook
from mesh_agent.terminal_relay import TerminalRelay
from mesh_protocol import (
    RESOLVED_ANSWERED,
    RESOLVED_TERMINAL,
    PermissionDecision,
    PermissionRequest,
    PermissionResolved,
)
from tests.support.wait import until

SID = "5b0f8a3c-2d1e-4f6a-9b8c-7d6e5f4a3b2c"
TOOL = {"command": "touch x", "description": "Créer x"}


class Rig:
    """A TerminalRelay on a real transcript folder; frames it emits are recorded."""

    def __init__(self, projects: Path, *, connected: bool = True) -> None:
        self.transcript = projects / "-p" / f"{SID}.jsonl"
        self.transcript.parent.mkdir(parents=True)
        self.transcript.write_text("")
        self.index = Index(projects)
        self.sent: list[BaseModel] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.book = PermissionBook(
            emit=self._emit, on_change=lambda _: None, spawn=self._spawn, settle_s=0.2
        )
        self.relay = TerminalRelay(
            index=self.index,
            book=self.book,
            touch=lambda _: None,
            connected=lambda: connected,
            read_soon=lambda _: None,
            hook_timeout_s=30,
        )

    async def _emit(self, frame: BaseModel) -> None:
        self.sent.append(frame)

    def _spawn(self, coro: Awaitable[None]) -> None:
        self.tasks.append(asyncio.ensure_future(coro))

    def hook(self, event: str = "PermissionRequest", **extra: Any) -> dict[str, Any]:
        """A hook input as Claude Code gives it."""
        return {
            "session_id": SID,
            "transcript_path": str(self.transcript),
            "cwd": "/p",
            "hook_event_name": event,
            "permission_mode": "default",
            "tool_name": "Bash",
            "tool_input": TOOL,
            **extra,
        }

    def write(self, *records: dict[str, Any]) -> None:
        with self.transcript.open("a") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")

    async def read(self) -> None:
        """Read the transcript as the agent's sync loop does, and hand over what it saw."""
        for cursor in list(self.index.files.values()):
            step = self.index.advance(cursor)
            if step.seen:
                await self.relay.on_seen(SID, step.seen)

    def requests(self) -> list[PermissionRequest]:
        return [f for f in self.sent if isinstance(f, PermissionRequest)]

    def resolved(self) -> list[PermissionResolved]:
        return [f for f in self.sent if isinstance(f, PermissionResolved)]


def _tool_use(n: int) -> dict[str, Any]:
    content = [{"type": "tool_use", "id": f"toolu_{n}", "name": "Bash", "input": TOOL}]
    return {"type": "assistant", "uuid": f"a{n}", "message": {"content": content}}


def _result(n: int, refused: bool = False) -> dict[str, Any]:
    block = {"type": "tool_result", "tool_use_id": f"toolu_{n}", "is_error": refused}
    extra = {"toolUseResult": "User rejected tool use"} if refused else {}
    return {"type": "user", "uuid": f"r{n}", "message": {"content": [block]}, **extra}


async def test_the_phones_decision_is_returned_to_the_hook(tmp_path: Path) -> None:
    """The hook's permission goes to the hub; the phone's deny comes back with its reason,
    and the session's mode is learnt from the hook."""
    rig = Rig(tmp_path)
    asking = asyncio.ensure_future(rig.relay.decide(rig.hook()))
    [request] = await until(rig.requests, what="the request sent")
    decision = PermissionDecision(permission_id=request.permission_id, behavior="deny")
    assert rig.book.decide(decision)
    assert await asking == {"behavior": "deny", "message": "Refusé depuis le téléphone."}
    assert rig.resolved() == []
    assert rig.index.sessions[SID].permission_mode == "default"


async def test_a_terminal_answer_withdraws_the_permission(tmp_path: Path) -> None:
    """The tool's result in the transcript ends the hook's wait with no decision and tells
    the hub how the terminal answered."""
    rig = Rig(tmp_path)
    rig.write(_tool_use(1))
    asking = asyncio.ensure_future(rig.relay.decide(rig.hook()))
    [request] = await until(rig.requests, what="the request sent")
    await rig.read()
    assert not asking.done()
    rig.write(_result(1))
    await rig.read()
    assert await asking is None
    assert rig.resolved() == [
        PermissionResolved(
            permission_id=request.permission_id, reason=RESOLVED_ANSWERED, behavior="allow"
        )
    ]


async def test_a_hook_killed_by_a_refusal_reports_the_refusal(tmp_path: Path) -> None:
    """Claude Code kills the hook when the terminal refuses; the refusal read just after
    is what the hub is told. Without one, the permission merely ended."""
    rig = Rig(tmp_path)
    rig.write(_tool_use(1))
    await rig.read()
    first = asyncio.ensure_future(rig.relay.decide(rig.hook()))
    [request] = await until(rig.requests, what="the request sent")
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)  # the hook is gone, then the line lands
    rig.write(_result(1, refused=True))
    await rig.read()
    second = asyncio.ensure_future(rig.relay.decide(rig.hook(tool_input={"command": "ls"})))
    [_, other] = await until(lambda: len(rig.requests()) == 2 and rig.requests(), what="two")
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    await asyncio.gather(*rig.tasks)
    assert {(r.permission_id, r.reason, r.behavior) for r in rig.resolved()} == {
        (request.permission_id, RESOLVED_ANSWERED, "deny"),
        (other.permission_id, RESOLVED_TERMINAL, None),
    }


async def test_no_hub_means_no_wait_and_a_notification_means_waiting(tmp_path: Path) -> None:
    """Without a hub connection the hook gets no decision at once; a permission_prompt
    notification marks the terminal waiting until its tool's result."""
    rig = Rig(tmp_path, connected=False)
    assert await asyncio.wait_for(rig.relay.decide(rig.hook()), 1) is None
    assert rig.sent == []
    rig.write(_tool_use(2))
    await rig.read()
    notice = rig.hook("Notification", notification_type="permission_prompt")
    assert await rig.relay.decide(notice) is None
    assert rig.relay.waiting(SID)
    assert await rig.relay.decide(rig.hook("Notification", notification_type="idle_prompt")) is None
    rig.write(_result(2))
    await rig.read()
    assert not rig.relay.waiting(SID)
