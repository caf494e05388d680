"""A session a user runs interactively in a terminal, with the hub, an agent and the hook: the
phone approves or denies, or the terminal answers first and the phone learns it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.terminal import DIALOG, Terminal, session_id_of
from tests.fakes.anthropic import Answer, FakeAnthropic, ToolCall
from tests.support.mesh_stack import Api, Hub, SseReader, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh


@pytest.fixture(scope="module")
def phone(hub: Hub) -> tuple[Api, str]:
    """The phone's API client and its full token."""
    token = create_token(hub.dsn, "full", "phone-terminal")
    return Api(hub.url, token), token


def _ask_touch(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic], name: str, done: str
) -> tuple[str, dict[str, Any]]:
    """In a manual-mode terminal, ask for a Bash `touch NAME` (then `done`); return the session
    id and the permission the phone sees pending."""
    command = {"command": f"touch {name}", "description": f"Créer {name}"}
    model[1].script(f"crée {name}", ToolCall("Bash", command, "Je crée."), Answer(done))
    terminal.start("--permission-mode", "manual")
    terminal.type(f"crée {name}")
    sid = session_id_of(api, terminal.cwd)
    [pending] = wait_for(lambda: api.pending(sid), 30, "the hook's permission on the hub")
    return sid, pending


def test_phone_approves_a_terminal_permission(
    terminal: Terminal, phone: tuple[Api, str], model: tuple[str, FakeAnthropic]
) -> None:
    """The dialog shown in the terminal is pending on the phone; the phone's yes runs the tool
    and the terminal carries on."""
    api, _ = phone
    sid, pending = _ask_touch(terminal, api, model, "approuve.txt", "Créé sur ordre du téléphone.")
    assert pending["source"] == "hook"
    assert pending["input"]["command"] == "touch approuve.txt"
    terminal.wait_for_screen(DIALOG)
    assert api.session(sid)["status"] == "waiting_permission"
    api.decide(sid, pending["id"], "approve")
    terminal.wait_for_screen("Créé sur ordre du téléphone.")
    assert (terminal.cwd / "approuve.txt").exists()
    assert DIALOG not in terminal.screen()
    assert api.pending(sid) == []


def test_phone_denies_and_the_terminal_shows_why(
    terminal: Terminal, phone: tuple[Api, str], model: tuple[str, FakeAnthropic]
) -> None:
    """The phone's refusal stops the tool; the terminal shows the phone's reason."""
    api, _ = phone
    sid, pending = _ask_touch(terminal, api, model, "refuse.txt", "Compris, rien créé.")
    api.decide(sid, pending["id"], "deny", message="Pas depuis ce poste")
    terminal.wait_for_screen("Pas depuis ce poste")
    terminal.wait_for_screen("Compris, rien créé.")
    assert not (terminal.cwd / "refuse.txt").exists()


@pytest.mark.parametrize(("key", "decision"), [("Enter", "allow"), ("Escape", "deny")])
def test_answered_in_the_terminal_leaves_the_phone(
    terminal: Terminal,
    phone: tuple[Api, str],
    hub: Hub,
    model: tuple[str, FakeAnthropic],
    key: str,
    decision: str,
) -> None:
    """A dialog answered at the keyboard disappears from the phone, which is told how it was
    answered; approving it afterwards is refused with 409."""
    api, token = phone
    name = f"clavier-{decision}.txt"
    sid, pending = _ask_touch(terminal, api, model, name, "Suite au clavier.")
    terminal.wait_for_screen(DIALOG)
    with SseReader(hub.url, token, sid) as sse:
        terminal.answer(key)
        wait_for(lambda: not api.pending(sid), 10, "the permission gone from the phone")
        ended = wait_for(lambda: _permission_events(sse, pending["id"]), 10, "its SSE event")
    assert ended[-1]["state"] == "answered_in_terminal"
    assert ended[-1]["terminal_decision"] == decision
    assert (terminal.cwd / name).exists() is (decision == "allow")
    late = api.client.post(f"/api/sessions/{sid}/permissions/{pending['id']}/approve")
    assert late.status_code == 409
    error = late.json()["error"]
    assert "answered in the terminal" in error["message"]
    assert api.session(sid)["status"] != "waiting_permission"


def _permission_events(sse: SseReader, permission_id: str) -> list[dict[str, object]]:
    """The SSE permission events of one permission that say it is no longer pending."""
    return [
        data
        for _, kind, data in list(sse.events)
        if kind == "permission" and data["id"] == permission_id and data["state"] != "pending"
    ]


def test_phone_prompt_queued_by_the_open_terminal_runs_after_exit(
    terminal: Terminal, phone: tuple[Api, str], model: tuple[str, FakeAnthropic]
) -> None:
    """While the terminal has the session open a phone prompt waits; /exit lets it run."""
    api, _ = phone
    model[1].script("bonjour du terminal", Answer("Salut le terminal."))
    model[1].script("prompt du téléphone", Answer("Réponse au téléphone."))
    terminal.start("--permission-mode", "manual")
    terminal.type("bonjour du terminal")
    terminal.wait_for_screen("Salut le terminal.")
    sid = session_id_of(api, terminal.cwd)
    wait_for(lambda: api.session(sid)["live"], 30, "the session live in the terminal")
    sent = api.prompt(sid, "prompt du téléphone")
    assert sent["queued"] is True and sent["warning"]
    assert terminal.exit() == 0
    texts = wait_for(
        lambda: (
            (t := [m["text"] for m in api.messages(sid)]) and "Réponse au téléphone." in t and t
        ),
        60,
        "the queued prompt's answer",
    )
    assert texts.index("prompt du téléphone") > texts.index("Salut le terminal.")
