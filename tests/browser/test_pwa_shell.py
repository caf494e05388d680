"""The app's shell in a real Chromium against the real hub: the pairing gate, a revoked device
sent back to pairing, the service worker's offline shell, and each screen's look."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pwa import new_context, pair_with_token, shot, wait_for_service_worker
from tests.support.mesh_stack import Hub, create_token, solo_brain

pytestmark = pytest.mark.browser


def test_an_unpaired_browser_sees_only_pairing(browser: Browser, hub: Hub) -> None:
    """Any deep link without a token shows the pairing screen and nothing else."""
    for phone, suffix in ((True, "phone"), (False, "desktop")):
        context = new_context(browser, hub.url, phone=phone)
        page = context.new_page()
        page.goto("/sessions/anything?x=1")
        expect(page.get_by_role("form", name="Associer cet appareil")).to_be_visible()
        expect(page.get_by_label("Code d'association")).to_be_visible()
        expect(page.get_by_role("navigation")).to_have_count(0)
        shot(page, f"pair-{suffix}")
        context.close()


def test_a_code_from_the_link_is_prefilled(browser: Browser, hub: Hub) -> None:
    """The QR code's /pair?code=... link fills the code field, cleaned to 8 characters."""
    context = new_context(browser, hub.url)
    page = context.new_page()
    page.goto("/pair?code=abcd-2345")
    expect(page.get_by_label("Code d'association")).to_have_value("ABCD2345")
    context.close()


def test_a_token_without_full_scope_is_refused(browser: Browser, hub: Hub) -> None:
    """A capture-only token does not pair the app; the screen says why."""
    context = new_context(browser, hub.url)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="J'ai déjà un jeton").click()
    page.get_by_label("Jeton de l'appareil").fill(create_token(hub.dsn, "capture", "siri-pwa"))
    page.get_by_role("button", name="Associer").click()
    expect(page.get_by_role("alert")).to_contain_text("jeton « full »")
    expect(page.get_by_role("navigation")).to_have_count(0)
    context.close()


def test_a_revoked_device_goes_back_to_pairing(browser: Browser, hub: Hub) -> None:
    """Once its token is revoked, the app's next call brings it back to pairing, saying why."""
    context = new_context(browser, hub.url)
    page = context.new_page()
    pair_with_token(page, create_token(hub.dsn, "full", "phone-to-revoke"))
    page.get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions Claude Code")).to_be_visible()
    solo_brain(hub.dsn, "token", "revoke", "phone-to-revoke")
    page.get_by_role("button", name="Actualiser").click()
    expect(page.get_by_role("form", name="Associer cet appareil")).to_be_visible()
    expect(page.get_by_text(re.compile("n'est plus autorisé"))).to_be_visible()
    page.reload()
    expect(page.get_by_role("form", name="Associer cet appareil")).to_be_visible()
    context.close()


def test_the_shell_loads_offline_from_the_service_worker(browser: Browser, hub: Hub) -> None:
    """With the network cut, a reload and a deep link still open the app, which says offline."""
    context = new_context(browser, hub.url)
    page = context.new_page()
    pair_with_token(page, create_token(hub.dsn, "full", "phone-offline"))
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Boîte de réception")).to_be_visible()
    page.goto("/sessions")
    expect(page.get_by_role("heading", name="Sessions Claude Code")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Hors ligne").first).to_be_visible()
    shot(page, "offline-sessions-phone")
    context.set_offline(False)
    context.close()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_screens_are_written_as_artifacts(browser: Browser, hub: Hub, phone: bool) -> None:
    """Inbox, capture and settings render with their titles; screenshots go to the artifacts."""
    suffix = "phone" if phone else "desktop"
    context = new_context(browser, hub.url, phone=phone)
    page = context.new_page()
    pair_with_token(page, create_token(hub.dsn, "full", f"screens-{suffix}"))
    expect(page.get_by_role("heading", name="Boîte de réception")).to_be_visible()
    shot(page, f"inbox-{suffix}")
    page.get_by_role("link", name="Capturer").first.click()
    expect(page.get_by_role("button", name="Maintenir pour parler")).to_be_visible()
    shot(page, f"capture-{suffix}")
    page.get_by_role("link", name="Réglages").click()
    expect(page.get_by_role("heading", name="Réglages")).to_be_visible()
    expect(page.get_by_text("Adresse du raccourci")).to_be_visible()
    shot(page, f"settings-{suffix}")
    context.close()
