"""The scheduled routines' steps for n8n, each one call of an `assistant.*` SQL function
(db/functions/reminders.sql, audit.sql own the rules), errors mapped as the lifecycle's."""

from __future__ import annotations

from typing import Any

from solo_brain.mesh.store import Pool
from solo_brain.mesh.store.lifecycle import call


async def claim_reminders(pool: Pool, p: dict[str, Any]) -> list[dict[str, Any]]:
    """The open actions due within the lead, each marked reminded as it is taken."""
    return await call(pool, "SELECT * FROM assistant.claim_reminders(%s)", p)


async def briefing(pool: Pool, tz: str) -> dict[str, Any]:
    """Today's date in `tz`, its open actions and the overdue ones."""
    [row] = await call(pool, "SELECT assistant.briefing(%s) AS b", {"tz": tz})
    found: dict[str, Any] = row["b"]
    return found


async def record_workflow_failure(pool: Pool, p: dict[str, Any]) -> dict[str, Any]:
    """Keep a failed execution in the audit log; the notification's title and message."""
    [row] = await call(pool, "SELECT assistant.record_workflow_failure(%s) AS f", p)
    kept: dict[str, Any] = row["f"]
    return kept
