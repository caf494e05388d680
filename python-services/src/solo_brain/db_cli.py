"""`solo-brain db ...`: migrate the schema, print the database URL."""

from __future__ import annotations

import argparse

from solo_brain.db import apply_migrations, database_url


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `db` command group."""
    db = sub.add_parser("db", help="database schema and connection")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    migrate = db_sub.add_parser("migrate", help="apply pending migrations of schema assistant")
    migrate.set_defaults(handler=_migrate)
    url = db_sub.add_parser("url", help="print the database URL (starts the embedded one)")
    url.set_defaults(handler=_url)


def _migrate(_: argparse.Namespace) -> int:
    applied = apply_migrations(database_url())
    print("applied: " + ", ".join(applied) if applied else "schema assistant is up to date")
    return 0


def _url(_: argparse.Namespace) -> int:
    print(database_url())
    return 0
