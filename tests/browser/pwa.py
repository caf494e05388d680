"""What the PWA's browser tests share: Debian's Chromium driven by Playwright, the app's build,
a device paired through the app's own screen, and screenshots written as test artifacts.

    ARTIFACTS/<name>-phone.png, <name>-desktop.png    every screen, 390×844 and 1280×800
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--lang=fr-FR",  # the browser's own widgets (date fields) in French, as on a French phone
    # A microphone that plays a tone, granted without a prompt where a context allows it.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ARTIFACTS = ROOT / "tests" / "artifacts" / "pwa"
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}


def build_pwa() -> None:
    """Build the app into the hub's static folder (a no-op when the sources did not change)."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-pwa.sh")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Debian Chromium (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def new_context(
    browser: Browser, base_url: str, *, phone: bool = True, **extra: Any
) -> BrowserContext:
    """A fresh browser profile on the hub, French, phone-sized unless `phone=False`."""
    return browser.new_context(
        base_url=base_url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        **(PHONE if phone else DESKTOP),
        **extra,
    )


def pair_with_token(page: Page, token: str, name: str = "Chromium de test") -> None:
    """Pair through the pairing screen's "I already have a token" form."""
    page.goto("/")
    page.get_by_role("button", name="J'ai déjà un jeton").click()
    page.get_by_label("Jeton de l'appareil").fill(token)
    page.get_by_label("Nom de cet appareil").fill(name)
    page.get_by_role("button", name="Associer").click()
    expect(page.get_by_role("navigation").first).to_be_visible()


def wait_for_service_worker(page: Page) -> None:
    """Wait until the service worker is active and controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # Polled from here: the app's CSP forbids the eval that wait_for_function relies on.
    wait_for(
        lambda: page.evaluate("navigator.serviceWorker.controller !== null"),
        15,
        "the service worker to control the page",
    )


def shot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Write a screenshot artifact (tests/artifacts/pwa/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
