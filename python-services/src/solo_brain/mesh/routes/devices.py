"""The devices that hold a token of scope `full` (phones paired, tokens made by the CLI).

GET    /api/devices        → [{id, name, paired, user_agent, created_at, last_used_at,
                               push, current}]
DELETE /api/devices/{id}   → 204; that device's next request gets 401
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, FullToken, HubDep
from solo_brain.mesh.store import devices
from solo_brain.mesh.store.devices import Device

router = APIRouter(prefix="/api", tags=["devices"], responses=TOKEN_ERRORS)

DeviceIdPath = Annotated[str, Path(pattern=r"^tok_[0-9A-HJKMNP-TV-Z]{26}$")]


@router.get("/devices", **FULL_SCOPE)
async def list_devices(hub: HubDep, token: FullToken) -> list[Device]:
    """Every device with a live full token, newest first; the caller's is `current`."""
    return await devices.list_devices(hub.pool, token.id)


@router.delete(
    "/devices/{device_id}",
    status_code=204,
    response_class=Response,
    **FULL_SCOPE,
    responses=documented_errors({404: "no such device"}),
)
async def revoke_device(hub: HubDep, token: FullToken, device_id: DeviceIdPath) -> Response:
    """Revoke a device (its push subscription goes too); it may be the caller itself."""
    await devices.revoke_device(hub.pool, device_id, token.actor)
    return Response(status_code=204)
