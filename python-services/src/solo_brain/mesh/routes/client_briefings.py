"""The client briefings for n8n: plan each briefing once per event, lease its sends, record
each destination's answer; thin calls of the SQL functions, so that the Solo Brain node offers
them as forms.

    POST /api/lifecycle/client-briefings/plan              → plan_client_briefings
    POST /api/lifecycle/client-briefings/sends/claim       → claim_client_briefing_sends
    POST /api/lifecycle/client-briefings/sends/result      → record_client_briefing_send

A token of scope `full` (n8n's hub credential); bodies are the hub's 64 KB limit.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, DbPool, FullToken
from solo_brain.mesh.models.client_briefings import (
    ClaimedSend,
    ClaimSendsIn,
    PlanIn,
    PlanOut,
    SendOut,
    SendResultIn,
)
from solo_brain.mesh.store import client_briefings

router = APIRouter(
    prefix="/api/lifecycle/client-briefings", tags=["routines"], responses=TOKEN_ERRORS
)

_AUTH = {401: "no token, or an unknown or revoked one", 403: "a token without scope `full`"}
_ERRORS = documented_errors({**_AUTH, 400: "a field is missing or out of range"})
_SEND_ERRORS = documented_errors(
    {**_AUTH, 400: "a field is missing or out of range", 404: "no such send"}
)


def _json(body: Any) -> dict[str, Any]:
    fields: dict[str, Any] = body.model_dump(mode="json", exclude_none=True)
    return fields


@router.post("/plan", responses=_ERRORS, **FULL_SCOPE)
async def plan(pool: DbPool, _: FullToken, body: PlanIn) -> PlanOut:
    """Record each new briefing (event id and start seen for the first time) with one pending
    send per destination: the speech, and the push, Gotify and WhatsApp when configured."""
    return PlanOut.model_validate(await client_briefings.plan(pool, _json(body)))


@router.post("/sends/claim", responses=_ERRORS, **FULL_SCOPE)
async def claim_sends(pool: DbPool, _: FullToken, body: ClaimSendsIn) -> list[ClaimedSend]:
    """Lease the stage's due sends (the speech first, then the messages) with the request each
    makes; the pending sends of a meeting that has started are given up first."""
    rows = await client_briefings.claim_sends(pool, _json(body))
    return [ClaimedSend.model_validate(r) for r in rows]


@router.post("/sends/result", responses=_SEND_ERRORS, **FULL_SCOPE)
async def record_send(pool: DbPool, _: FullToken, body: SendResultIn) -> SendOut:
    """Record the destination's answer: done (2xx; a push that reached no phone while some
    failed is retried), pending again (no answer, 408, 429, 5xx) or failed (other 4xx)."""
    return SendOut.model_validate(await client_briefings.record_send(pool, _json(body)))
