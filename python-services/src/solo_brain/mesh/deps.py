"""Dependencies of the hub's routes: the hub, its pool, and bearer tokens checked for a scope.

    async def list_agents(pool: DbPool, _: FullToken) -> list[AgentOut]: ...

No token or an unknown/revoked one → 401 `unauthorized`; a token without the scope → 403
`forbidden`. A `full` token covers every scope but `agent`; an `agent` token covers only the
agent protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPBearer
from starlette.datastructures import Headers

from mesh_protocol import SESSION_ID_PATTERN
from solo_brain.errors import Forbidden, Unauthorized
from solo_brain.media import MediaStore
from solo_brain.mesh.clients.capture import CaptureWebhook
from solo_brain.mesh.hub import Hub
from solo_brain.mesh.push import PushService
from solo_brain.mesh.ratelimit import AttemptLimiter
from solo_brain.mesh.store import Pool
from solo_brain.mesh.store.tokens import Scope, TokenInfo, verify_token


def get_hub(request: Request) -> Hub:
    """The hub built by the app's lifespan."""
    hub: Hub = request.app.state.hub
    return hub


def get_pool(request: Request) -> Pool:
    """The hub's Postgres pool."""
    return get_hub(request).pool


HubDep = Annotated[Hub, Depends(get_hub)]
DbPool = Annotated[Pool, Depends(get_pool)]


def bearer(headers: Headers) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def authenticate(hub: Hub, headers: Headers, scope: Scope) -> TokenInfo:
    """The token of these headers if it covers `scope`; Unauthorized or Forbidden otherwise."""
    secret = bearer(headers)
    if secret is None:
        raise Unauthorized("an Authorization: Bearer <token> header is required")
    info = await verify_token(hub.pool, secret)
    if info is None:
        raise Unauthorized("unknown or revoked token")
    if not info.allows(scope):
        raise Forbidden(f"a token of scope {info.scope!r} may not do this (needs {scope!r})")
    return info


def require(scope: Scope) -> Callable[[Request], Awaitable[TokenInfo]]:
    """A dependency that returns the caller's token when it covers `scope`."""

    async def dependency(request: Request) -> TokenInfo:
        return await authenticate(get_hub(request), request.headers, scope)

    return dependency


FullToken = Annotated[TokenInfo, Depends(require("full"))]
SessionIdPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN, description="session id")]
PermissionIdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


# --- the phone's backend --------------------------------------------------------------------


def get_push(request: Request) -> PushService:
    """The hub's Web Push service (VAPID key loaded in the lifespan)."""
    push: PushService = request.app.state.push
    return push


def get_pair_limiter(request: Request) -> AttemptLimiter:
    """The limit of pairing attempts per client address."""
    limiter: AttemptLimiter = request.app.state.pair_limiter
    return limiter


def get_media(request: Request) -> MediaStore:
    """The audio kept by the glue service (same MEDIA_DIR)."""
    media: MediaStore = request.app.state.media
    return media


def get_capture_webhook(request: Request) -> CaptureWebhook:
    """n8n's capture webhook client (made in the lifespan)."""
    webhook: CaptureWebhook = request.app.state.capture_webhook
    return webhook


PushDep = Annotated[PushService, Depends(get_push)]
CaptureHook = Annotated[CaptureWebhook, Depends(get_capture_webhook)]
PairLimiter = Annotated[AttemptLimiter, Depends(get_pair_limiter)]
Media = Annotated[MediaStore, Depends(get_media)]
CaptureIdPath = Annotated[
    str, Path(pattern=r"^cap_[0-9A-HJKMNP-TV-Z]{26}$", description="capture id")
]

# OpenAPI: the bearer scheme and the scope a phone route needs (`x-scope`). The check itself is
# FullToken above; this only documents it.
_BEARER_DOC = Security(HTTPBearer(auto_error=False, description="a hub token (sbt_...)"))
FULL_SCOPE: dict[str, Any] = {"dependencies": [_BEARER_DOC], "openapi_extra": {"x-scope": "full"}}
NO_TOKEN: dict[str, Any] = {"openapi_extra": {"x-scope": "none"}}
