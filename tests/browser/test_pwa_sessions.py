"""The sessions console in a real Chromium, against the real hub, a real mesh-agent and the
real Claude Code CLI: listed sessions, a prompt that asks a permission live, approve and deny,
and a Web Push delivered to the service worker whose notification opens the session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from solo_brain.mesh.models.phone import NotifyIn
from solo_brain.mesh.push import payload_of
from tests.browser.pwa import new_context, pair_with_token, shot, wait_for_service_worker
from tests.fakes.anthropic import Answer, FakeAnthropic, ToolCall, running_fake_anthropic
from tests.support.mesh_stack import Api, Hub, Machine, create_token
from tests.support.wait import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.mesh]


@pytest.fixture(scope="module")
def model() -> Iterator[tuple[str, FakeAnthropic]]:
    """The scripted fake Anthropic model the machine's CLI talks to."""
    with running_fake_anthropic() as running:
        yield running


@pytest.fixture(scope="module")
def machine(
    hub: Hub, model: tuple[str, FakeAnthropic], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Machine]:
    """A machine whose mesh-agent runs against the hub."""
    machine = Machine(tmp_path_factory.mktemp("machine"), "gpu-pwa", model[0])
    machine.start_agent(hub.url, create_token(hub.dsn, "agent", "gpu-pwa"))
    yield machine
    machine.kill_agent()


@pytest.fixture(scope="module")
def token(hub: Hub) -> str:
    """The browser's device token (scope full)."""
    return create_token(hub.dsn, "full", "pwa-console")


@pytest.fixture(scope="module")
def session(
    machine: Machine, hub: Hub, token: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A session started by the CLI in a project folder, idle on the hub: (id, cwd)."""
    api = Api(hub.url, token)
    cwd = tmp_path_factory.mktemp("projects") / "orchestrator"
    cwd.mkdir()
    run = machine.claude(cwd, "-p", "Bonjour")
    assert run.wait(120) == 0
    [path] = [p for p in machine.transcripts() if _cwd_of(p) == str(cwd)]
    wait_for(lambda: _idle(api, path.stem), 60, "the session idle on the hub")
    return path.stem, cwd


@pytest.fixture
def console(browser: Browser, hub: Hub, token: str) -> Iterator[tuple[BrowserContext, Page]]:
    """A paired phone-sized page."""
    context = new_context(browser, hub.url)
    page = context.new_page()
    pair_with_token(page, token)
    yield context, page
    context.close()


def _cwd_of(path: Path) -> str:
    for line in path.read_text().splitlines():
        if cwd := json.loads(line).get("cwd"):
            return str(cwd)
    return ""


def _idle(api: Api, session_id: str) -> bool:
    found = api.session(session_id)
    return found is not None and found["status"] == "idle" and not found["live"]


def _open_session(page: Page, machine: Machine) -> None:
    page.get_by_role("link", name="Sessions").click()
    group = page.get_by_role("region", name=f"Machine {machine.name}")
    expect(group).to_be_visible()
    expect(group.get_by_text("en ligne")).to_be_visible()
    group.get_by_role("link").first.click()
    expect(page.get_by_text("En direct")).to_be_visible()


def _prompt(page: Page, text: str) -> None:
    page.get_by_label("Prompt pour Claude Code").fill(text)
    page.get_by_role("button", name="Envoyer le prompt").click()


def test_a_prompt_asks_a_permission_live_and_approving_runs_it(
    console: tuple[BrowserContext, Page],
    machine: Machine,
    session: tuple[str, Path],
    model: tuple[str, FakeAnthropic],
) -> None:
    """The session is listed; a prompt's Bash permission appears live; approving runs the
    tool and the answer streams in."""
    _, page = console
    _, cwd = session
    model[1].script(
        "crée approuve.txt",
        ToolCall("Bash", {"command": "touch approuve.txt", "description": "Créer"}, "Je crée."),
        Answer("Fichier créé."),
    )
    _open_session(page, machine)
    messages = page.get_by_role("list", name="Messages")
    expect(messages.get_by_text("Bonjour", exact=True)).to_be_visible()
    _prompt(page, "crée approuve.txt")
    card = page.get_by_role("region", name="Permission demandée : Bash")
    expect(card).to_be_visible(timeout=60_000)
    expect(card.get_by_label("Commande Bash")).to_contain_text("touch approuve.txt")
    assert not (cwd / "approuve.txt").exists()
    shot(page, "live-permission-phone")
    card.get_by_role("button", name="Autoriser").click()
    expect(messages.get_by_text("Fichier créé.")).to_be_visible(timeout=60_000)
    expect(card).to_have_count(0)
    assert (cwd / "approuve.txt").exists()
    expect(messages.get_by_text("crée approuve.txt", exact=True)).to_be_visible()
    messages.get_by_text("touch approuve.txt").first.click()  # the tool card opens
    shot(page, "live-session-phone")


def test_denying_shows_the_refusal(
    console: tuple[BrowserContext, Page],
    machine: Machine,
    session: tuple[str, Path],
    model: tuple[str, FakeAnthropic],
) -> None:
    """A denied permission does not run the tool; the refusal and Claude's answer show."""
    _, page = console
    _, cwd = session
    model[1].script(
        "crée refuse.txt",
        ToolCall("Bash", {"command": "touch refuse.txt", "description": "Créer"}),
        Answer("Compris, je ne touche à rien."),
    )
    _open_session(page, machine)
    _prompt(page, "crée refuse.txt")
    card = page.get_by_role("region", name="Permission demandée : Bash")
    expect(card).to_be_visible(timeout=60_000)
    card.get_by_role("button", name="Refuser…").click()
    card.get_by_label("Pourquoi ? (transmis à Claude)").fill("Pas maintenant")
    card.get_by_role("button", name="Refuser", exact=True).click()
    expect(page.get_by_text("Compris, je ne touche à rien.")).to_be_visible(timeout=60_000)
    refused = page.get_by_role("group").filter(has_text="touch refuse.txt")
    expect(refused.get_by_role("img", name="Erreur ou refus")).to_be_visible()
    refused.locator("summary").click()
    expect(refused).to_contain_text("Pas maintenant")
    assert not (cwd / "refuse.txt").exists()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_sessions_screens_are_written_as_artifacts(
    browser: Browser, hub: Hub, token: str, machine: Machine, session: tuple[str, Path], phone: bool
) -> None:
    """The sessions list and a session render; screenshots go to the artifacts."""
    suffix = "phone" if phone else "desktop"
    context = new_context(browser, hub.url, phone=phone)
    page = context.new_page()
    pair_with_token(page, token)
    page.get_by_role("link", name="Sessions").first.click()
    expect(page.get_by_role("region", name=f"Machine {machine.name}")).to_be_visible()
    shot(page, f"live-sessions-{suffix}")
    page.goto(f"/sessions/{session[0]}")
    expect(page.get_by_text("En direct")).to_be_visible()
    shot(page, f"live-session-{suffix}")
    context.close()


def test_a_push_shows_a_notification_whose_tap_opens_the_session(
    browser: Browser, hub: Hub, token: str, session: tuple[str, Path]
) -> None:
    """A push delivered through the DevTools protocol is shown; tapping it opens the session."""
    sid, _ = session
    context = new_context(browser, hub.url)
    context.grant_permissions(["notifications"], origin=hub.url)
    page = context.new_page()
    pair_with_token(page, token)
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    # Playwright hands CDP events over while one of its calls runs: wait through it.
    wait_for(lambda: page.wait_for_timeout(50) or registrations, 10, "the registration over CDP")
    # Exactly what the hub's /api/notify encrypts for the phone (mesh/push.py).
    payload = json.loads(
        payload_of(
            NotifyIn(
                title="Claude Code demande : Bash",
                body="touch approuve.txt (session orchestrator)",
                url=f"/sessions/{sid}",
                tag=f"permission-{sid}",
                audio_url="https://hub.example/audio/reponse.mp3",
            )
        )
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": hub.url + "/",
            "registrationId": registrations[0]["registrationId"],
            "data": json.dumps(payload),
        },
    )
    wait_for(lambda: _notifications(page), 15, "the notification")
    [notification] = _notifications(page)
    assert notification["title"] == payload["title"]
    assert notification["body"] == payload["body"]
    assert notification["data"] == {
        "url": f"/sessions/{sid}",
        "audio_url": "https://hub.example/audio/reponse.mp3",
    }
    [worker] = context.service_workers
    # No protocol clicks a notification: the real one is handed to the worker's click handler.
    worker.evaluate(
        """async () => {
            const [n] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", { notification: n }));
        }"""
    )
    page.wait_for_url(f"**/sessions/{sid}")
    expect(page.get_by_text("En direct")).to_be_visible()
    context.close()


def _notifications(page: Page) -> list[dict[str, Any]]:
    return list(
        page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                .map(n => ({ title: n.title, body: n.body, data: n.data, tag: n.tag }))"""
        )
    )
