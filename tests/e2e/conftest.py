"""Fixtures of the CC Mesh end-to-end tests: the scripted fake model and a real hub, per module;
for the terminal tests, a machine with its agent and hooks, and an interactive CLI; for the n8n
packages, the session's cache of spoken audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal, hooked_machine, start_connected
from tests.fakes.anthropic import FakeAnthropic, running_fake_anthropic
from tests.support.mesh_stack import Hub, Machine, create_token


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where spoken test audio is cached for the session (the n8n packages share it)."""
    return tmp_path_factory.mktemp("speech")


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


@pytest.fixture(scope="module")
def desk(
    hub: Hub,
    model: tuple[str, FakeAnthropic],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Machine]:
    """A machine whose agent runs, with the terminal hooks installed (one per test module)."""
    name = "desk-" + request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")
    machine = hooked_machine(tmp_path_factory.mktemp("desk"), name, model[0])
    start_connected(machine, hub.url, create_token(hub.dsn, "agent", name))
    yield machine
    machine.kill_agent()


@pytest.fixture
def terminal(desk: Machine, tmp_path: Path) -> Iterator[Terminal]:
    """An interactive CLI of the desk machine (not started yet) in a fresh project folder."""
    cwd = tmp_path / "projet"
    cwd.mkdir()
    with Terminal(desk.env, cwd) as term:
        yield term
