"""The installed hooks never break a terminal session: with the agent down, the hub down or the
hook timing out, Claude Code's own dialog decides at once, as if no hook were installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mesh_agent.config import default_socket
from tests.e2e.terminal import (
    DIALOG,
    Terminal,
    hook_processes,
    hooked_machine,
    session_id_of,
    start_connected,
)
from tests.fakes.anthropic import Answer, FakeAnthropic, ToolCall
from tests.support.mesh_stack import Api, Hub, Machine, SseReader, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh


@pytest.fixture(scope="module")
def token(hub: Hub) -> str:
    """The phone's token."""
    return create_token(hub.dsn, "full", "phone-hooks")


@pytest.fixture(scope="module")
def api(hub: Hub, token: str) -> Api:
    """The phone's API client."""
    return Api(hub.url, token)


def _permission_events(sse: SseReader) -> list[dict[str, Any]] | None:
    """The session's permission events once the permission left the pending state."""
    events = [data for _, kind, data in list(sse.events) if kind == "permission"]
    return events if events and events[-1]["state"] != "pending" else None


def _touch(model: tuple[str, FakeAnthropic], name: str) -> str:
    """Script a Bash `touch NAME`; return the prompt that triggers it."""
    command = {"command": f"touch {name}", "description": f"Créer {name}"}
    model[1].script(f"crée {name}", ToolCall("Bash", command), Answer(f"{name} : fait."))
    return f"crée {name}"


def _terminal_decides(machine: Machine, cwd: Path, prompt: str, name: str) -> Terminal:
    """Run the prompt in an interactive CLI; its dialog is answered at the keyboard once no
    hook process is left; the tool runs. Return the (closed) terminal."""
    cwd.mkdir()
    with Terminal(machine.env, cwd) as term:
        term.start("--permission-mode", "manual")
        term.type(prompt)
        term.wait_for_screen(DIALOG)
        socket = default_socket(machine.claude_dir)
        wait_for(lambda: not hook_processes(socket), 10, "the hook to leave the terminal alone")
        term.answer("Enter")
        term.wait_for_screen(f"{name} : fait.")
    assert (cwd / name).exists()
    return term


def test_agent_down_leaves_the_dialog_to_the_terminal(
    model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """Hooks installed, agent not running: the hook gives up at once, the terminal decides."""
    machine = hooked_machine(tmp_path / "machine", "sans-agent", model[0])
    prompt = _touch(model, "sans-agent.txt")
    _terminal_decides(machine, tmp_path / "projet", prompt, "sans-agent.txt")


def test_hook_timeout_leaves_the_dialog_to_the_terminal(
    hub: Hub, api: Api, token: str, model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """Nobody decides on the phone within hook_timeout_s: the permission expires on the
    phone, the hook ends, the dialog still on screen decides."""
    machine = hooked_machine(tmp_path / "machine", "delai-e2e", model[0], hook_timeout_s=2)
    start_connected(machine, hub.url, create_token(hub.dsn, "agent", "delai"))
    try:
        cwd = tmp_path / "projet"
        cwd.mkdir()
        prompt = _touch(model, "delai.txt")
        with Terminal(machine.env, cwd) as term:
            term.start("--permission-mode", "manual")
            term.type(prompt)
            sid = session_id_of(api, cwd)
            with SseReader(hub.url, token, sid) as sse:  # replays the session's events
                [pending, expired] = wait_for(
                    lambda: _permission_events(sse), 30, "the permission pending, then expired"
                )
            assert (pending["state"], expired["state"]) == ("pending", "expired")
            assert api.pending(sid) == []
            socket = default_socket(machine.claude_dir)
            wait_for(lambda: not hook_processes(socket), 10, "the hook to end")
            late = api.client.post(f"/api/sessions/{sid}/permissions/{pending['id']}/approve")
            assert late.status_code == 409
            assert "expired" in late.json()["error"]["message"]
            term.wait_for_screen(DIALOG)
            term.answer("Enter")
            term.wait_for_screen("delai.txt : fait.")
        assert (cwd / "delai.txt").exists()
    finally:
        machine.kill_agent()


def test_hub_down_leaves_the_dialog_to_the_terminal(
    hub: Hub, api: Api, model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """The agent runs but the hub is down: the hook gives up at once, the terminal decides;
    back up, the hub shows the session with nothing pending."""
    machine = hooked_machine(tmp_path / "machine", "hub-absent-e2e", model[0])
    start_connected(machine, hub.url, create_token(hub.dsn, "agent", "hub-absent"))
    try:
        hub.stop()
        wait_for(lambda: "hub connection ended" in machine.log.read_text(), 30, "agent alone")
        prompt = _touch(model, "hors-ligne.txt")
        _terminal_decides(machine, tmp_path / "projet", prompt, "hors-ligne.txt")
        hub.start()
        sid = session_id_of(api, tmp_path / "projet")
        assert api.pending(sid) == []
    finally:
        if hub.proc is None:
            hub.start()
        machine.kill_agent()
