"""Throw-away databases on the test Postgres server, for tests that need one of their own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from solo_brain.db import apply_migrations


@contextmanager
def fresh_database(server_url: str, prefix: str, *, migrate: bool = True) -> Iterator[str]:
    """A new database on the server (schema assistant migrated unless told), dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(**{**conninfo_to_dict(server_url), "dbname": name})
    try:
        if migrate:
            apply_migrations(dsn)
        yield dsn
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            admin.execute(drop)
