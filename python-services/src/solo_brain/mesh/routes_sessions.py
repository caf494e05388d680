"""REST routes of the phone: sessions, message pages, lookup by spoken hint, agents,
prompts and permission decisions (all need a `full` token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from solo_brain.errors import NotFound
from solo_brain.mesh import queries
from solo_brain.mesh.deps import FullToken, HubDep, PermissionIdPath, SessionIdPath
from solo_brain.mesh.lookup import best_match
from solo_brain.mesh.models import (
    AgentOut,
    DecisionOut,
    DenyIn,
    MessageOut,
    MessagesPage,
    PromptIn,
    PromptOut,
    SessionOut,
)
from solo_brain.mesh.store import session_exists

router = APIRouter(prefix="/api", tags=["sessions"])


@router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(hub: HubDep, _: FullToken) -> Response:
    """Every session of every machine, most recently active first."""
    return Response(await queries.sessions_json(hub.pool), media_type="application/json")


@router.get("/sessions/lookup")
async def lookup_session(
    hub: HubDep, _: FullToken, hint: Annotated[str, Query(min_length=1, max_length=500)]
) -> SessionOut:
    """The session a spoken hint names ("la session orchestrator"), or 404."""
    match = best_match(hint, await queries.lookup_candidates(hub.pool))
    rows = await queries.list_sessions(hub.pool, match.session_id) if match else []
    if not rows:
        raise NotFound(f"no session matches {hint!r}", hint=hint)
    return SessionOut.model_validate(rows[0])


@router.get("/sessions/{session_id}")
async def get_session(hub: HubDep, _: FullToken, session_id: SessionIdPath) -> SessionOut:
    """One session with its pending permissions."""
    rows = await queries.list_sessions(hub.pool, session_id)
    if not rows:
        raise NotFound(f"no session {session_id}")
    return SessionOut.model_validate(rows[0])


@router.get("/sessions/{session_id}/messages")
async def list_messages(
    hub: HubDep,
    _: FullToken,
    session_id: SessionIdPath,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> MessagesPage:
    """A page of a session's messages, oldest first, ending just before seq `before`."""
    if not await session_exists(hub.pool, session_id):
        raise NotFound(f"no session {session_id}")
    page, next_before = await queries.page_messages(hub.pool, session_id, before, limit)
    return MessagesPage(
        messages=[MessageOut.model_validate(m) for m in page], next_before=next_before
    )


@router.post("/sessions/{session_id}/prompt")
async def send_prompt(
    hub: HubDep, token: FullToken, session_id: SessionIdPath, body: PromptIn
) -> PromptOut:
    """Run a prompt in the session (waits while a terminal holds it, unless forced)."""
    return await hub.submit_prompt(session_id, body, token)


@router.post("/sessions/{session_id}/permissions/{permission_id}/approve")
async def approve_permission(
    hub: HubDep, token: FullToken, session_id: SessionIdPath, permission_id: PermissionIdPath
) -> DecisionOut:
    """Let the pending tool call run."""
    return await hub.decide(session_id, permission_id, approve=True, message=None, token=token)


@router.post("/sessions/{session_id}/permissions/{permission_id}/deny")
async def deny_permission(
    hub: HubDep,
    token: FullToken,
    session_id: SessionIdPath,
    permission_id: PermissionIdPath,
    body: DenyIn | None = None,
) -> DecisionOut:
    """Refuse the pending tool call (the message is shown to Claude)."""
    message = body.message if body else None
    return await hub.decide(session_id, permission_id, approve=False, message=message, token=token)


@router.get("/agents")
async def list_agents(hub: HubDep, _: FullToken) -> list[AgentOut]:
    """Every machine that ever connected, online or not."""
    return [AgentOut.model_validate(row) for row in await queries.list_agents(hub.pool)]
