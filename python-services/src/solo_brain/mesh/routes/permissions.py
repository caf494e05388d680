"""The phone's decision on a pending tool permission: approve or deny (409 once decided)."""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import TOKEN_ERRORS, FullToken, HubDep, PermissionIdPath, SessionIdPath
from solo_brain.mesh.models import DecisionOut, DenyIn

router = APIRouter(prefix="/api", tags=["permissions"], responses=TOKEN_ERRORS)


@router.post(
    "/sessions/{session_id}/permissions/{permission_id}/approve",
    responses=documented_errors(
        {404: "no such permission request", 409: "already decided (`conflict`)"}
    ),
)
async def approve_permission(
    hub: HubDep, token: FullToken, session_id: SessionIdPath, permission_id: PermissionIdPath
) -> DecisionOut:
    """Let the pending tool call run."""
    return await hub.decide(session_id, permission_id, approve=True, message=None, token=token)


@router.post(
    "/sessions/{session_id}/permissions/{permission_id}/deny",
    responses=documented_errors(
        {404: "no such permission request", 409: "already decided (`conflict`)"}
    ),
)
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
