"""Shared fixtures: a real Postgres (embedded pgserver unless TEST_DATABASE_URL is set).

One server per test session, one freshly migrated database per session; `db` empties the
assistant tables before each test that uses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from solo_brain.db.embedded import start_embedded
from tests.support.databases import fresh_database
from tests.support.runtime import remove_session_runtime

PG_ROOT = Path(os.environ.get("SOLO_BRAIN_TEST_PGDATA", "/tmp/solo-brain-test-pg"))


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session's socket folder goes, with the sockets of the agents tests killed."""
    remove_session_runtime()


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a Postgres server the tests may create databases on."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    return start_embedded(PG_ROOT / f"pg-{os.getpid()}", cleanup_mode="delete")


@pytest.fixture(scope="session")
def pg_dsn(pg_server_url: str) -> Iterator[str]:
    """A fresh database with the assistant schema migrated, dropped at the end."""
    with fresh_database(pg_server_url, "sb_test") as dsn:
        yield dsn


@pytest.fixture
def db(pg_dsn: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test database, its assistant tables emptied first."""
    with psycopg.connect(pg_dsn, autocommit=True, row_factory=dict_row) as conn:
        existing = {
            r["table_name"]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='assistant'"
            )
        }
        names = [t for t in existing if t not in ("schema_migrations", "schema_functions")]
        if names:
            conn.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier("assistant", t) for t in names)
                )
            )
        yield conn
