"""Projects and clients: the only slugs a classification may ever name.

Used by the CLI (add, list, load from YAML) until the PWA has screens for it, and by the
classify service to know what exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg.rows import dict_row
from pydantic import AliasChoices, BaseModel, Field, ValidationError, field_validator

SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
# An e-mail domain as written after the "@" (acme.com, mail.acme.co.uk), lower case.
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def clean_domains(value: list[str]) -> list[str]:
    """E-mail domains lower case, without "@", once each; ValueError naming one that is not."""
    found = [d.strip().lower().lstrip("@") for d in value if d.strip()]
    for domain in found:
        if not DOMAIN.match(domain):
            raise ValueError(f"{domain!r} is not an e-mail domain (e.g. acme.com)")
    return list(dict.fromkeys(found))


class CatalogError(ValueError):
    """The catalog input is invalid; the message says which entry and why."""


class Client(BaseModel):
    """A client contract: id slug, display name, other names it is called by, and the e-mail
    domains its people write from (a meeting with someone at one of them is a meeting with it)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return clean_domains(value)


class Project(BaseModel):
    """A project: slug, display name, optional client, other names it is called by."""

    slug: str = Field(pattern=SLUG.pattern)
    name: str = Field(min_length=1, max_length=200)
    client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("client", "client_id")
    )
    aliases: list[str] = Field(default_factory=list)

    model_config = {"populate_by_name": True}

    @field_validator("aliases")
    @classmethod
    def _strip(cls, value: list[str]) -> list[str]:
        return [a.strip() for a in value if a.strip()]


def upsert_client(conn: psycopg.Connection, client: Client) -> None:
    """Insert or update a client by id."""
    conn.execute(
        """INSERT INTO assistant.clients (id, name, aliases, domains) VALUES (%s, %s, %s, %s)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, aliases = EXCLUDED.aliases,
                                          domains = EXCLUDED.domains, updated_at = now()""",
        (client.id, client.name, client.aliases, client.domains),
    )


def upsert_project(conn: psycopg.Connection, project: Project) -> None:
    """Insert or update a project by slug; its client must exist."""
    try:
        conn.execute(
            """INSERT INTO assistant.projects (slug, name, client_id, aliases)
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name,
                   client_id = EXCLUDED.client_id, aliases = EXCLUDED.aliases,
                   updated_at = now()""",
            (project.slug, project.name, project.client_id, project.aliases),
        )
    except psycopg.errors.ForeignKeyViolation as exc:
        raise CatalogError(
            f"project {project.slug}: unknown client {project.client_id!r} (add it first)"
        ) from exc


def list_clients(conn: psycopg.Connection) -> list[Client]:
    """Every client, by id."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT id, name, aliases, domains FROM assistant.clients ORDER BY id")
        return [Client(**row) for row in rows]


def list_projects(conn: psycopg.Connection) -> list[Project]:
    """Every project, by slug."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT slug, name, client_id, aliases FROM assistant.projects ORDER BY slug"
        )
        return [Project(**row) for row in rows]


def load_yaml(conn: psycopg.Connection, path: Path) -> tuple[int, int]:
    """Upsert the clients then the projects of a YAML file; return how many of each.

    The file has two lists, `clients:` and `projects:`; everything is validated before anything
    is written, and all is written in one transaction.
    """
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a mapping with 'clients' and 'projects' lists")
    try:
        clients = [Client(**item) for item in data.get("clients") or []]
        projects = [Project(**item) for item in data.get("projects") or []]
    except (TypeError, ValidationError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    with conn.transaction():
        for client in clients:
            upsert_client(conn, client)
        for project in projects:
            upsert_project(conn, project)
    return len(clients), len(projects)
