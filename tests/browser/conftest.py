"""Fixtures of the PWA's browser tests: the built app, one Chromium per module, a real hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.pwa import build_pwa, chromium
from tests.support.mesh_stack import Hub


@pytest.fixture(scope="session")
def pwa_built() -> None:
    """The app is built into the hub's static folder (rebuilt only when its sources changed)."""
    build_pwa()


@pytest.fixture(scope="module")
def browser(pwa_built: None) -> Iterator[Browser]:
    """One headless Chromium for the whole module."""
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def hub(pg_dsn: str, tmp_path_factory: pytest.TempPathFactory, pwa_built: None) -> Iterator[Hub]:
    """The real hub (its own process) on the test database, serving the built app."""
    hub = Hub(pg_dsn, tmp_path_factory.mktemp("hub"))
    hub.start()
    yield hub
    hub.stop()
