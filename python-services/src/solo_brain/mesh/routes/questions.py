"""Questions answered by voice, for n8n: the facts a question is about, then the answer kept
and told; thin calls of the SQL functions, so that the Solo Brain node offers them as forms.

    POST /api/lifecycle/questions/{capture_id}/facts       → question_facts
    POST /api/lifecycle/questions/{capture_id}/answer      → answer_question

A token of scope `full` (n8n's hub credential); bodies are the hub's 64 KB limit.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, CaptureIdPath, DbPool, FullToken
from solo_brain.mesh.models.lifecycle import OutcomeOut
from solo_brain.mesh.models.questions import AnswerIn, QuestionFactsIn
from solo_brain.mesh.store import questions

router = APIRouter(prefix="/api/lifecycle/questions", tags=["routines"], responses=TOKEN_ERRORS)

_ERRORS = documented_errors(
    {
        401: "no token, or an unknown or revoked one",
        403: "a token without scope `full`",
        400: "a field is missing or out of range, or the time zone is unknown",
        404: "no such capture",
    }
)


@router.post("/{capture_id}/facts", responses=_ERRORS, **FULL_SCOPE)
async def facts(
    pool: DbPool, _: FullToken, capture_id: CaptureIdPath, body: QuestionFactsIn
) -> dict[str, Any]:
    """The question's text and audio format, the open actions and notes it is about (a period,
    a project or a client; else the coming week), and the Google Calendar query for its events
    (or null)."""
    p = {**body.model_dump(mode="json", exclude_none=True), "capture_id": capture_id}
    return await questions.facts(pool, p)


@router.post("/{capture_id}/answer", responses=_ERRORS, **FULL_SCOPE)
async def answer(
    pool: DbPool, _: FullToken, capture_id: CaptureIdPath, body: AnswerIn
) -> OutcomeOut:
    """Keep the question in the inbox (category `question`, no action) and tell the answer as
    any outcome is told; without a sentence nothing is recorded (retried later)."""
    p = {**body.model_dump(mode="json", exclude_none=True), "capture_id": capture_id}
    return OutcomeOut.model_validate(await questions.answer(pool, p))
