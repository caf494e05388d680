"""One round trip to the phone for every permission: decided, timed out, withdrawn, hung up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from pydantic import BaseModel

from mesh_agent.core import Ended
from mesh_agent.permissions import Asked, PermissionBook
from mesh_protocol import (
    RESOLVED_ANSWERED,
    RESOLVED_TERMINAL,
    RESOLVED_TIMEOUT,
    PermissionDecision,
    PermissionRequest,
    PermissionResolved,
)
from tests.support.wait import until

SID = "5b0f8a3c-2d1e-4f6a-9b8c-7d6e5f4a3b2c"


class Book:
    """A PermissionBook whose frames, status changes and background tasks are recorded."""

    def __init__(self, settle_s: float = 0.05) -> None:
        self.sent: list[BaseModel] = []
        self.changes: list[str] = []
        self.tasks: list[asyncio.Future[None]] = []
        self.ended: list[str] = []
        self.book = PermissionBook(
            emit=self._emit, on_change=self.changes.append, spawn=self._spawn, settle_s=settle_s
        )

    async def _emit(self, frame: BaseModel) -> None:
        self.sent.append(frame)

    def _spawn(self, coro: Awaitable[None]) -> None:
        self.tasks.append(asyncio.ensure_future(coro))

    def ask(self, source: str = "hook", within_s: float = 30) -> asyncio.Task[Asked]:
        """Start asking the phone for a new request."""
        request = PermissionRequest.model_validate(
            {
                "permission_id": f"perm_{len(self.sent)}",
                "session_id": SID,
                "tool_name": "Bash",
                "input": {"command": "ls"},
                "source": source,
            }
        )
        on_end = lambda: self.ended.append(request.permission_id)  # noqa: E731
        return asyncio.create_task(self.book.ask(request, within_s, on_end=on_end))

    async def request(self) -> PermissionRequest:
        """The request the book sent (waiting for it)."""
        found = await until(
            lambda: [f for f in self.sent if isinstance(f, PermissionRequest)], what="request"
        )
        return found[-1]

    def resolved(self) -> list[PermissionResolved]:
        return [f for f in self.sent if isinstance(f, PermissionResolved)]


async def test_the_phones_decision_ends_the_wait() -> None:
    """The request is sent and pending; the decision comes back and nothing else is said."""
    rig = Book()
    asking = rig.ask()
    request = await rig.request()
    assert rig.book.pending() == [request] and rig.book.waiting_sessions() == {SID}
    decision = PermissionDecision(permission_id=request.permission_id, behavior="allow")
    assert rig.book.decide(decision)
    asked = await asking
    assert asked.decision == decision and asked.ended is Ended.DECIDED
    assert rig.resolved() == [] and rig.book.pending() == []
    assert rig.ended == [request.permission_id] and rig.changes.count(SID) >= 2
    assert not rig.book.decide(decision)  # a second decision is refused


async def test_a_timeout_is_reported_by_source() -> None:
    """Without a decision in time, a prompt's tool is reported `timeout` and a hook's
    `terminal`; a late decision is not applied."""
    rig = Book()
    sdk = await rig.ask("sdk", within_s=0.01)
    hook = await rig.ask("hook", within_s=0.01)
    assert sdk.ended is Ended.TIMEOUT and hook.ended is Ended.TIMEOUT
    assert [r.reason for r in rig.resolved()] == [RESOLVED_TIMEOUT, RESOLVED_TERMINAL]
    late = PermissionDecision(permission_id=rig.resolved()[0].permission_id, behavior="allow")
    assert not rig.book.decide(late)
    assert rig.book.waiting_sessions() == set()


async def test_a_withdrawal_ends_the_wait_and_tells_the_terminals_answer() -> None:
    """The transcript's answer ends the wait with no decision, reported once as
    answered_in_terminal with the terminal's behavior."""
    rig = Book()
    asking = rig.ask()
    request = await rig.request()
    assert await rig.book.withdraw(request.permission_id, "deny")
    asked = await asking
    assert asked.decision is None and asked.ended is Ended.WITHDRAWN
    assert not await rig.book.withdraw(request.permission_id, "deny")
    assert [(r.reason, r.behavior) for r in rig.resolved()] == [(RESOLVED_ANSWERED, "deny")]


async def test_a_hung_up_hook_settles_before_it_is_reported() -> None:
    """When the hook hangs up, the transcript has the settle time to say what the terminal
    answered; otherwise the hub hears `terminal`, once, after it."""
    rig = Book(settle_s=0.2)
    answered = rig.ask()
    first = await rig.request()
    answered.cancel()
    await asyncio.gather(answered, return_exceptions=True)
    assert rig.book.pending() == [] and rig.resolved() == []
    assert await rig.book.withdraw(first.permission_id, "allow")  # read within the settle
    silent = rig.ask()
    second = await until(lambda: len(rig.book.pending()) == 1 and rig.book.pending()[0])
    silent.cancel()
    await asyncio.gather(silent, return_exceptions=True)
    await asyncio.gather(*rig.tasks)
    assert {(r.permission_id, r.reason, r.behavior) for r in rig.resolved()} == {
        (first.permission_id, RESOLVED_ANSWERED, "allow"),
        (second.permission_id, RESOLVED_TERMINAL, None),
    }
    assert sorted(rig.ended) == sorted([first.permission_id, second.permission_id])
