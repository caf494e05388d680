"""Prompts from the phone to a session.

    POST /api/sessions/{id}/prompt          {text, voice_reply, force} → {prompt_id, ...}
    GET  /api/sessions/{id}/prompts?limit=  → the latest prompts sent from the phone

The list tells the app which turns of a transcript came from the phone: a prompt forced while
a terminal works on the session forks the transcript, and the app shows which branch is whose.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, DbPool, FullToken, HubDep, SessionIdPath
from solo_brain.mesh.models import PromptIn, PromptInfo, PromptOut
from solo_brain.mesh.prompt_delivery import submit_prompt
from solo_brain.mesh.store import prompts

router = APIRouter(prefix="/api", tags=["prompts"], responses=TOKEN_ERRORS)


@router.post(
    "/sessions/{session_id}/prompt",
    responses=documented_errors(
        {
            404: "no such session (`not_found`)",
            409: "the session cannot take a prompt now (`conflict`)",
        }
    ),
)
async def send_prompt(
    hub: HubDep, token: FullToken, session_id: SessionIdPath, body: PromptIn
) -> PromptOut:
    """Run a prompt in the session (waits while a terminal holds it, unless forced)."""
    return await submit_prompt(hub, session_id, body, token)


@router.get(
    "/sessions/{session_id}/prompts",
    responses=documented_errors({404: "no such session (`not_found`)"}),
    **FULL_SCOPE,
)
async def list_prompts(
    pool: DbPool,
    _: FullToken,
    session_id: SessionIdPath,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PromptInfo]:
    """The session's latest prompts sent from the phone (or by voice), newest first."""
    rows = await prompts.recent_prompts(pool, session_id, limit)
    return [PromptInfo.model_validate(row) for row in rows]
