"""Pairing and settings in a real Chromium against the real hub: a code shown by a paired
device pairs another one once, a device revoked from the app goes back to pairing, and the
Siri token is made on the phone, shown once and listed."""

from __future__ import annotations

import json
import re
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.pwa import new_context, pair_with_token, shot
from tests.browser.seed import run_sql
from tests.support.mesh_stack import Hub, create_token

pytestmark = pytest.mark.browser
SIRI_DOC = Path(__file__).resolve().parents[2] / "docs" / "siri-shortcut.md"


@pytest.fixture
def laptop(browser: Browser, hub: Hub) -> Iterator[Page]:
    """A desktop browser already paired (as "Portable <4 hex>"), on the settings screen."""
    context = new_context(browser, hub.url, phone=False)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the app confirms revocations
    name = f"Portable {uuid.uuid4().hex[:4]}"
    pair_with_token(page, create_token(hub.dsn, "full", name), name)
    page.get_by_role("link", name="Réglages").first.click()
    yield page
    context.close()


def _phone(browser: Browser, hub: Hub) -> tuple[BrowserContext, Page]:
    context = new_context(browser, hub.url)
    return context, context.new_page()


def _pair_with_code(page: Page, code: str, name: str) -> None:
    page.goto(f"/pair?code={code}")
    page.get_by_label("Nom de cet appareil").fill(name)
    page.get_by_role("button", name="Associer").click()


def test_a_code_shown_by_a_paired_device_pairs_another_once(
    browser: Browser, hub: Hub, laptop: Page
) -> None:
    """Réglages → Appareils → Ajouter shows a code and its QR code; a phone pairs with it; a
    second phone typing the same code is told, in French, that it was already used."""
    laptop.get_by_role("region", name="Appareils").get_by_role("button", name="Ajouter").click()
    sheet = laptop.get_by_role("dialog", name="Ajouter un appareil")
    expect(sheet.get_by_role("img", name="QR code d'association")).to_be_visible()
    code = sheet.locator("[data-code]").get_attribute("data-code")
    assert code and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    shot(laptop, "settings-pairing-code-desktop")

    first, phone = _phone(browser, hub)
    _pair_with_code(phone, code, "iPhone de Paul")
    expect(phone.get_by_role("heading", name="Boîte de réception")).to_be_visible()

    second, other = _phone(browser, hub)
    other.goto("/")
    other.get_by_label("Code d'association").fill(code.lower())
    other.get_by_role("button", name="Associer").click()
    expect(other.get_by_role("alert")).to_have_text(re.compile("Ce code a déjà servi"))
    expect(other.get_by_role("navigation")).to_have_count(0)
    shot(other, "pair-code-used-phone")

    laptop.get_by_role("button", name="Fermer").click()
    laptop.reload()
    devices = laptop.get_by_role("region", name="Appareils")
    expect(devices.get_by_text("iPhone de Paul")).to_be_visible()
    first.close()
    second.close()


def test_a_device_revoked_from_the_app_goes_back_to_pairing(
    browser: Browser, hub: Hub, laptop: Page
) -> None:
    """The laptop revokes the phone in Appareils; the phone's next call lands on pairing."""
    context, phone = _phone(browser, hub)
    pair_with_token(phone, create_token(hub.dsn, "full", "Vieil iPhone"), "Vieil iPhone")
    laptop.reload()
    devices = laptop.get_by_role("region", name="Appareils")
    devices.get_by_role("button", name="Révoquer Vieil iPhone").click()
    expect(devices.get_by_text("Vieil iPhone")).to_have_count(0)
    phone.get_by_role("link", name="Sessions").click()
    expect(phone.get_by_role("form", name="Associer cet appareil")).to_be_visible()
    expect(phone.get_by_text(re.compile("n'est plus autorisé"))).to_be_visible()
    context.close()


def test_the_siri_token_is_made_on_the_phone_and_shown_once(hub: Hub, laptop: Page) -> None:
    """A capture token is made from the settings: its secret and the Shortcut's URL are shown
    once with copy buttons; it captures (and nothing else); afterwards only its name is listed."""
    siri = laptop.get_by_role("region", name="Raccourci Siri")
    siri.get_by_role("button", name="Nouveau jeton").click()
    asking = laptop.get_by_role("dialog", name="Nouveau jeton de capture")
    asking.get_by_label("Nom du jeton").fill("Siri CarPlay")
    asking.get_by_role("button", name="Créer le jeton").click()
    shown = laptop.get_by_role("dialog", name="Jeton du raccourci Siri")
    secret = shown.get_by_title(re.compile(r"^sbt_")).inner_text()
    expect(shown.get_by_role("button", name="Copier : Jeton")).to_be_visible()
    expect(shown.get_by_title(re.compile(r"api.capture$"))).to_be_visible()
    shot(laptop, "settings-siri-token-desktop")
    headers = {"Authorization": f"Bearer {secret}"}
    check = httpx.get(f"{hub.url}/api/auth/check", params={"scope": "capture"}, headers=headers)
    assert check.status_code == 204
    assert httpx.get(f"{hub.url}/api/devices", headers=headers).status_code == 403

    shown.get_by_role("button", name="Fermer").click()
    expect(siri.get_by_text("Siri CarPlay")).to_be_visible()
    assert secret not in laptop.content()
    laptop.reload()
    expect(
        laptop.get_by_role("region", name="Raccourci Siri").get_by_text("Siri CarPlay")
    ).to_be_visible()
    assert secret not in laptop.content()
    mine = (
        laptop.get_by_role("region", name="Appareils")
        .locator("div.flex")
        .filter(has_text="cet appareil")
    )
    expect(mine.get_by_text(re.compile(r"^Portable [0-9a-f]{4}$"))).to_be_visible()


def test_a_clients_email_domains_are_shown_and_edited(hub: Hub, laptop: Page) -> None:
    """Réglages → Clients: a new client's e-mail domains (an address pasted is cut to its
    domain) are listed and saved; a wrong one is refused in French; an edit replaces them."""
    name = f"Initech {uuid.uuid4().hex[:4]}"
    clients = laptop.get_by_role("region", name="Clients")
    clients.get_by_role("button", name="Ajouter").click()
    sheet = laptop.get_by_role("dialog", name="Nouveau client")
    sheet.get_by_label("Nom", exact=True).fill(name)
    sheet.get_by_label("Domaines e-mail").fill("initech.fr, Marie@Initech.COM")
    sheet.get_by_role("button", name="Enregistrer").click()
    expect(clients.get_by_text("@initech.fr, @initech.com")).to_be_visible()
    clients.get_by_text("@initech.fr, @initech.com").scroll_into_view_if_needed()
    shot(laptop, "settings-client-domains-desktop")

    token = create_token(hub.dsn, "full", "catalog-check")
    headers = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{hub.url}/api/clients", headers=headers).json()
    (saved,) = [c for c in listed if c["name"] == name]
    assert saved["domains"] == ["initech.fr", "initech.com"]

    clients.get_by_role("button", name=f"Modifier {name}").click()
    edit = laptop.get_by_role("dialog", name=f"Modifier {name}")
    field = edit.get_by_label("Domaines e-mail")
    expect(field).to_have_value("initech.fr, initech.com")
    field.fill("initech.fr, initech")
    edit.get_by_role("button", name="Enregistrer").click()
    expect(edit.get_by_role("alert")).to_have_text(re.compile("n'est pas un domaine"))
    field.fill("initech.fr")
    edit.get_by_role("button", name="Enregistrer").click()
    expect(clients.get_by_text("@initech.fr", exact=True)).to_be_visible()
    listed = httpx.get(f"{hub.url}/api/clients", headers=headers).json()
    assert [c["domains"] for c in listed if c["name"] == name] == [["initech.fr"]]


def test_an_online_machine_says_since_when_it_is_connected(browser: Browser, hub: Hub) -> None:
    """A machine online for two hours reads "connectée", not "vue" two hours ago as if it were
    stale; an offline one reads when it was last seen."""
    online, offline = (f"{kind}-{uuid.uuid4().hex[:4]}" for kind in ("srv", "old"))
    for name, is_online in ((online, True), (offline, False)):
        run_sql(
            hub.dsn,
            "INSERT INTO assistant.agents (id, name, hostname, online, last_seen) VALUES "
            "('agt_' || assistant.new_ulid(), %s, 'gpu', %s, now() - interval '2 hours')",
            name,
            is_online,
        )
    context = new_context(browser, hub.url)
    page = context.new_page()
    pair_with_token(page, create_token(hub.dsn, "full", f"iPhone {online}"), f"iPhone {online}")
    page.get_by_role("link", name="Réglages").first.click()
    row = page.get_by_text(online, exact=True).locator("xpath=../..")  # name, meta line, badge
    expect(row).to_contain_text("gpu · 0 session · connectée ")
    expect(row).to_contain_text("En ligne")
    other = page.get_by_text(offline, exact=True).locator("xpath=../..")
    expect(other).to_contain_text("gpu · 0 session · vue ")
    expect(other).to_contain_text("Hors ligne")
    context.close()


def _documented_text_request() -> dict[str, str]:
    """The form fields of the dictated-text request of docs/siri-shortcut.md's curl line."""
    [line] = [
        x for x in SIRI_DOC.read_text().splitlines() if x.startswith("curl ") and "text=" in x
    ]
    words = shlex.split(line)
    return dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "-F")


def test_the_siri_instructions_give_the_documented_request(hub: Hub, laptop: Page) -> None:
    """The token sheet lists the same form fields as the documented request (text, mode=text,
    channel=siri), and the capture webhook's SQL files that request as a Siri text capture."""
    siri = laptop.get_by_role("region", name="Raccourci Siri")
    siri.get_by_role("button", name="Nouveau jeton").click()
    asking = laptop.get_by_role("dialog", name="Nouveau jeton de capture")
    asking.get_by_role("button", name="Créer le jeton").click()
    fields = laptop.get_by_role("dialog", name="Jeton du raccourci Siri").get_by_label(
        "Champs du formulaire"
    )
    expect(fields).to_be_visible()
    shown = {
        str(dd.get_attribute("data-field")): dd.inner_text()
        for dd in fields.locator("dd[data-field]").all()
    }
    documented = _documented_text_request()
    assert set(shown) == set(documented) == {"text", "mode", "channel"}, (shown, documented)
    assert shown["text"] == "texte dicté"
    assert {k: v for k, v in shown.items() if k != "text"} == {"mode": "text", "channel": "siri"}
    assert {k: v for k, v in documented.items() if k != "text"} == {
        "mode": "text",
        "channel": "siri",
    }
    body = {**shown, "text": documented["text"]}
    [row] = run_sql(
        hub.dsn,
        "SELECT assistant.receive_webhook_capture(%s::jsonb)->'capture' AS c",
        json.dumps({"webhook": {"body": body, "headers": {}}}),
    )
    [stored] = run_sql(
        hub.dsn,
        "SELECT channel, mode, text FROM assistant.captures WHERE id = %s",
        row["c"]["capture_id"],
    )
    assert stored == {"channel": "siri", "mode": "text", "text": "Acheter du pain demain"}
