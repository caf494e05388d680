"""The scheduled routines for n8n: the reminders, the morning briefing and the error workflow's
audit, each a thin call of its SQL function, so that the Solo Brain node offers them as forms.

    POST /api/lifecycle/reminders/claim                    → claim_reminders
    GET  /api/lifecycle/briefing?tz=                       → briefing
    POST /api/lifecycle/workflow-failures                  → record_workflow_failure

A token of scope `full` (n8n's hub credential); bodies are the hub's 64 KB limit. An unknown
time zone is a 400 naming it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, DbPool, FullToken
from solo_brain.mesh.models.routines import (
    BriefingOut,
    ClaimRemindersIn,
    Reminder,
    WorkflowFailureIn,
    WorkflowFailureOut,
)
from solo_brain.mesh.store import routines

router = APIRouter(prefix="/api/lifecycle", tags=["routines"], responses=TOKEN_ERRORS)

_ERRORS = documented_errors(
    {
        401: "no token, or an unknown or revoked one",
        403: "a token without scope `full`",
        400: "a field is missing or out of range, or the time zone is unknown",
    }
)


@router.post("/reminders/claim", responses=_ERRORS, **FULL_SCOPE)
async def claim_reminders(pool: DbPool, _: FullToken, body: ClaimRemindersIn) -> list[Reminder]:
    """The open actions due within `lead_days` days of today in `tz`, not reminded yet; each is
    marked reminded as it is taken, so never reminded twice."""
    rows = await routines.claim_reminders(pool, body.model_dump())
    return [Reminder.model_validate(r) for r in rows]


@router.get("/briefing", responses=_ERRORS, **FULL_SCOPE)
async def briefing(
    pool: DbPool,
    _: FullToken,
    tz: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")],
) -> BriefingOut:
    """Today's date in `tz`, the open actions due today and the overdue ones."""
    return BriefingOut.model_validate(await routines.briefing(pool, tz))


@router.post("/workflow-failures", responses=_ERRORS, **FULL_SCOPE)
async def record_workflow_failure(
    pool: DbPool, _: FullToken, body: WorkflowFailureIn
) -> WorkflowFailureOut:
    """Keep a failed n8n execution in the audit log (`workflow.failed`); the notification's
    title and message, worded in French."""
    kept = await routines.record_workflow_failure(pool, body.model_dump(exclude_none=True))
    return WorkflowFailureOut.model_validate(kept)
