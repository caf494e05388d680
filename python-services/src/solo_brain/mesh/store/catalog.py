"""The catalog from the phone: projects and clients with their aliases (`solo_brain.catalog`
models), each with how many captures name it.

Renaming a slug or a client id carries over to the captures and projects that name it (the
foreign keys cascade). Deleting one that captures still name is refused unless forced, because
those captures would lose their project or client.
"""

from __future__ import annotations

from typing import Any

import psycopg

from solo_brain.catalog import Client, Project
from solo_brain.errors import Conflict, InvalidRequest, NotFound
from solo_brain.mesh.store import Pool

_PROJECT = """SELECT p.slug, p.name, p.client_id, p.aliases,
       (SELECT count(*) FROM assistant.captures c WHERE c.project = p.slug) AS captures
       FROM assistant.projects p"""
_CLIENT = """SELECT k.id, k.name, k.aliases, k.domains,
       (SELECT count(*) FROM assistant.captures c WHERE c.client_id = k.id) AS captures,
       (SELECT count(*) FROM assistant.projects p WHERE p.client_id = k.id) AS projects
       FROM assistant.clients k"""


async def _rows(pool: Pool, query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(query, params)
        return list(await cur.fetchall())


async def list_projects(pool: Pool) -> list[dict[str, Any]]:
    """Every project, by slug."""
    return await _rows(pool, f"{_PROJECT} ORDER BY p.slug")


async def get_project(pool: Pool, slug: str) -> dict[str, Any]:
    """One project; NotFound otherwise."""
    rows = await _rows(pool, f"{_PROJECT} WHERE p.slug = %s", (slug,))
    if not rows:
        raise NotFound(f"no project {slug}")
    return rows[0]


async def save_project(pool: Pool, project: Project, *, old_slug: str | None = None) -> None:
    """Insert a project (old_slug None) or replace the one at old_slug; Conflict for a taken
    slug, InvalidRequest for an unknown client."""
    try:
        async with pool.connection() as conn:
            if old_slug is None:
                await conn.execute(
                    "INSERT INTO assistant.projects (slug, name, client_id, aliases) "
                    "VALUES (%s, %s, %s, %s)",
                    (project.slug, project.name, project.client_id, project.aliases),
                )
                return
            cur = await conn.execute(
                """UPDATE assistant.projects SET slug = %s, name = %s, client_id = %s,
                       aliases = %s, updated_at = now() WHERE slug = %s""",
                (project.slug, project.name, project.client_id, project.aliases, old_slug),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no project {old_slug}")
    except psycopg.errors.UniqueViolation as exc:
        raise Conflict(f"a project {project.slug} exists already") from exc
    except psycopg.errors.ForeignKeyViolation as exc:
        raise InvalidRequest(f"unknown client {project.client_id!r}") from exc


async def delete_project(pool: Pool, slug: str, *, force: bool) -> None:
    """Delete a project; Conflict while captures name it, unless forced."""
    project = await get_project(pool, slug)
    if project["captures"] and not force:
        raise Conflict(
            f"{project['captures']} captures are filed under {slug}: delete with force=true to "
            "leave them without a project",
            captures=project["captures"],
        )
    await _rows(pool, "DELETE FROM assistant.projects WHERE slug = %s RETURNING slug", (slug,))


async def list_clients(pool: Pool) -> list[dict[str, Any]]:
    """Every client, by id."""
    return await _rows(pool, f"{_CLIENT} ORDER BY k.id")


async def get_client(pool: Pool, client_id: str) -> dict[str, Any]:
    """One client; NotFound otherwise."""
    rows = await _rows(pool, f"{_CLIENT} WHERE k.id = %s", (client_id,))
    if not rows:
        raise NotFound(f"no client {client_id}")
    return rows[0]


async def save_client(pool: Pool, client: Client, *, old_id: str | None = None) -> None:
    """Insert a client (old_id None) or replace the one at old_id; Conflict for a taken id."""
    try:
        async with pool.connection() as conn:
            if old_id is None:
                await conn.execute(
                    "INSERT INTO assistant.clients (id, name, aliases, domains) "
                    "VALUES (%s, %s, %s, %s)",
                    (client.id, client.name, client.aliases, client.domains),
                )
                return
            cur = await conn.execute(
                """UPDATE assistant.clients SET id = %s, name = %s, aliases = %s,
                       domains = %s, updated_at = now() WHERE id = %s""",
                (client.id, client.name, client.aliases, client.domains, old_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no client {old_id}")
    except psycopg.errors.UniqueViolation as exc:
        raise Conflict(f"a client {client.id} exists already") from exc


async def delete_client(pool: Pool, client_id: str, *, force: bool) -> None:
    """Delete a client; Conflict while captures or projects name it, unless forced."""
    client = await get_client(pool, client_id)
    if (client["captures"] or client["projects"]) and not force:
        raise Conflict(
            f"{client['captures']} captures and {client['projects']} projects name {client_id}: "
            "delete with force=true to leave them without a client",
            captures=client["captures"],
            projects=client["projects"],
        )
    await _rows(pool, "DELETE FROM assistant.clients WHERE id = %s RETURNING id", (client_id,))
