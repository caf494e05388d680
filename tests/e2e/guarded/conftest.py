"""A whole stack started under the egress recorder, shared by the privacy and fault tests.

n8n and the in-process services get proxy variables that lead to the recorder, and its sampler
watches every socket of this process tree; a fault test thus also shows that a failing upstream
never makes anything fall back to a non-local address."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from solo_brain.db import apply_migrations
from tests.e2e.n8n.stack import Stack, run_stack
from tests.support.egress import EgressRecorder, children, recording_egress


@pytest.fixture(scope="package")
def recorder() -> Iterator[EgressRecorder]:
    """The recorder, its proxy variables exported for this process and what it starts."""
    with recording_egress() as running, pytest.MonkeyPatch.context() as patch:
        for name, value in running.proxy_env().items():
            patch.setenv(name, value)
        running.pids = lambda: children(os.getpid())
        yield running


@pytest.fixture(scope="package")
def private_stack(
    recorder: EgressRecorder, pg_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """n8n, the services and the fakes on a database of their own, under the recorder."""
    name = f"sb_priv_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(**{**conninfo_to_dict(pg_server_url), "dbname": name})
    apply_migrations(dsn)
    tmp = tmp_path_factory.mktemp("private-stack")
    # No node package (no workflow uses it; building it would fetch from the npm registry).
    (tmp / "no-nodes").mkdir()
    try:
        with run_stack(dsn, tmp, N8N_NODES_DIR=str(tmp / "no-nodes")) as stack:
            yield stack
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
