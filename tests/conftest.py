"""Shared fixtures: a real Postgres (embedded pgserver unless TEST_DATABASE_URL is set).

One server per test session, one freshly migrated database per session; `db` empties the
assistant tables before each test that uses it. A failed test that used an n8n stack, a hub or
an agent gets their logs of the test (and n8n's failed executions) in its report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from solo_brain.db.embedded import start_embedded
from tests.support.databases import fresh_database
from tests.support.runtime import remove_session_runtime

PG_ROOT = Path(os.environ.get("SOLO_BRAIN_TEST_PGDATA", "/tmp/solo-brain-test-pg"))
LOG_TAIL_CHARS = 12_000
MARKS = pytest.StashKey[dict[int, Any]]()


def _watched(item: pytest.Item) -> list[Any]:
    """The n8n stacks, hubs and machines a test uses (through any of its fixtures)."""
    kinds = [getattr(sys.modules.get(module), name, None) for module, name in (
        ("tests.support.n8n_stack", "Stack"), ("tests.support.mesh_stack", "Hub"),
        ("tests.support.mesh_stack", "Machine"))]  # fmt: skip
    found = {id(v): v for v in getattr(item, "funcargs", {}).values()
             if any(kind and isinstance(v, kind) for kind in kinds)}  # fmt: skip
    return list(found.values())


def _mark(part: Any) -> Any:
    if hasattr(part, "n8n_url"):
        from tests.support.n8n_report import mark

        return mark(part)
    return part.log.stat().st_size if part.log.exists() else 0


def _sections(part: Any, since: Any) -> list[tuple[str, str]]:
    if hasattr(part, "n8n_url"):
        from tests.support.n8n_report import Mark, sections

        return sections(part, since or Mark(0, 0))
    if not part.log.exists():
        return []
    with part.log.open("rb") as log:
        log.seek(max(since or 0, part.log.stat().st_size - LOG_TAIL_CHARS))
        name = getattr(part, "name", "hub")
        return [(f"{name} log during the test ({part.log})", log.read().decode(errors="replace"))]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test that used n8n, a hub or an agent shows in its report what they logged
    meanwhile, and the errors of the n8n executions that failed: the CI log is all CI keeps."""
    report = yield
    watched = _watched(item) if call.when in ("setup", "call") else []
    if watched and call.when == "setup" and report.passed:
        item.stash[MARKS] = {id(part): _mark(part) for part in watched}
    elif watched and report.failed:
        marks = item.stash.get(MARKS, {})
        for part in watched:
            try:
                report.sections.extend(_sections(part, marks.get(id(part))))
            except Exception as error:  # never hide the failure itself
                report.sections.append(("what the test's services logged", repr(error)))
    return report


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
