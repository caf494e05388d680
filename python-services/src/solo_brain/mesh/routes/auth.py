"""`GET /api/auth/check?scope=...` for nginx `auth_request`.

nginx asks it before forwarding a capture to n8n: 204 when the bearer token covers the scope,
401 (no or unknown token) or 403 (another scope) otherwise, with the usual error envelope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from solo_brain.mesh.deps import TOKEN_ERRORS, HubDep, authenticate
from solo_brain.mesh.store.tokens import Scope

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=TOKEN_ERRORS)


@router.get("/check", status_code=204, response_class=Response)
async def check_token(
    request: Request, hub: HubDep, scope: Annotated[Scope, Query()] = "capture"
) -> Response:
    """204 when the caller's token covers `scope`."""
    token = await authenticate(hub, request.headers, scope)
    return Response(status_code=204, headers={"X-Token-Name": token.name})
