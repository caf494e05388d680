"""The questions' steps for n8n, each one call of an `assistant.*` SQL function
(db/functions/questions.sql owns the rules), errors mapped as the lifecycle's."""

from __future__ import annotations

from typing import Any

from solo_brain.mesh.store import Pool
from solo_brain.mesh.store.lifecycle import call


async def facts(pool: Pool, p: dict[str, Any]) -> dict[str, Any]:
    """The user's own data the question is about, and the calendar query for its events."""
    [row] = await call(pool, "SELECT assistant.question_facts(%s) AS r", p)
    gathered: dict[str, Any] = row["r"]
    return gathered


async def answer(pool: Pool, p: dict[str, Any]) -> dict[str, Any]:
    """Keep the question in the inbox as one and tell its answer like any outcome."""
    [row] = await call(pool, "SELECT assistant.answer_question(%s) AS r", p)
    told: dict[str, Any] = row["r"]
    return told
