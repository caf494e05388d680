"""`POST /api/sessions/{id}/prompt`: run a prompt in a session from the phone."""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import TOKEN_ERRORS, FullToken, HubDep, SessionIdPath
from solo_brain.mesh.models import PromptIn, PromptOut

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
    return await hub.submit_prompt(session_id, body, token)
