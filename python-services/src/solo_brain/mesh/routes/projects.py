"""The catalog's projects (the only slugs a classification may name), with their aliases.

GET    /api/projects              → [{slug, name, client_id, aliases, captures}]
POST   /api/projects              {slug, name, client_id?, aliases?} → 201 the project
PATCH  /api/projects/{slug}       {slug?, name?, client_id?, aliases?} → the project
DELETE /api/projects/{slug}?force=true   → 204 (409 while captures name it, unless forced)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from solo_brain.catalog import Project
from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, FullToken, HubDep
from solo_brain.mesh.models.phone import SLUG_PATTERN, ProjectOut, ProjectPatch
from solo_brain.mesh.store import catalog

router = APIRouter(prefix="/api/projects", tags=["catalog"], responses=TOKEN_ERRORS)

SlugPath = Annotated[str, Path(pattern=SLUG_PATTERN)]


@router.get("", **FULL_SCOPE)
async def list_projects(hub: HubDep, _: FullToken) -> list[ProjectOut]:
    """Every project, by slug."""
    return [ProjectOut.model_validate(p) for p in await catalog.list_projects(hub.pool)]


@router.post(
    "",
    status_code=201,
    **FULL_SCOPE,
    responses=documented_errors({409: "a project with this slug exists already (`conflict`)"}),
)
async def create_project(hub: HubDep, _: FullToken, body: Project) -> ProjectOut:
    """Add a project (409 when the slug is taken, 400 for an unknown client)."""
    await catalog.save_project(hub.pool, body)
    return ProjectOut.model_validate(await catalog.get_project(hub.pool, body.slug))


@router.patch(
    "/{slug}",
    **FULL_SCOPE,
    responses=documented_errors(
        {404: "no such project", 409: "the new slug is taken (`conflict`)"}
    ),
)
async def update_project(
    hub: HubDep, _: FullToken, slug: SlugPath, body: ProjectPatch
) -> ProjectOut:
    """Change a project's name, client, aliases or slug (the captures follow a new slug)."""
    current = await catalog.get_project(hub.pool, slug)
    merged = Project.model_validate({**current, **body.model_dump(exclude_unset=True)})
    await catalog.save_project(hub.pool, merged, old_slug=slug)
    return ProjectOut.model_validate(await catalog.get_project(hub.pool, merged.slug))


@router.delete(
    "/{slug}",
    status_code=204,
    response_class=Response,
    **FULL_SCOPE,
    responses=documented_errors(
        {404: "no such project", 409: "captures name it: delete with force=true (`conflict`)"}
    ),
)
async def delete_project(
    hub: HubDep, _: FullToken, slug: SlugPath, force: Annotated[bool, Query()] = False
) -> Response:
    """Delete a project; its captures keep no project (so it needs force=true if any)."""
    await catalog.delete_project(hub.pool, slug, force=force)
    return Response(status_code=204)
