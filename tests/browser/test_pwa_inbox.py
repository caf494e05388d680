"""The inbox in a real Chromium against the real hub, the real n8n (its capture and mesh-events
workflows) and Postgres: a capture typed in the app is filed by n8n and shows in the inbox,
re-classifying it persists and is audited, search finds it, and a capture made offline goes
through n8n exactly once when the network returns. One n8n stack serves the whole module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.pwa import new_context, pair_with_token, shot, wait_for_service_worker
from tests.support.databases import fresh_database
from tests.support.mesh_stack import create_token
from tests.support.n8n_stack import Stack, run_stack
from tests.support.wait import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.n8n]

NOTE = "Réunion avec Hélène : envoyer le devis de la caméra thermique vendredi"


@pytest.fixture(scope="module")
def stack(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory, pwa_built: None
) -> Iterator[Stack]:
    """n8n with the workflows active and the hub serving the app, on a database of its own,
    with a small catalog and the model's answer for the note of these tests."""
    with fresh_database(pg_server_url, "sb_pwa_n8n") as dsn:
        with run_stack(dsn, tmp_path_factory.mktemp("pwa-n8n")) as running:
            running.rows(
                "INSERT INTO assistant.clients (id, name, aliases) VALUES "
                "('acme', 'Acmé Robotique', '{acme}') RETURNING id"
            )
            running.rows(
                "INSERT INTO assistant.projects (slug, name, client_id) VALUES "
                "('imx8mp-vision', 'IMX8MP Vision', 'acme'), "
                "('orchestrator', 'Orchestrateur', NULL) RETURNING slug"
            )
            running.brain.when(
                "caméra", "thermique",
                answer={"category": "client", "client": "acme", "project": "imx8mp-vision",
                        "summary": "Devis caméra thermique pour Hélène",
                        "actions": [{"text": "envoyer le devis à Hélène",
                                     "due_phrase": "vendredi"}]},
            )  # fmt: skip
            yield running


@pytest.fixture
def phone(browser: Browser, stack: Stack) -> Iterator[tuple[BrowserContext, Page]]:
    """A phone-sized page paired with a device token of its own."""
    context = new_context(browser, stack.hub.url)
    page = context.new_page()
    pair_with_token(page, create_token(stack.dsn, "full", "iPhone de test"), "iPhone de test")
    yield context, page
    context.close()


def _captures_of(stack: Stack, text: str) -> list[dict[str, object]]:
    return stack.rows("SELECT id, status, category FROM assistant.captures WHERE text = %s", text)


def _capture(page: Page, text: str) -> None:
    page.get_by_role("link", name="Capturer").first.click()
    page.get_by_label("Ta note").fill(text)
    page.get_by_role("button", name="Envoyer").click()


def test_a_typed_capture_is_filed_by_n8n_and_shows_in_the_inbox(
    phone: tuple[BrowserContext, Page], stack: Stack
) -> None:
    """The note goes through n8n: the answer is spoken back, and the inbox lists it filed, with
    its client, project and dated action."""
    _, page = phone
    _capture(page, NOTE)
    answer = page.get_by_role("region", name="Réponse à la capture")
    expect(answer.get_by_text("Capté et rangé")).to_be_visible(timeout=30_000)
    expect(answer.get_by_text("IMX8MP Vision", exact=True)).to_be_visible()
    expect(answer.get_by_text("Acmé Robotique", exact=True)).to_be_visible()
    shot(page, "capture-answer-phone")
    [row] = _captures_of(stack, NOTE)
    assert (row["status"], row["category"]) == ("filed", "client")
    answer.get_by_role("link", name="Voir dans la boîte").click()
    filed = page.get_by_role("region", name="Classement")
    expect(filed.get_by_text("Client", exact=True).first).to_be_visible()
    expect(page.get_by_text(NOTE)).to_be_visible()
    page.get_by_role("link", name="Boîte").first.click()
    item = (
        page.get_by_role("list", name="Captures")
        .get_by_role("link")
        .filter(has_text="Devis caméra thermique pour Hélène")
    )
    expect(item).to_be_visible()
    expect(item.get_by_text("Acmé Robotique", exact=True)).to_be_visible()
    expect(item.get_by_text("IMX8MP Vision", exact=True)).to_be_visible()


def test_a_reclassification_persists_after_a_reload_and_is_audited(
    phone: tuple[BrowserContext, Page], stack: Stack
) -> None:
    """Category, project and a new action with its day and time are saved; after a reload they
    are still there, and the history names the change and the device that made it."""
    _, page = phone
    [row] = _captures_of(stack, NOTE) or [None]
    if row is None:  # this test also stands alone
        _capture(page, NOTE)
        [row] = wait_for(lambda: _captures_of(stack, NOTE), 30, "the capture filed")
    page.goto(f"/captures/{row['id']}")
    page.get_by_role("button", name="Reclasser").first.click()
    form = page.get_by_role("form", name="Reclasser la capture")
    form.get_by_text("À faire", exact=True).click()
    form.get_by_label("Projet").select_option("orchestrator")
    form.get_by_role("button", name="Ajouter une action").click()
    form.get_by_label("Action 2", exact=True).fill("rappeler Hélène")
    expect(form.get_by_label("Heure de l'action 2")).to_be_disabled()  # no day, no time
    form.get_by_label("Échéance de l'action 2").fill("2026-07-03")
    form.get_by_label("Heure de l'action 2").fill("10:30")
    form.get_by_role("button", name="Enregistrer").click()
    expect(form).to_have_count(0)
    page.reload()
    filed = page.get_by_role("region", name="Classement")
    expect(filed.get_by_text("À faire")).to_be_visible()
    expect(filed.get_by_text("Orchestrateur")).to_be_visible()
    expect(filed.get_by_text("rappeler Hélène")).to_be_visible()
    expect(filed.get_by_text(re.compile(r" à 10h30$"))).to_be_visible()
    history = page.get_by_role("region", name="Historique")
    expect(history.get_by_text("Reclassée à la main")).to_be_visible()
    expect(history.get_by_text("Catégorie : Client → À faire")).to_be_visible()
    expect(history.get_by_text(re.compile("iPhone de test"))).to_be_visible()
    shot(page, "capture-detail-reclassified-phone", full_page=True)
    [audit] = stack.rows(
        "SELECT actor, detail FROM assistant.audit_log WHERE subject = %s "
        "AND action = 'capture.reclassified'",
        row["id"],
    )
    assert audit["actor"] == "token:iPhone de test"
    assert audit["detail"]["after"]["category"] == "todo"
    [stored] = stack.rows(
        "SELECT category, project FROM assistant.captures WHERE id = %s", row["id"]
    )
    assert stored == {"category": "todo", "project": "orchestrator"}
    [timed] = stack.rows("SELECT due::text, to_char(due_time, 'HH24:MI') AS at "
                         "FROM assistant.actions WHERE text = 'rappeler Hélène'")  # fmt: skip
    assert timed == {"due": "2026-07-03", "at": "10:30"}


def test_search_finds_a_capture_with_and_without_accents(
    phone: tuple[BrowserContext, Page], stack: Stack
) -> None:
    """The inbox's search box asks the hub's French full text: accents and case do not matter."""
    _, page = phone
    if not _captures_of(stack, NOTE):
        _capture(page, NOTE)
        wait_for(lambda: _captures_of(stack, NOTE), 30, "the capture filed")
        page.get_by_role("link", name="Boîte").first.click()
    search = page.get_by_label("Rechercher dans les captures")
    listed = page.get_by_role("list", name="Captures")
    for query in ("helene", "Hélène", "CAMERA thermique", "devis"):
        search.fill(query)
        expect(page).to_have_url(re.compile(r"q="))
        expect(listed.get_by_role("link").filter(has_text="Hélène")).to_be_visible()
    search.fill("aquarium")
    expect(page.get_by_text("Aucune capture ne correspond")).to_be_visible()


def test_an_offline_capture_goes_through_n8n_exactly_once(browser: Browser, stack: Stack) -> None:
    """Typed offline: kept on the phone and shown waiting; back online: sent once through n8n,
    answered and filed; every later trigger finds nothing left to send (one capture row)."""
    text = "Acheter du café en grains demain"
    context = new_context(browser, stack.hub.url)
    page = context.new_page()
    sent: list[str] = []
    page.on(
        "requestfinished",
        lambda r: sent.append(r.url) if r.method == "POST" and "/api/capture" in r.url else None,
    )
    pair_with_token(page, create_token(stack.dsn, "full", "iPhone hors ligne"))
    wait_for_service_worker(page)
    page.get_by_role("link", name="Capturer").first.click()

    context.set_offline(True)
    page.get_by_label("Ta note").fill(text)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Capture gardée sur l'appareil")).to_be_visible()
    expect(page.get_by_text("1 envoi en attente")).to_be_visible()
    shot(page, "capture-offline-phone")
    assert _captures_of(stack, text) == []

    context.set_offline(False)
    page.evaluate("dispatchEvent(new Event('online'))")
    answer = page.get_by_role("region", name="Réponse à la capture")
    expect(answer).to_be_visible(timeout=30_000)
    expect(answer.get_by_text("Capté et rangé")).to_be_visible()
    wait_for(lambda: _captures_of(stack, text), 30, "the capture stored")

    # Every later trigger finds an empty outbox: open, visibility, online.
    page.reload()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.evaluate("dispatchEvent(new Event('online'))")
    page.get_by_role("link", name="Réglages").click()
    expect(page.get_by_test_id("outbox-count")).to_have_text("0")
    stack.wait_idle()
    assert len(_captures_of(stack, text)) == 1
    assert len(sent) == 1
    context.close()
