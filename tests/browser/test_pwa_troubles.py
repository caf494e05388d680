"""What the phone says when something goes wrong, in a real Chromium against the real hub:
the hub's refusals in French (never its English envelope), a deep link to nothing, a project
deleted under an open form, Web Push that the browser cannot give, and the hub going down
then coming back while a screen stays open."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser import seed
from tests.browser.pwa import new_context, pair_with_token
from tests.fakes.server import free_port, serve
from tests.support.databases import fresh_database
from tests.support.mesh_stack import Hub, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.browser
# The capture screen's stop icon (ui/icons.tsx): a rounded square.
STOP_ICON = "M7 5h10a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z"
ENGLISH = re.compile(r"String should|no capture|unknown project|add it first|Registration failed")


# The capture webhook's port: nothing listens there (n8n down) until a test serves WEBHOOK on it.
N8N_PORT = free_port()


@pytest.fixture(scope="module")
def site(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory, pwa_built: None
) -> Iterator[tuple[Hub, dict[str, str]]]:
    """The hub on a database of its own with the seeded inbox: (hub, capture ids by name);
    its capture webhook (n8n) is down until a test starts it."""
    with fresh_database(pg_server_url, "sb_pwa_troubles") as dsn:
        media = tmp_path_factory.mktemp("troubles-media")
        captures = seed.seed_inbox(dsn, media)
        hub = Hub(
            dsn,
            tmp_path_factory.mktemp("troubles-hub"),
            MEDIA_DIR=str(media),
            MESH_CAPTURE_URL=f"http://127.0.0.1:{N8N_PORT}/webhook/capture",
        )
        hub.start()
        try:
            yield hub, captures
        finally:
            hub.stop()


@pytest.fixture
def phone(browser: Browser, site: tuple[Hub, dict[str, str]]) -> Iterator[Page]:
    """A paired iPhone-sized page that may ask for notifications."""
    hub, _ = site
    context: BrowserContext = new_context(browser, hub.url, permissions=["notifications"])
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    pair_with_token(page, create_token(hub.dsn, "full", "iPhone"), "iPhone")
    yield page
    context.close()


def test_a_link_to_nothing_is_said_in_french(phone: Page) -> None:
    """A mangled capture link and a capture that no longer exists each get a French sentence,
    not the hub's English validation text."""
    phone.goto("/captures/pas-une-capture")
    expect(phone.get_by_text("Ce lien ne mène nulle part", exact=False)).to_be_visible()
    phone.goto("/captures/cap_01JZZZZZZZZZZZZZZZZZZZZZZZ")
    expect(phone.get_by_text("Introuvable", exact=True)).to_be_visible()
    expect(phone.get_by_text("supprimé entre-temps", exact=False)).to_be_visible()
    expect(phone.get_by_text(ENGLISH)).to_have_count(0)


def test_a_project_deleted_under_the_open_form_is_said_in_french(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """Re-filing under a project that another device deleted meanwhile: the hub refuses, the
    app says so in French and keeps the form open."""
    hub, ids = site
    seed.run_sql(
        hub.dsn,
        "INSERT INTO assistant.projects (slug, name) VALUES ('ephemere', 'Projet éphémère')",
    )
    phone.goto(f"/captures/{ids['idea']}")
    phone.get_by_role("button", name="Reclasser").first.click()
    form = phone.get_by_role("form", name="Reclasser la capture")
    form.get_by_label("Projet").select_option("ephemere")
    other = create_token(hub.dsn, "full", "iPad")
    gone = httpx.delete(
        f"{hub.url}/api/projects/ephemere", headers={"Authorization": f"Bearer {other}"}
    )
    assert gone.status_code == 204, gone.text
    form.get_by_role("button", name="Enregistrer").click()
    expect(phone.get_by_role("alert").filter(has_text="n'existe plus")).to_be_visible()
    expect(phone.get_by_text(ENGLISH)).to_have_count(0)
    expect(form).to_be_visible()


def test_push_the_browser_cannot_give_is_said_and_not_kept(phone: Page) -> None:
    """Headless Chromium has no push service: turning notifications on says so in French,
    the switch stays off, and the app does not keep trying on every open."""
    phone.get_by_role("link", name="Réglages").first.click()
    switch = phone.get_by_role("switch", name="Notifications")
    switch.click()
    expect(
        phone.get_by_role("alert").filter(has_text="service de notifications de ce navigateur")
    ).to_be_visible()
    expect(phone.get_by_text(ENGLISH)).to_have_count(0)
    expect(switch).to_have_attribute("aria-checked", "false")
    assert phone.evaluate("localStorage.getItem('sb.push')") != "on"


def test_the_hub_down_is_not_called_offline_and_its_return_is_seen(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """With the phone online and the hub stopped, the inbox says the hub is unreachable (not
    "offline"); once the hub is back, the note goes by itself, without a tap."""
    hub, _ = site
    listed = phone.get_by_role("list", name="Captures")
    expect(listed.get_by_role("link").first).to_be_visible()
    hub.stop()
    try:
        phone.get_by_role("link", name="Sessions").first.click()
        phone.get_by_role("link", name="Boîte").first.click()
        note = phone.get_by_role("status").filter(has_text="Hub injoignable")
        expect(note).to_be_visible()
        expect(phone.get_by_role("status").filter(has_text="Hors ligne")).to_have_count(0)
    finally:
        hub.start()
    expect(note).to_have_count(0, timeout=20_000)
    expect(listed.get_by_role("link").first).to_be_visible()


def test_a_reclassification_made_offline_is_replayed_once_back_online(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """Re-filed with the network cut: kept on the phone and said so; back online, the hub gets
    it once (one audit row) and the phone's outbox is empty."""
    hub, ids = site
    phone.goto(f"/captures/{ids['review']}")
    expect(phone.get_by_role("region", name="Classement")).to_be_visible()
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Reclasser").first.click()
    form = phone.get_by_role("form", name="Reclasser la capture")
    form.get_by_text("Note technique", exact=True).click()
    form.get_by_role("button", name="Enregistrer").click()
    expect(
        phone.get_by_role("status").filter(has_text="Hors ligne : le reclassement")
    ).to_be_visible()
    phone.context.set_offline(False)
    wait_for(
        lambda: (
            seed.run_sql(
                hub.dsn, "SELECT category FROM assistant.captures WHERE id = %s", ids["review"]
            )
            == [{"category": "note_tech"}]
        ),
        30,
        "the re-classification replayed",
    )
    phone.get_by_role("link", name="Réglages").first.click()
    expect(phone.get_by_text("Envois en attente").locator("..")).to_contain_text("0")
    audits = seed.run_sql(
        hub.dsn,
        "SELECT 1 FROM assistant.audit_log WHERE subject = %s AND action = 'capture.reclassified'",
        ids["review"],
    )
    assert len(audits) == 1


def test_toasts_do_not_pile_up_and_close_with_a_finger(phone: Page) -> None:
    """Three quick changes leave two toasts on screen, not three; each closes with a target a
    finger can hit (44 px)."""
    phone.get_by_role("link", name="Réglages").first.click()
    projects = phone.get_by_role("region", name="Projets")
    for name in ("Banc A", "Banc B", "Banc C"):
        projects.get_by_role("button", name="Ajouter").click()
        phone.get_by_label("Nom", exact=True).fill(name)
        phone.get_by_role("button", name="Enregistrer").click()
        expect(projects.get_by_role("button", name=f"Modifier {name}")).to_be_visible()
    shown = phone.get_by_role("status").filter(has_text="Ajouté.")
    assert shown.count() <= 2  # read at once: waiting would let the first one expire
    expect(shown.first).to_be_visible()
    box = shown.first.get_by_role("button", name="Fermer").bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44


def _webhook(dsn: str) -> FastAPI:
    """n8n's capture webhook as far as the app can tell: it files the form and answers the
    capture API's answer for it."""
    app = FastAPI()

    @app.post("/webhook/capture")
    async def capture(request: Request) -> dict[str, Any]:
        form = await request.form()
        fields = {k: str(form[k]) for k in ("capture_id", "channel", "mode", "text")}
        [row] = seed.run_sql(
            dsn,
            "SELECT assistant.record_capture(%s::jsonb)->>'capture_id' AS id",
            json.dumps({**fields, "category": "todo", "summary": fields["text"]}),
        )
        [answer] = seed.run_sql(dsn, "SELECT assistant.capture_answer(%s) AS a", row["id"])
        return dict(answer["a"])

    return app


def test_a_capture_made_while_n8n_is_down_leaves_once_it_is_back(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """n8n down, the phone online: the capture is kept and the app says it is n8n, not the
    network; once n8n answers, it leaves by itself (no tap, no reconnection) and is filed."""
    hub, _ = site
    phone.get_by_role("link", name="Capturer").first.click()
    phone.get_by_role("textbox").first.fill("racheter des sondes d'oscilloscope")
    phone.get_by_role("button", name="Envoyer").click()
    expect(phone.get_by_text("n8n ne répond pas : capture gardée sur l'appareil")).to_be_visible()
    phone.get_by_role("link", name="Boîte").first.click()
    waiting = phone.get_by_role("list", name="Captures en attente d'envoi")
    expect(waiting).to_contain_text("n8n ne répond pas ; nouvel essai automatique")
    with serve(_webhook(hub.dsn), port=N8N_PORT):
        expect(waiting).to_have_count(0, timeout=30_000)
        listed = phone.get_by_role("list", name="Captures")
        expect(listed.get_by_text("racheter des sondes d'oscilloscope").first).to_be_visible()
    rows = seed.run_sql(
        hub.dsn,
        "SELECT 1 FROM assistant.captures WHERE text = 'racheter des sondes d''oscilloscope'",
    )
    assert len(rows) == 1


def test_a_retried_capture_shows_its_error_as_history(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """A failed capture shows its error in red; once retried it is pending again and the same
    error reads as the last one, with a new attempt planned, not as the capture's state."""
    _, ids = site
    phone.goto(f"/captures/{ids['failed']}")
    expect(phone.get_by_text("Whisper ne répond pas", exact=False)).to_be_visible()
    phone.get_by_role("button", name="Relancer maintenant").click()
    expect(
        phone.get_by_text(
            re.compile("^Nouvel essai prévu. Dernière erreur : Whisper ne répond pas")
        )
    ).to_be_visible()


def test_a_project_made_and_one_deleted_offline_are_replayed_back_online(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """Offline, a project is added and another deleted: both wait on the phone, listed as
    such; back online they reach the hub in order and the list shows the result."""
    hub, _ = site
    seed.run_sql(
        hub.dsn, "INSERT INTO assistant.projects (slug, name) VALUES ('vieux-banc', 'Vieux banc')"
    )
    phone.get_by_role("link", name="Réglages").first.click()
    projects = phone.get_by_role("region", name="Projets")
    expect(projects.get_by_role("button", name="Modifier Vieux banc")).to_be_visible()
    phone.context.set_offline(True)
    projects.get_by_role("button", name="Ajouter").click()
    phone.get_by_label("Nom", exact=True).fill("Banc Caméra")
    phone.get_by_role("button", name="Enregistrer").click()
    expect(
        phone.get_by_role("status").filter(has_text="Hors ligne : la modification")
    ).to_be_visible()
    projects.get_by_role("button", name="Modifier Vieux banc").click()
    phone.get_by_role("button", name="Supprimer").click()
    waiting = projects.get_by_role("list", name="Projets : modifications en attente d'envoi")
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    expect(waiting).to_contain_text("Ajouter « Banc Caméra »")
    expect(waiting).to_contain_text("Supprimer « Vieux banc »")
    phone.context.set_offline(False)
    expect(waiting).to_have_count(0, timeout=30_000)
    expect(projects.get_by_role("button", name="Modifier Banc Caméra")).to_be_visible()
    expect(projects.get_by_role("button", name="Modifier Vieux banc")).to_have_count(0)
    rows = seed.run_sql(
        hub.dsn,
        "SELECT slug FROM assistant.projects WHERE slug IN ('banc-camera', 'vieux-banc')",
    )
    assert rows == [{"slug": "banc-camera"}]


def test_a_project_whose_answer_was_lost_is_not_made_twice_nor_refused(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """The hub made the project but its answer never reached the phone: the change waits, is
    sent again, finds the project there (409) and leaves quietly, with nothing refused."""
    hub, _ = site
    phone.get_by_role("link", name="Réglages").first.click()
    projects = phone.get_by_role("region", name="Projets")
    lost: list[str] = []

    def lose_the_answer(route: Route) -> None:
        if route.request.method != "POST" or lost:
            route.continue_()
            return
        route.fetch()  # the hub makes the project...
        lost.append(route.request.url)
        route.abort()  # ...and the phone never hears of it

    phone.route("**/api/projects", lose_the_answer)
    projects.get_by_role("button", name="Ajouter").click()
    phone.get_by_label("Nom", exact=True).fill("Banc Perdu")
    phone.get_by_role("button", name="Enregistrer").click()
    expect(phone.get_by_role("status").filter(has_text="la modification partira")).to_be_visible()
    waiting = projects.get_by_role("list", name="Projets : modifications en attente d'envoi")
    expect(waiting).to_have_count(0, timeout=30_000)
    expect(projects.get_by_role("button", name="Modifier Banc Perdu")).to_be_visible()
    expect(phone.get_by_text(re.compile("Refusée|refusé par le hub"))).to_have_count(0)
    assert seed.run_sql(hub.dsn, "SELECT 1 FROM assistant.projects WHERE slug = 'banc-perdu'")


def test_a_voice_note_is_recorded_and_kept_while_n8n_is_down(
    browser: Browser, site: tuple[Hub, dict[str, str]]
) -> None:
    """Tap to talk on the fake microphone: the button turns into a stop button (not a pause
    one: the tap sends), the note is recorded, kept on the phone while n8n is down, and
    listed in the inbox as a voice note waiting for n8n."""
    hub, _ = site
    context = new_context(browser, hub.url, permissions=["microphone"])
    page = context.new_page()
    pair_with_token(page, create_token(hub.dsn, "full", "iPhone micro"), "iPhone micro")
    page.get_by_role("link", name="Capturer").first.click()
    page.get_by_role("button", name="Maintenir pour parler").press("Enter")
    stop = page.get_by_role("button", name="Arrêter et envoyer")
    expect(stop).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text(re.compile(r"^Enregistrement… 0:0[1-9]"))).to_be_visible()
    assert stop.locator("svg path").get_attribute("d") == STOP_ICON
    stop.press("Enter")
    expect(page.get_by_text("n8n ne répond pas : capture gardée sur l'appareil")).to_be_visible()
    page.get_by_role("link", name="Boîte").first.click()
    waiting = page.get_by_role("list", name="Captures en attente d'envoi")
    expect(waiting).to_contain_text("Note vocale")
    expect(waiting).to_contain_text("n8n ne répond pas")
    context.close()


def test_no_line_of_a_summary_starts_with_a_colon(
    site: tuple[Hub, dict[str, str]], phone: Page
) -> None:
    """French typography: the space before « : » in a summary is unbreakable, in the inbox and
    in the capture, so that at 390 px « : devis et démo » never starts a line."""
    _, ids = site
    # Playwright's text matching folds every space into one: read the DOM's own characters.
    written = "Caméra thermique IMX8MP pour Acmé\u00a0: devis et démo"
    listed = phone.get_by_role("list", name="Captures")
    shown = listed.get_by_text("Caméra thermique IMX8MP pour Acmé", exact=False).first
    assert shown.evaluate("el => el.textContent") == written
    phone.goto(f"/captures/{ids['meeting']}")
    shown = phone.get_by_text("Caméra thermique IMX8MP pour Acmé", exact=False).first
    assert shown.evaluate("el => el.textContent") == written


def test_notifications_refused_say_where_to_allow_them(
    browser: Browser, site: tuple[Hub, dict[str, str]]
) -> None:
    """Refused at the browser's prompt: the card says where to allow them and the switch no
    longer pretends it can, after a reload too (the browser will not ask again)."""
    hub, _ = site
    context = new_context(browser, hub.url)  # no permission granted: the prompt is refused
    page = context.new_page()
    pair_with_token(page, create_token(hub.dsn, "full", "iPhone refus"), "iPhone refus")
    page.get_by_role("link", name="Réglages").first.click()
    switch = page.get_by_role("switch", name="Notifications")
    switch.click()
    expect(page.get_by_role("alert").filter(has_text="refusées")).to_be_visible()
    card = page.get_by_role("region", name="Notifications")
    for _ in range(2):
        expect(card.get_by_text(re.compile("bloquées pour cette app"))).to_be_visible()
        expect(switch).to_be_disabled()
        page.reload()
    context.close()
