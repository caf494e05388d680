"""The Siri Shortcut's token, managed from the phone: tokens of scope `capture` only.

    POST   /api/tokens {name}           → 201 {id, name, scope, created_at, last_used_at,
                                                token, capture_url}   the secret, shown once
    GET    /api/tokens?scope=capture    → [{id, name, scope, created_at, last_used_at}]
    DELETE /api/tokens/{id}             → 204; the token's next capture gets 401

A phone (scope full) may hand out only the narrowest scope: a stolen Shortcut token captures
notes and nothing else. Full tokens are devices (routes/devices, pairing); agent tokens are made
on the machine (`solo-brain token create --scope agent`). Every change is audited with the
device that made it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, FullToken, HubDep
from solo_brain.mesh.models.tokens import NewTokenOut, TokenIn, TokenOut
from solo_brain.mesh.store import tokens

router = APIRouter(prefix="/api", tags=["tokens"], responses=TOKEN_ERRORS)

TokenIdPath = Annotated[str, Path(pattern=r"^tok_[0-9A-HJKMNP-TV-Z]{26}$")]


def capture_url(public_hub_url: str) -> str:
    """Where the Siri Shortcut posts its captures (nginx passes them to the hub, then n8n)."""
    return f"{public_hub_url.rstrip('/')}/api/capture"


@router.post("/tokens", status_code=201, **FULL_SCOPE)
async def create_token(hub: HubDep, caller: FullToken, body: TokenIn) -> NewTokenOut:
    """Make a capture-only token (the Siri Shortcut's); its secret is in this answer only."""
    info, secret = await tokens.issue_token(hub.pool, "capture", body.name, caller.actor)
    url = capture_url(hub.settings.public_hub_url)
    return NewTokenOut.model_validate({**info.model_dump(), "token": secret, "capture_url": url})


@router.get("/tokens", **FULL_SCOPE)
async def list_tokens(
    hub: HubDep,
    _: FullToken,
    scope: Annotated[Literal["capture"], Query(description="only capture tokens are listed")] = (
        "capture"
    ),
) -> list[TokenOut]:
    """The live capture tokens, newest first, without their secrets."""
    found = await tokens.live_tokens(hub.pool, scope)
    return [TokenOut.model_validate(t.model_dump()) for t in found]


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    responses=documented_errors({404: "no live capture token with this id (`not_found`)"}),
    **FULL_SCOPE,
)
async def revoke_token(hub: HubDep, caller: FullToken, token_id: TokenIdPath) -> Response:
    """Revoke a capture token; 404 for an unknown, revoked or non-capture token."""
    await tokens.revoke_scoped(hub.pool, token_id, "capture", caller.actor)
    return Response(status_code=204)
