"""The outbox in a real Chromium: a capture typed offline is kept in IndexedDB and sent once,
exactly once, when the network returns, through the hub's /api/capture to the capture webhook.

The webhook here is a loopback recorder standing in for n8n's capture webhook (it answers the
capture API's shape); what is under test is the app and the hub's forwarding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pwa import new_context, pair_with_token, shot, wait_for_service_worker
from tests.mesh.hub_harness import hub_settings, issue, recording_capture_webhook, running_hub
from tests.support.wait import wait_for

pytestmark = pytest.mark.browser
CAPTURE_ID = re.compile(r"^cap_[0-9A-HJKMNP-TV-Z]{26}$")


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A recording capture webhook answering like n8n's; yields its URL and what it got."""
    with recording_capture_webhook() as running:
        yield running


@pytest.fixture(scope="module")
def hub_url(
    pg_dsn: str, webhook: tuple[str, list[dict[str, Any]]], pwa_built: None
) -> Iterator[str]:
    """The hub, in process, forwarding captures to the recording webhook."""
    with running_hub(hub_settings(pg_dsn, MESH_CAPTURE_URL=webhook[0])) as url:
        yield url


def test_an_offline_capture_is_sent_exactly_once_when_back_online(
    browser: Browser, pg_dsn: str, hub_url: str, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    """Typed offline: kept, shown as waiting; back online: sent once; reopening sends nothing."""
    _, received = webhook
    context = new_context(browser, hub_url)
    page = context.new_page()
    sent: list[str] = []
    page.on(
        "requestfinished",
        lambda r: sent.append(r.url) if r.method == "POST" and "/api/capture" in r.url else None,
    )
    pair_with_token(page, issue(pg_dsn, "full", "pwa-outbox"))
    wait_for_service_worker(page)
    page.get_by_role("link", name="Capturer").first.click()

    context.set_offline(True)
    page.get_by_label("Ta note").fill("acheter du café demain")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Capture gardée sur l'appareil")).to_be_visible()
    expect(page.get_by_text("1 envoi en attente")).to_be_visible()
    shot(page, "capture-offline-phone")
    assert received == []

    context.set_offline(False)
    page.evaluate("dispatchEvent(new Event('online'))")
    expect(page.get_by_text("« Capté, tâche notée. »")).to_be_visible()
    assert len(received) == 1
    form = received[0]["form"]
    assert form["text"] == "acheter du café demain"
    assert (form["channel"], form["mode"]) == ("pwa", "text")
    assert CAPTURE_ID.match(form["capture_id"])
    shot(page, "capture-answer-phone")

    # Every later trigger finds an empty outbox: open, visibility, online.
    page.reload()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.evaluate("dispatchEvent(new Event('online'))")
    page.get_by_role("link", name="Réglages").click()
    expect(page.get_by_text("Envois en attente")).to_be_visible()
    expect(page.locator("div", has_text=re.compile(r"^Envois en attente0$")).last).to_be_visible()
    wait_for(lambda: page.evaluate("1") and len(sent) >= 1, 5, "the request to be recorded")
    assert len(received) == 1
    assert len(sent) == 1
    context.close()
