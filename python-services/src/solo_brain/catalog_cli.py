"""`solo-brain project|client ...`: manage the catalog until the PWA has screens for it."""

from __future__ import annotations

import argparse
from pathlib import Path

import psycopg
from pydantic import ValidationError

from solo_brain import catalog
from solo_brain.db import database_url
from solo_brain.errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `project`, `client` and `catalog` command groups."""
    project = sub.add_parser("project", help="add or list projects")
    p_sub = project.add_subparsers(dest="action", required=True, metavar="ACTION")
    p_add = p_sub.add_parser("add", help="add or update a project")
    p_add.add_argument(
        "slug", help="the project's short id, as notes are filed under (imx8mp-vision)"
    )
    p_add.add_argument("--name", required=True, help="its full name, as shown and spoken")
    p_add.add_argument("--client", default=None, help="client id")
    p_add.add_argument("--alias", action="append", default=[], help="another name (repeatable)")
    p_add.set_defaults(handler=_project_add)
    p_sub.add_parser("list", help="list projects").set_defaults(handler=_project_list)

    client = sub.add_parser("client", help="add or list clients")
    c_sub = client.add_subparsers(dest="action", required=True, metavar="ACTION")
    c_add = c_sub.add_parser("add", help="add or update a client")
    c_add.add_argument("id", help="the client's short id (acme)")
    c_add.add_argument("--name", required=True, help="its full name, as shown and spoken")
    c_add.add_argument("--alias", action="append", default=[], help="another name (repeatable)")
    c_add.add_argument(
        "--domain", action="append", default=[], help="its people's e-mail domain (repeatable)"
    )
    c_add.set_defaults(handler=_client_add)
    c_sub.add_parser("list", help="list clients").set_defaults(handler=_client_list)

    load = sub.add_parser("catalog", help="load clients and projects from a YAML file")
    l_sub = load.add_subparsers(dest="action", required=True, metavar="ACTION")
    l_load = l_sub.add_parser("load", help="upsert every client and project of FILE")
    l_load.add_argument("file", type=Path, help="the YAML file (see docs/catalog.example.yaml)")
    l_load.set_defaults(handler=_load)


def _connect() -> psycopg.Connection:
    return psycopg.connect(database_url(), autocommit=True)


def _fail(exc: Exception) -> int:
    raise CommandError(str(exc)) from exc


def _project_add(args: argparse.Namespace) -> int:
    try:
        project = catalog.Project(
            slug=args.slug, name=args.name, client_id=args.client, aliases=args.alias
        )
        with _connect() as conn:
            catalog.upsert_project(conn, project)
    except (ValidationError, catalog.CatalogError) as exc:
        return _fail(exc)
    print(f"project {project.slug} saved")
    return 0


def _client_add(args: argparse.Namespace) -> int:
    try:
        client = catalog.Client(id=args.id, name=args.name, aliases=args.alias, domains=args.domain)
        with _connect() as conn:
            catalog.upsert_client(conn, client)
    except ValidationError as exc:
        return _fail(exc)
    print(f"client {client.id} saved")
    return 0


def _project_list(_: argparse.Namespace) -> int:
    with _connect() as conn:
        for p in catalog.list_projects(conn):
            aliases = ", ".join(p.aliases)
            print(f"{p.slug:24} {p.name:30} {p.client_id or '-':16} {aliases}")
    return 0


def _client_list(_: argparse.Namespace) -> int:
    with _connect() as conn:
        for c in catalog.list_clients(conn):
            domains = " ".join(f"@{d}" for d in c.domains)
            print(f"{c.id:24} {c.name:30} {', '.join(c.aliases)} {domains}".rstrip())
    return 0


def _load(args: argparse.Namespace) -> int:
    try:
        with _connect() as conn:
            n_clients, n_projects = catalog.load_yaml(conn, args.file)
    except (OSError, catalog.CatalogError) as exc:
        return _fail(exc)
    print(f"loaded {n_clients} clients and {n_projects} projects from {args.file}")
    return 0
