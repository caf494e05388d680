"""The client briefings' steps for n8n, each one call of an `assistant.*` SQL function
(db/functions/briefings.sql owns the rules), errors mapped as the lifecycle's."""

from __future__ import annotations

from typing import Any

from solo_brain.mesh.store import Pool
from solo_brain.mesh.store.lifecycle import call


async def plan(pool: Pool, p: dict[str, Any]) -> dict[str, Any]:
    """Record the new briefings and their pending sends, once per event and start."""
    [row] = await call(pool, "SELECT assistant.plan_client_briefings(%s) AS r", p)
    planned: dict[str, Any] = row["r"]
    return planned


async def claim_sends(pool: Pool, p: dict[str, Any]) -> list[dict[str, Any]]:
    """The stage's due sends, each leased; those of started meetings given up first."""
    return await call(pool, "SELECT * FROM assistant.claim_client_briefing_sends(%s)", p)


async def record_send(pool: Pool, p: dict[str, Any]) -> dict[str, Any]:
    """Record a destination's answer to one send: done, pending again, or failed."""
    [row] = await call(pool, "SELECT assistant.record_client_briefing_send(%s) AS r", p)
    recorded: dict[str, Any] = row["r"]
    return recorded
