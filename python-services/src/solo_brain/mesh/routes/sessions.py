"""The phone's view of sessions: the list, one session, a lookup by spoken hint, message pages
(all need a `full` token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from solo_brain.errors import NotFound, documented_errors
from solo_brain.mesh.deps import TOKEN_ERRORS, DbPool, FullToken, SessionIdPath
from solo_brain.mesh.lookup import best_match
from solo_brain.mesh.models import MessageOut, MessagesPage, SessionOut
from solo_brain.mesh.store import messages, sessions

router = APIRouter(prefix="/api", tags=["sessions"], responses=TOKEN_ERRORS)


@router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(pool: DbPool, _: FullToken) -> Response:
    """Every session of every machine, most recently active first."""
    return Response(await sessions.sessions_json(pool), media_type="application/json")


@router.get(
    "/sessions/lookup",
    responses=documented_errors({404: "no session matches the hint (`not_found`)"}),
)
async def lookup_session(
    pool: DbPool, _: FullToken, hint: Annotated[str, Query(min_length=1, max_length=500)]
) -> SessionOut:
    """The session a spoken hint names ("la session orchestrator"), or 404."""
    match = best_match(hint, await sessions.lookup_candidates(pool))
    rows = await sessions.list_sessions(pool, match.session_id) if match else []
    if not rows:
        raise NotFound(f"no session matches {hint!r}", hint=hint)
    return SessionOut.model_validate(rows[0])


@router.get(
    "/sessions/{session_id}", responses=documented_errors({404: "no such session (`not_found`)"})
)
async def get_session(pool: DbPool, _: FullToken, session_id: SessionIdPath) -> SessionOut:
    """One session with its pending permissions."""
    rows = await sessions.list_sessions(pool, session_id)
    if not rows:
        raise NotFound(f"no session {session_id}")
    return SessionOut.model_validate(rows[0])


@router.get(
    "/sessions/{session_id}/messages",
    responses=documented_errors({404: "no such session (`not_found`)"}),
)
async def list_messages(
    pool: DbPool,
    _: FullToken,
    session_id: SessionIdPath,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> MessagesPage:
    """A page of a session's messages, oldest first, ending just before pos `before`."""
    if not await sessions.session_exists(pool, session_id):
        raise NotFound(f"no session {session_id}")
    page, next_before = await messages.page_messages(pool, session_id, before, limit)
    return MessagesPage(
        messages=[MessageOut.model_validate(m) for m in page], next_before=next_before
    )
