"""The permission sweeper: permissions nobody decided in time are denied and expired.

It runs for the hub's lifetime, every quarter of MESH_PERMISSION_TIMEOUT_S (between 0.2 and 5 s),
so a permission expires at most that long after its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from solo_brain.mesh.hub import Hub

log = logging.getLogger(__name__)


def sweep_interval(permission_timeout_s: float) -> float:
    """Seconds between two sweeps for a permission timeout."""
    return max(0.2, min(5.0, permission_timeout_s / 4))


async def sweep_permissions(hub: Hub) -> None:
    """Expire permissions nobody decided in time, every few seconds, until cancelled."""
    every = sweep_interval(hub.settings.permission_timeout_s)
    while True:
        await asyncio.sleep(every)
        try:
            await hub.expire_stale_permissions()
        except Exception:  # a failed sweep is retried at the next tick
            log.exception("permission sweep failed")


@contextlib.asynccontextmanager
async def running_sweeper(hub: Hub) -> AsyncIterator[None]:
    """The sweeper runs while the context is open (the hub's lifespan)."""
    task = asyncio.create_task(sweep_permissions(hub), name="mesh-permission-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
