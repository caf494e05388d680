"""One n8n per test session (it takes seconds to boot), with the whole stack around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.n8n.stack import Stack, run_stack


@pytest.fixture(scope="session")
def stack(pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """n8n with the workflows active, the services and the fakes, on the test database."""
    tmp = tmp_path_factory.mktemp("n8n-stack")
    with run_stack(pg_dsn, tmp) as running:
        yield running


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where spoken test audio is cached for the session."""
    return tmp_path_factory.mktemp("speech")
