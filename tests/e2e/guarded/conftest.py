"""A whole stack started under the egress recorder, shared by the privacy and fault tests.

n8n and the in-process services get proxy variables that lead to the recorder, and its sampler
watches every socket of this process tree; a fault test thus also shows that a failing upstream
never makes anything fall back to a non-local address. Its Postgres is a server of its own, which
a fault test may stop and start again (the session's server is shared by every test)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.install import install_n8n
from solo_brain.n8n.nodes_package import build_package
from tests.e2e.n8n.stack import Stack, run_stack
from tests.support.egress import EgressRecorder, children, recording_egress
from tests.support.stoppable_pg import StoppablePostgres, stoppable_postgres


@pytest.fixture(scope="package")
def nodes_built() -> None:
    """The node package built before the recorder starts: the first build's `npm ci` fetches
    from the npm registry, which is no egress of the stack (mesh-events needs its trigger)."""
    build_package({**os.environ, **install_n8n(N8nSettings()).env()})


@pytest.fixture(scope="package")
def recorder(nodes_built: None) -> Iterator[EgressRecorder]:
    """The recorder, its proxy variables exported for this process and what it starts."""
    with recording_egress() as running, pytest.MonkeyPatch.context() as patch:
        for name, value in running.proxy_env().items():
            patch.setenv(name, value)
        running.pids = lambda: children(os.getpid())
        yield running


@pytest.fixture(scope="package")
def guarded_pg() -> Iterator[StoppablePostgres]:
    """The stack's Postgres server, migrated; a test may stop it (and must start it again)."""
    with stoppable_postgres() as server:
        yield server


@pytest.fixture(scope="package")
def private_stack(
    recorder: EgressRecorder,
    guarded_pg: StoppablePostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """n8n, the services and the fakes on a Postgres server of their own, under the recorder."""
    tmp = tmp_path_factory.mktemp("private-stack")
    with run_stack(guarded_pg.url, tmp) as stack:
        yield stack
