"""The catalog's clients (contracts), with their aliases.

GET    /api/clients               → [{id, name, aliases, domains, captures, projects}]
POST   /api/clients               {id, name, aliases?, domains?} → 201 the client
PATCH  /api/clients/{id}          {id?, name?, aliases?, domains?} → the client
DELETE /api/clients/{id}?force=true      → 204 (409 while captures or projects name it)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from solo_brain.catalog import Client
from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, FullToken, HubDep
from solo_brain.mesh.models.phone import CLIENT_ID_PATTERN, ClientOut, ClientPatch
from solo_brain.mesh.store import catalog

router = APIRouter(prefix="/api/clients", tags=["catalog"], responses=TOKEN_ERRORS)

ClientIdPath = Annotated[str, Path(pattern=CLIENT_ID_PATTERN)]


@router.get("", **FULL_SCOPE)
async def list_clients(hub: HubDep, _: FullToken) -> list[ClientOut]:
    """Every client, by id."""
    return [ClientOut.model_validate(c) for c in await catalog.list_clients(hub.pool)]


@router.post(
    "",
    status_code=201,
    **FULL_SCOPE,
    responses=documented_errors({409: "a client with this id exists already (`conflict`)"}),
)
async def create_client(hub: HubDep, _: FullToken, body: Client) -> ClientOut:
    """Add a client (409 when the id is taken)."""
    await catalog.save_client(hub.pool, body)
    return ClientOut.model_validate(await catalog.get_client(hub.pool, body.id))


@router.patch(
    "/{client_id}",
    **FULL_SCOPE,
    responses=documented_errors({404: "no such client", 409: "the new id is taken (`conflict`)"}),
)
async def update_client(
    hub: HubDep, _: FullToken, client_id: ClientIdPath, body: ClientPatch
) -> ClientOut:
    """Change a client's name, aliases, domains or id (captures and projects follow a new id)."""
    current = await catalog.get_client(hub.pool, client_id)
    merged = Client.model_validate({**current, **body.model_dump(exclude_unset=True)})
    await catalog.save_client(hub.pool, merged, old_id=client_id)
    return ClientOut.model_validate(await catalog.get_client(hub.pool, merged.id))


@router.delete(
    "/{client_id}",
    status_code=204,
    response_class=Response,
    **FULL_SCOPE,
    responses=documented_errors(
        {404: "no such client", 409: "captures name it: delete with force=true (`conflict`)"}
    ),
)
async def delete_client(
    hub: HubDep, _: FullToken, client_id: ClientIdPath, force: Annotated[bool, Query()] = False
) -> Response:
    """Delete a client; its captures and projects keep no client (force=true needed if any)."""
    await catalog.delete_client(hub.pool, client_id, force=force)
    return Response(status_code=204)
