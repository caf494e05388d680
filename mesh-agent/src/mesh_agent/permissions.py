"""Pending permission requests of this agent, waiting for the phone's decision.

A request is opened by the prompt runner (`source: sdk`) or the terminal hook relay
(`source: hook`), sent to the hub, and waits for a `permission_decision`. The book survives
reconnections: after each `welcome` the agent resends every request still open.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mesh_protocol import PermissionDecision, PermissionRequest

Decided = asyncio.Future[PermissionDecision | None]


@dataclass
class _Open:
    request: PermissionRequest
    future: Decided


class PermissionBook:
    """Open permission requests by id."""

    def __init__(self) -> None:
        self._open: dict[str, _Open] = {}

    def open(self, request: PermissionRequest) -> Decided:
        """Register `request`; the returned future completes with the hub's decision."""
        future: Decided = asyncio.get_running_loop().create_future()
        self._open[request.permission_id] = _Open(request, future)
        return future

    def decide(self, decision: PermissionDecision) -> bool:
        """Deliver a decision; False when the request is unknown or already closed."""
        entry = self._open.pop(decision.permission_id, None)
        if entry is None or entry.future.done():
            return False
        entry.future.set_result(decision)
        return True

    def close(self, permission_id: str) -> bool:
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

    async def wait(self, future: Decided, within_s: float) -> PermissionDecision | None:
        """The decision, or None when closed or after `within_s` seconds."""
        try:
            return await asyncio.wait_for(asyncio.shield(future), within_s)
        except TimeoutError:
            return None
