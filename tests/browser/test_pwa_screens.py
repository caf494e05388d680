"""Every screen with realistic data, at iPhone (390×844) and desktop (1280×800) sizes, against
the real hub on a database of its own: a catalog, captures of each status with deliveries, two
machines whose sessions show tool uses, a pending permission, a terminal waiting at the
keyboard and a forked transcript. Screenshots go to tests/artifacts/pwa/; the sessions console's
own behaviours (forks, badges, permissions settled elsewhere) are checked on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mesh_protocol import PermissionRequest
from tests.browser import seed
from tests.browser.pwa import new_context, pair_with_token, shot
from tests.browser.seed import IDS, TERMINAL
from tests.support.databases import fresh_database
from tests.support.mesh_stack import Hub, create_token

pytestmark = pytest.mark.browser
SIZES = [("phone", True), ("desktop", False)]


@pytest.fixture(scope="module")
def site(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory, pwa_built: None
) -> Iterator[tuple[Hub, seed.SeededMachines, dict[str, str]]]:
    """The hub on a seeded database of its own, with the machines connected."""
    with fresh_database(pg_server_url, "sb_pwa_screens") as dsn:
        media = tmp_path_factory.mktemp("screens-media")
        captures = seed.seed_inbox(dsn, media)
        hub = Hub(dsn, tmp_path_factory.mktemp("screens-hub"), MEDIA_DIR=str(media))
        hub.start()
        try:
            with seed.SeededMachines(hub.url, dsn) as machines:
                yield hub, machines, captures
        finally:
            hub.stop()


@pytest.fixture(scope="module")
def token(site: tuple[Hub, seed.SeededMachines, dict[str, str]]) -> str:
    """The device token of the screenshots' iPhone."""
    return create_token(site[0].dsn, "full", "iPhone de Solo")


@pytest.fixture(params=SIZES, ids=[s for s, _ in SIZES])
def device(
    request: pytest.FixtureRequest,
    browser: Browser,
    site: tuple[Hub, seed.SeededMachines, dict[str, str]],
    token: str,
) -> Iterator[tuple[Page, str, bool]]:
    """A paired page at iPhone or desktop size: (page, "phone" | "desktop", is a phone)."""
    suffix, phone = request.param
    context, page = _open(browser, site[0], token, phone)
    yield page, suffix, phone
    context.close()


def _open(
    browser: Browser, hub: Hub, token: str, phone: bool, **extra: object
) -> tuple[BrowserContext, Page]:
    context = new_context(browser, hub.url, phone=phone, **extra)
    page = context.new_page()
    pair_with_token(page, token, "iPhone de Solo")
    return context, page


def test_the_inbox_and_a_capture(
    site: tuple[Hub, seed.SeededMachines, dict[str, str]], device: tuple[Page, str, bool]
) -> None:
    """The inbox lists every status in French; a capture shows its actions, deliveries (a
    failed one with its error) and history; the re-classify form opens."""
    _, _, ids = site
    page, suffix, _ = device
    listed = page.get_by_role("list", name="Captures")
    expect(listed.get_by_role("link")).to_have_count(len(ids))
    for badge in ("Échec", "Classement en attente", "À vérifier", "Envoi en échec"):
        expect(listed.get_by_text(badge, exact=True)).to_be_visible()
    shot(page, f"inbox-{suffix}")
    page.get_by_label("Statut").select_option("pending")
    expect(listed.get_by_role("link")).to_have_count(1)
    page.get_by_label("Statut").select_option("")

    page.goto(f"/captures/{ids['meeting']}")
    expect(
        page.get_by_role("region", name="Classement").get_by_text("Acmé Robotique")
    ).to_be_visible()
    page.get_by_role("button", name="Écouter l'enregistrement").click()
    expect(page.locator("audio")).to_have_count(1)
    shot(page, f"capture-{suffix}")
    sent = page.get_by_role("region", name="Envois")
    expect(sent.get_by_text("Agenda", exact=True)).to_have_count(2)
    expect(sent.get_by_text("Onyx (recherche)")).to_be_visible()
    sent.scroll_into_view_if_needed()
    shot(page, f"capture-deliveries-{suffix}")

    page.goto(f"/captures/{ids['delivery']}")
    failed = page.get_by_role("region", name="Envois")
    expect(failed.get_by_text("Google Agenda a répondu 401 : jeton OAuth expiré")).to_be_visible()
    expect(page.get_by_role("button", name="Relancer les envois")).to_be_visible()
    page.get_by_role("button", name="Reclasser").first.click()
    form = page.get_by_role("form", name="Reclasser la capture")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Enregistrer").evaluate(
        "b => b.scrollIntoView({block: 'center'})"
    )
    shot(page, f"reclassify-{suffix}")


def test_the_sessions_console(
    site: tuple[Hub, seed.SeededMachines, dict[str, str]], device: tuple[Page, str, bool]
) -> None:
    """Sessions grouped by machine with their badges; a session's tool uses and its pending
    permission with the full command."""
    page, suffix, _ = device
    page.get_by_role("link", name="Sessions").first.click()
    gpu = page.get_by_role("region", name="Machine gpu-server")
    expect(gpu.get_by_text("en ligne")).to_be_visible()
    expect(gpu.get_by_text("1 permission")).to_be_visible()
    expect(
        page.get_by_role("region", name="Machine pc-maison").get_by_text(re.compile("hors ligne"))
    ).to_be_visible()
    if TERMINAL:
        expect(gpu.get_by_text("Le terminal attend une réponse")).to_be_visible()
        expect(gpu.get_by_text("Mode Modifs acceptées")).to_be_visible()
    shot(page, f"sessions-{suffix}")

    page.goto(f"/sessions/{IDS['orchestrator']}")
    card = page.get_by_role("region", name="Permission demandée : Bash")
    expect(card.get_by_label("Commande Bash")).to_contain_text(
        "uv run pytest tests/test_health.py -q"
    )
    messages = page.get_by_role("list", name="Messages")
    expect(messages.get_by_role("group").filter(has_text="src/**/*.py")).to_be_visible()
    messages.get_by_role("group").filter(has_text="Edit").locator("summary").click()
    page.evaluate("scrollTo(0, document.documentElement.scrollHeight)")
    shot(page, f"session-{suffix}")


def test_a_forked_transcript_shows_its_branches(
    site: tuple[Hub, seed.SeededMachines, dict[str, str]], device: tuple[Page, str, bool]
) -> None:
    """A prompt forced from the phone forked the transcript: the branch point is marked, the
    phone's branch comes first on its own rail, and the terminal's branch goes on below."""
    page, suffix, _ = device
    page.goto(f"/sessions/{IDS['api']}")
    messages = page.get_by_role("list", name="Messages")
    expect(messages.get_by_role("separator", name="La conversation se sépare ici")).to_be_visible()
    phone_branch = messages.get_by_label(re.compile("Prompt forcé depuis l'app"))
    terminal_branch = messages.get_by_label(re.compile("Dans le terminal"))
    expect(phone_branch).to_contain_text("le terminal ne voit pas cette branche")
    expect(terminal_branch).to_contain_text("le terminal continue ici")
    order = messages.locator("li").all_inner_texts()
    at = lambda text: next(i for i, t in enumerate(order) if text in t)  # noqa: E731
    assert at("pagination sur /users") < at("Lance plutôt les tests") < at("Les 48 tests passent")
    assert at("Prompt forcé depuis l'app") < at("pagination sur /users")
    fork = messages.get_by_role("separator", name="La conversation se sépare ici")
    fork.evaluate("el => el.scrollIntoView({block: 'start'})")
    shot(page, f"session-fork-{suffix}")


def test_a_session_of_an_offline_machine_says_so_in_its_header(
    browser: Browser, site: tuple[Hub, seed.SeededMachines, dict[str, str]], token: str
) -> None:
    """The header of a session whose machine is gone names it as offline, even though the
    app's own stream to the hub is live."""
    context, page = _open(browser, site[0], token, True)
    page.goto(f"/sessions/{IDS['website']}")
    expect(page.get_by_text("pc-maison (hors ligne)")).to_be_visible()
    page.goto(f"/sessions/{IDS['orchestrator']}")
    expect(page.get_by_text("gpu-server", exact=True)).to_be_visible()
    context.close()


def test_a_permission_settled_elsewhere_leaves_and_a_late_approval_says_why(
    browser: Browser, site: tuple[Hub, seed.SeededMachines, dict[str, str]], token: str
) -> None:
    """A permission approved by another device while this one did not hear of it: tapping
    Autoriser gets the hub's 409, said in French, and the card goes."""
    hub, machines, _ = site
    machines.send(
        PermissionRequest(
            permission_id="perm-late",
            session_id=IDS["vision"],
            tool_name="Write",
            source="hook",
            input={
                "file_path": "/home/solo/imx8mp-vision/pipeline.py",
                "content": "print('nv12')\n",
            },
        )
    )
    context, page = _open(browser, hub, token, True)
    # This page hears nothing live: what the hub decides meanwhile reaches it only as a 409.
    page.route("**/stream*", lambda route: route.abort())
    page.goto(f"/sessions/{IDS['vision']}")
    card = page.get_by_role("region", name="Permission demandée : Write")
    expect(card).to_be_visible()
    other = create_token(hub.dsn, "full", "iPad")
    decided = httpx.post(
        f"{hub.url}/api/sessions/{IDS['vision']}/permissions/perm-late/approve",
        headers={"Authorization": f"Bearer {other}"},
    )
    assert decided.status_code == 200, decided.text
    card.get_by_role("button", name="Autoriser").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile("Déjà autorisée depuis un autre appareil")
    )
    expect(card).to_have_count(0)
    context.close()


@pytest.mark.skipif(not TERMINAL, reason="the hub does not know terminal_waiting yet (issue 11)")
def test_a_terminal_waiting_and_a_permission_answered_there(
    browser: Browser, site: tuple[Hub, seed.SeededMachines, dict[str, str]], token: str
) -> None:
    """A session whose terminal waits at the keyboard says so; a permission answered in the
    terminal leaves the phone at once, and the app says where it was answered."""
    from mesh_protocol import RESOLVED_ANSWERED, PermissionResolved  # type: ignore[attr-defined]

    hub, machines, _ = site
    context, page = _open(browser, hub, token, True)
    page.goto(f"/sessions/{IDS['firmware']}")
    expect(
        page.get_by_role("status").filter(has_text="Le terminal attend une réponse")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("Mode Auto"))).to_be_visible()
    shot(page, "session-terminal-waiting-phone")
    machines.send(
        PermissionRequest(
            permission_id="perm-terminal",
            session_id=IDS["firmware"],
            tool_name="Edit",
            source="hook",
            input={
                "file_path": "/home/solo/scope-fw/dma.c",
                "old_string": "kfree(buf);",
                "new_string": "",
            },
        )
    )
    card = page.get_by_role("region", name="Permission demandée : Edit")
    expect(card).to_be_visible()
    machines.send(
        PermissionResolved(
            permission_id="perm-terminal", reason=RESOLVED_ANSWERED, behavior="allow"
        )
    )
    expect(card).to_have_count(0)
    expect(page.get_by_text("Edit : répondu dans le terminal : autorisée.")).to_be_visible()
    context.close()


def test_capture_settings_and_pairing(
    site: tuple[Hub, seed.SeededMachines, dict[str, str]], device: tuple[Page, str, bool]
) -> None:
    """The capture screen, the settings (devices, Siri, catalog, machines) and the pairing
    screen, as a user sees them."""
    hub, _, _ = site
    page, suffix, phone = device
    page.get_by_role("link", name="Capturer").first.click()
    expect(page.get_by_role("button", name="Maintenir pour parler")).to_be_visible()
    shot(page, f"capture-screen-{suffix}")
    page.get_by_role("link", name="Réglages").first.click()
    expect(page.get_by_role("region", name="Projets").get_by_text("IMX8MP Vision")).to_be_visible()
    expect(
        page.get_by_role("region", name="Machines (agents)").get_by_text("gpu-server", exact=True)
    ).to_be_visible()
    shot(page, f"settings-{suffix}")
    shot(page, f"settings-full-{suffix}", full_page=True)
    browser = page.context.browser
    assert browser is not None
    fresh = new_context(browser, hub.url, phone=phone)
    pairing = fresh.new_page()
    pairing.goto("/pair?code=ABCD-2345")
    expect(pairing.get_by_label("Code d'association")).to_have_value("ABCD2345")
    shot(pairing, f"pair-{suffix}")
    fresh.close()


# Lines cut with an ellipsis although the text is wider than its box (CSS text-overflow).
CUT_LINES = """root => [...root.querySelectorAll('*')]
    .filter(el => getComputedStyle(el).textOverflow === 'ellipsis'
                  && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.textContent)"""
# How far (px) a section's title and its action button are apart vertically, centre to centre.
MISALIGNED = """h => { const b = h.nextElementSibling; if (!b) return 0;
    const r = h.getBoundingClientRect(), s = b.getBoundingClientRect();
    return Math.abs((r.top + r.bottom) / 2 - (s.top + s.bottom) / 2); }"""


def test_nothing_in_the_settings_is_cut_at_iphone_width(
    browser: Browser, site: tuple[Hub, seed.SeededMachines, dict[str, str]], token: str
) -> None:
    """At 390 px the devices' last use, the catalog's details and the machines' lines wrap
    instead of being cut; each section's action sits level with its title; the voice hint is
    centred under its button."""
    context, page = _open(browser, site[0], token, True)
    page.get_by_role("link", name="Réglages").first.click()
    for region in ("Appareils", "Projets", "Clients", "Machines (agents)"):
        section = page.get_by_role("region", name=region)
        expect(
            section.get_by_role("listitem").or_(section.locator("button, div.p-4")).first
        ).to_be_visible()
        assert section.evaluate(CUT_LINES) == [], region
    expect(
        page.get_by_text(re.compile(r"Jeton créé en ligne de commande .* utilisé")).first
    ).to_be_visible()
    for title in page.locator("section > div > h2").all():
        assert title.evaluate(MISALIGNED) <= 2, title.inner_text()
    page.get_by_role("link", name="Capturer").first.click()
    hint = page.get_by_text(re.compile("^Maintiens pour parler"))
    assert hint.evaluate("el => getComputedStyle(el).textAlign") == "center"
    context.close()


# Controls a finger meets that are smaller than 44 × 44 px (Apple's minimum), as
# "TAG W×H name"; a switch's 52 × 32 track is the platform's own size, and hidden radios are
# tapped through their labels.
SMALL_TARGETS = """() => [...document.querySelectorAll(
      'a[href], button:not([role=switch]), input:not([type=radio]), select, textarea, summary')]
    .filter(el => { const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && (r.width < 44 || r.height < 44)
        && !el.matches('.sr-only, .sr-only *'); })
    .map(el => { const r = el.getBoundingClientRect();
      return `${el.tagName} ${Math.round(r.width)}×${Math.round(r.height)} `
        + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30); })"""


def test_every_control_is_big_enough_for_a_finger(
    browser: Browser, site: tuple[Hub, seed.SeededMachines, dict[str, str]], token: str
) -> None:
    """Pairing, the inbox with its filters, a capture, the capture screen, the sessions, a
    session and the settings: no control under 44 × 44 px at iPhone size."""
    hub, _, ids = site
    context = new_context(browser, hub.url)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("button", name="J'ai déjà un jeton")).to_be_visible()
    small = {"pairing": page.evaluate(SMALL_TARGETS)}
    context.close()
    context, page = _open(browser, hub, token, True)
    for name, path, ready in (
        ("inbox", "/", page.get_by_role("list", name="Captures")),
        ("capture", f"/captures/{ids['meeting']}", page.get_by_role("region", name="Classement")),
        ("capture screen", "/capture", page.get_by_role("button", name="Maintenir pour parler")),
        ("sessions", "/sessions", page.get_by_role("region", name="Machine gpu-server")),
        ("session", f"/sessions/{IDS['orchestrator']}", page.get_by_role("list", name="Messages")),
        ("settings", "/settings", page.get_by_role("region", name="Projets")),
    ):
        page.goto(path)
        expect(ready).to_be_visible()
        small[name] = page.evaluate(SMALL_TARGETS)
    context.close()
    assert {name: found for name, found in small.items() if found} == {}


def test_dark_mode(
    browser: Browser, site: tuple[Hub, seed.SeededMachines, dict[str, str]], token: str
) -> None:
    """The app follows the system's dark mode (inbox and a session)."""
    hub, _, _ = site
    context, page = _open(browser, hub, token, True, color_scheme="dark")
    expect(page.get_by_role("list", name="Captures")).to_be_visible()
    shot(page, "inbox-dark-phone")
    page.goto(f"/sessions/{IDS['orchestrator']}")
    expect(page.get_by_role("region", name="Permission demandée : Bash")).to_be_visible()
    shot(page, "session-dark-phone")
    context.close()
