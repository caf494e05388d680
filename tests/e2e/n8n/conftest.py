"""One n8n per test session (it takes seconds to boot), with the whole stack around it.

The fixtures are package-scoped: every n8n test lives in this package, so n8n starts once and
stops after the last of them instead of running its schedules through the rest of the suite.
The stack also gets a database of its own, so that its schedules never remind, retry or
otherwise touch what other tests put in the shared test database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from solo_brain.db import apply_migrations
from tests.e2e.n8n.editor import Editor
from tests.e2e.n8n.stack import Stack, run_stack


@pytest.fixture(scope="package")
def n8n_dsn(pg_server_url: str) -> Iterator[str]:
    """A freshly migrated database for the n8n stack alone, dropped at the end."""
    name = f"sb_n8n_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(**{**conninfo_to_dict(pg_server_url), "dbname": name})
    apply_migrations(dsn)
    yield dsn
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="package")
def stack(n8n_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """n8n with the workflows active, the services and the fakes, on the stack's database."""
    tmp = tmp_path_factory.mktemp("n8n-stack")
    with run_stack(n8n_dsn, tmp) as running:
        yield running


@pytest.fixture(scope="package")
def editor(stack: Stack) -> Editor:
    """The owner's session in the stack's n8n editor (the account is created on first use)."""
    return Editor.sign_in(stack.n8n_url)
