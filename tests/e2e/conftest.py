"""Fixtures of the CC Mesh end-to-end tests: the scripted fake model and a real hub, per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.anthropic import FakeAnthropic, running_fake_anthropic
from tests.support.mesh_stack import Hub


@pytest.fixture(scope="module")
def model() -> Iterator[tuple[str, FakeAnthropic]]:
    """The scripted fake Anthropic model the machines' CLIs talk to."""
    with running_fake_anthropic() as running:
        yield running


@pytest.fixture(scope="module")
def hub(pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The real hub (its own process) on the test database."""
    hub = Hub(pg_dsn, tmp_path_factory.mktemp("hub"))
    hub.start()
    yield hub
    hub.stop()
