"""Pending permission requests of this agent, and the one round trip that asks the phone.

`PermissionBook.ask()` serves both askers: the prompt runner (`source: sdk`, Claude Code's
`can_use_tool`) and the terminal hook relay (`source: hook`). It registers the request, sends
it, waits for the hub's `permission_decision`, and says why the wait ended (core.Ended):

    decided     the phone's decision is returned
    timeout     nobody decided in time: the hub is told (`timeout` for a prompt's tool, whose
                runner denies it; `terminal` for a hook, whose terminal asks itself)
    withdrawn   the transcript showed that the terminal answered (`withdraw()`, reported there)
    hung up     the hook went away (the asker is cancelled): the terminal answered, or the CLI
                ended. The transcript gets `settle_s` (1 s) to show what it answered; after
                that the hub is told `terminal`.

The book survives reconnections: after each `welcome` the agent resends every request still
open (`pending()`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel

from mesh_agent.core import Ended, resolution
from mesh_protocol import (
    RESOLVED_ANSWERED,
    PermissionDecision,
    PermissionRequest,
    PermissionResolved,
)

# After a hook hangs up, how long the transcript gets to show what the terminal answered
# before the permission is reported as merely ended.
SETTLE_S = 1.0

Emit = Callable[[BaseModel], Awaitable[None]]
Decided = asyncio.Future[PermissionDecision | None]


@dataclass(frozen=True)
class Asked:
    """How asking the phone ended: its decision (None unless `ended` is DECIDED), and why."""

    decision: PermissionDecision | None
    ended: Ended


@dataclass
class _Open:
    request: PermissionRequest
    future: Decided


class PermissionBook:
    """Open permission requests by id, and the round trip to the phone."""

    def __init__(
        self,
        *,
        emit: Emit,
        on_change: Callable[[str], None],
        spawn: Callable[[Awaitable[None]], None],
        settle_s: float = SETTLE_S,
    ) -> None:
        self._emit = emit
        self._on_change = on_change  # a session's status may have changed
        self._spawn = spawn
        self._settle_s = settle_s
        self._open: dict[str, _Open] = {}
        self._settling: set[str] = set()  # hook gone, the transcript may still say the answer

    async def ask(
        self,
        request: PermissionRequest,
        within_s: float,
        *,
        on_end: Callable[[], None] | None = None,
    ) -> Asked:
        """Send `request`, wait up to `within_s` for the phone; `on_end` runs once the
        permission is over for good (after the settle when the asker is cancelled)."""
        pid = request.permission_id
        future: Decided = asyncio.get_running_loop().create_future()
        self._open[pid] = _Open(request, future)
        self._on_change(request.session_id)
        try:
            await self._emit(request)
            decision = await asyncio.wait_for(asyncio.shield(future), within_s)
        except TimeoutError:  # a decision delivered at that very moment still counts
            decision = future.result() if future.done() else None
        except asyncio.CancelledError:
            if self._close(pid):  # the hook hung up: let the transcript say what happened
                self._settling.add(pid)
                self._spawn(self._settle(pid, on_end))
            elif on_end is not None:
                on_end()
            self._on_change(request.session_id)
            raise
        if decision is not None:
            ended = Ended.DECIDED
        elif self._close(pid):
            ended = Ended.TIMEOUT
            reason = resolution(request.source, ended)
            await self._emit(PermissionResolved(permission_id=pid, reason=reason))
        else:
            ended = Ended.WITHDRAWN
        self._on_change(request.session_id)
        if on_end is not None:
            on_end()
        return Asked(decision, ended)

    async def _settle(self, permission_id: str, on_end: Callable[[], None] | None) -> None:
        await asyncio.sleep(self._settle_s)
        if permission_id in self._settling:
            self._settling.discard(permission_id)
            reason = resolution("hook", Ended.HUNG_UP)
            await self._emit(PermissionResolved(permission_id=permission_id, reason=reason))
        if on_end is not None:
            on_end()

    def decide(self, decision: PermissionDecision) -> bool:
        """Deliver the phone's decision; False when the request is unknown or already closed."""
        entry = self._open.pop(decision.permission_id, None)
        if entry is None or entry.future.done():
            return False
        entry.future.set_result(decision)
        return True

    async def withdraw(self, permission_id: str, behavior: str | None) -> bool:
        """The transcript shows the terminal answered (`behavior`, None: it moved on): end the
        wait with no decision and tell the hub. False when the permission was already over."""
        if not (self._close(permission_id) or permission_id in self._settling):
            return False
        self._settling.discard(permission_id)
        await self._emit(
            PermissionResolved.model_validate(
                {"permission_id": permission_id, "reason": RESOLVED_ANSWERED, "behavior": behavior}
            )
        )
        return True

    def _close(self, permission_id: str) -> bool:
        """Forget a request that ended without a decision; True when it was still open."""
        entry = self._open.pop(permission_id, None)
        if entry is None:
            return False
        if not entry.future.done():
            entry.future.set_result(None)
        return True

    def pending(self) -> list[PermissionRequest]:
        """Every request still waiting, oldest first."""
        return [entry.request for entry in self._open.values()]

    def waiting_sessions(self) -> set[str]:
        """Sessions with at least one request waiting."""
        return {entry.request.session_id for entry in self._open.values()}
