"""The phone's decision on a pending tool permission: approve or deny (409 once decided)."""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.mesh.deps import FullToken, HubDep, PermissionIdPath, SessionIdPath
from solo_brain.mesh.models import DecisionOut, DenyIn

router = APIRouter(prefix="/api", tags=["permissions"])


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
