"""Pairing a phone: a one-time code (from `solo-brain pair` or an already paired device) is
exchanged, once, for a device token of scope `full`.

    POST /api/pairing-codes   (scope full)  → 201 {code, expires_at, url}
    POST /api/pair            (no token)    → 201 {token, device: {id, name}}

Attempts to pair are limited per client address (behind nginx, the address it forwards).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, NO_TOKEN, TOKEN_ERRORS, FullToken, HubDep, PairLimiter
from solo_brain.mesh.models.phone import (
    PairedDevice,
    PairIn,
    PairingCodeIn,
    PairingCodeOut,
    PairOut,
)
from solo_brain.mesh.store import pairing

router = APIRouter(prefix="/api", tags=["pairing"])


def pairing_url(public_hub_url: str, code: str) -> str:
    """The page a pairing QR code opens."""
    return f"{public_hub_url.rstrip('/')}/pair?code={code}"


@router.post("/pairing-codes", status_code=201, **FULL_SCOPE, responses=TOKEN_ERRORS)
async def create_pairing_code(
    hub: HubDep, token: FullToken, body: PairingCodeIn | None = None
) -> PairingCodeOut:
    """A new one-time pairing code for another device (valid 5 minutes by default)."""
    name = body.device_name if body else None
    code, expires_at = await pairing.create_code(
        hub.pool, device_name=name, created_by=token.actor, ttl_s=hub.settings.pairing_code_ttl_s
    )
    return PairingCodeOut(
        code=code, expires_at=expires_at, url=pairing_url(hub.settings.public_hub_url, code)
    )


@router.post(
    "/pair",
    status_code=201,
    **NO_TOKEN,
    responses=documented_errors(
        {
            400: "a used, expired or unknown code (`invalid_request`)",
            429: "too many attempts from this address (`too_many_requests`)",
            503: "the database does not answer (`database_unavailable`)",
        }
    ),
)
async def pair(hub: HubDep, limiter: PairLimiter, request: Request, body: PairIn) -> PairOut:
    """Exchange a pairing code for this device's token (shown once); 400 for a used, expired
    or unknown code, 429 after too many attempts from one address."""
    client = request.client.host if request.client else "unknown"
    limiter.hit(client)
    device, secret = await pairing.redeem(
        hub.pool, body.code, body.device_name, request.headers.get("user-agent"), client
    )
    return PairOut(token=secret, device=PairedDevice(id=device.id, name=device.name))
