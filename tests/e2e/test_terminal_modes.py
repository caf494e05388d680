"""Each permission mode of the interactive Claude Code 2.1.330 does on the phone what the table of
modes in docs/mesh-agent.md says: which dialogs the phone can answer, which ones it only learns
about (the terminal waits for a person), and which tools run without asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.terminal import DIALOG, Terminal, session_id_of
from tests.fakes.anthropic import Answer, FakeAnthropic, ToolCall
from tests.mesh.hub_harness import Recorder, recording_webhook
from tests.support.mesh_stack import Api, Hub, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh

# A command every mode but bypassPermissions asks about (network), harmless when it runs.
FETCH = {"command": "curl -s -o page.html http://127.0.0.1:9/", "description": "Télécharger"}
# The notice auto mode shows once per session when its server-side check is not passed through
# (the fake Messages API, like a gateway, does not run it).
AUTO_NOTICE = "Enter to stay in auto mode"


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, Recorder]]:
    """The events webhook (n8n's side), recording what the hub announces."""
    with recording_webhook() as running:
        yield running


@pytest.fixture(scope="module")
def hub(
    pg_dsn: str, tmp_path_factory: pytest.TempPathFactory, webhook: tuple[str, Recorder]
) -> Iterator[Hub]:
    """The hub, posting its events to the recording webhook."""
    hub = Hub(pg_dsn, tmp_path_factory.mktemp("hub"), MESH_EVENTS_WEBHOOK_URL=webhook[0])
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def api(hub: Hub) -> Api:
    """The phone's API client."""
    return Api(hub.url, create_token(hub.dsn, "full", "phone-modes"))


def _script(model: tuple[str, FakeAnthropic], trigger: str, tool: str, args: dict[str, Any]) -> str:
    """Script one tool call answered by "<trigger> : fini."; return the prompt."""
    model[1].script(trigger, ToolCall(tool, args, "J'y vais."), Answer(f"{trigger} : fini."))
    return trigger


def _write(model: tuple[str, FakeAnthropic], terminal: Terminal, name: str) -> str:
    path = terminal.cwd / name
    return _script(model, f"écris {name}", "Write", {"file_path": str(path), "content": "ok\n"})


def _fetch(model: tuple[str, FakeAnthropic], trigger: str) -> str:
    return _script(model, trigger, "Bash", FETCH)


def _pending(api: Api, sid: str) -> dict[str, Any]:
    [pending] = wait_for(lambda: api.pending(sid), 30, "a permission pending on the phone")
    return pending


def _waiting(api: Api, sid: str, flag: bool = True) -> dict[str, Any]:
    what = "the terminal waiting for a person" if flag else "the terminal no longer waiting"
    return wait_for(
        lambda: (s := api.session(sid)) and s["terminal_waiting"] is flag and s, 30, what
    )


def _ran(terminal: Terminal, trigger: str) -> None:
    """The turn went through without any dialog."""
    screen = terminal.wait_for_screen(f"{trigger} : fini.")
    assert DIALOG not in screen


def test_manual_mode_relays_every_dialog(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic]
) -> None:
    """manual (`default`): a file write asks, the PermissionRequest hook relays it."""
    prompt = _write(model, terminal, "manuel.md")
    terminal.start("--permission-mode", "manual")
    terminal.type(prompt)
    sid = session_id_of(api, terminal.cwd)
    pending = _pending(api, sid)
    assert (pending["tool_name"], pending["source"]) == ("Write", "hook")
    terminal.wait_for_screen(DIALOG)
    assert api.session(sid)["permission_mode"] == "default"
    api.decide(sid, pending["id"], "approve")
    terminal.wait_for_screen(f"{prompt} : fini.")
    assert (terminal.cwd / "manuel.md").read_text() == "ok\n"


def test_accept_edits_runs_edits_and_relays_commands(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic]
) -> None:
    """acceptEdits: a write runs without asking; a network command is relayed to the phone."""
    write = _write(model, terminal, "edits.md")
    fetch = _fetch(model, "télécharge en acceptEdits")
    terminal.start("--permission-mode", "acceptEdits")
    terminal.type(write)
    _ran(terminal, write)
    sid = session_id_of(api, terminal.cwd)
    assert api.pending(sid) == []
    terminal.type(fetch)
    pending = _pending(api, sid)
    assert pending["input"]["command"] == FETCH["command"]
    assert api.session(sid)["permission_mode"] == "acceptEdits"
    api.decide(sid, pending["id"], "deny", message="Pas de réseau")
    terminal.wait_for_screen("Pas de réseau")


def test_plan_mode_relays_writes_and_says_when_the_terminal_waits(
    terminal: Terminal,
    api: Api,
    model: tuple[str, FakeAnthropic],
    webhook: tuple[str, Recorder],
) -> None:
    """plan: a write is relayed by the hook; a command goes through auto mode's own check,
    whose dialog no hook sees: the phone learns the terminal waits (flag and push event)
    until the terminal answers."""
    write = _write(model, terminal, "plan.md")
    fetch = _fetch(model, "télécharge en plan")
    terminal.start("--permission-mode", "plan")
    terminal.type(write)
    sid = session_id_of(api, terminal.cwd)
    pending = _pending(api, sid)
    assert pending["tool_name"] == "Write"
    api.decide(sid, pending["id"], "approve")
    terminal.wait_for_screen(f"{write} : fini.")
    terminal.type(fetch)
    terminal.wait_for_screen(DIALOG)
    session = _waiting(api, sid)
    assert session["permission_mode"] == "plan"
    assert api.pending(sid) == []
    [event] = wait_for(
        lambda: [e for e in webhook[1].events("terminal_waiting") if e["session_id"] == sid],
        10,
        "the terminal_waiting event",
    )
    assert event["permission_mode"] == "plan"
    terminal.answer("Escape")
    _waiting(api, sid, False)


def test_auto_mode_runs_edits_and_says_when_the_terminal_waits(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic]
) -> None:
    """auto (the default): a write runs; a command needs the server-side check, which the
    fake (like a gateway) does not pass: the CLI shows its notice, then a dialog only a
    person can answer. The phone sees the terminal waiting, never a permission to decide."""
    write = _write(model, terminal, "auto.md")
    fetch = _fetch(model, "télécharge en auto")
    terminal.start()
    terminal.type(write)
    _ran(terminal, write)
    sid = session_id_of(api, terminal.cwd)
    terminal.type(fetch)
    terminal.wait_for_screen(AUTO_NOTICE)
    assert _waiting(api, sid)["permission_mode"] == "auto"
    terminal.answer("Enter", AUTO_NOTICE)
    terminal.wait_for_screen(DIALOG)
    _waiting(api, sid)
    assert api.pending(sid) == []
    terminal.answer("Escape")
    _waiting(api, sid, False)


def test_dont_ask_refuses_without_asking(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic]
) -> None:
    """dontAsk: what would ask is refused at once; nothing reaches the phone."""
    fetch = _fetch(model, "télécharge en dontAsk")
    terminal.start("--permission-mode", "dontAsk")
    terminal.type(fetch)
    terminal.wait_for_screen("don't ask mode")
    _ran(terminal, fetch)
    sid = session_id_of(api, terminal.cwd)
    session = api.session(sid)
    assert session["pending_permissions"] == [] and session["terminal_waiting"] is False
    assert session["permission_mode"] == "dontAsk"


def test_bypass_permissions_runs_everything(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic]
) -> None:
    """bypassPermissions: every tool runs without asking; nothing reaches the phone."""
    fetch = _fetch(model, "télécharge en bypass")
    terminal.start("--permission-mode", "bypassPermissions")
    terminal.type(fetch)
    _ran(terminal, fetch)
    sid = session_id_of(api, terminal.cwd)
    assert api.pending(sid) == []
    assert api.session(sid)["permission_mode"] == "bypassPermissions"


def test_shift_tab_changes_the_mode_the_phone_shows(
    terminal: Terminal, api: Api, model: tuple[str, FakeAnthropic]
) -> None:
    """Shift+Tab from manual to accept edits: the next write runs without asking, and the
    session's mode on the phone follows from its next prompt."""
    first = _write(model, terminal, "avant.md")
    second = _write(model, terminal, "apres.md")
    terminal.start("--permission-mode", "manual")
    terminal.type(first)
    sid = session_id_of(api, terminal.cwd)
    api.decide(sid, _pending(api, sid)["id"], "approve")
    terminal.wait_for_screen(f"{first} : fini.")
    terminal.press("BTab")
    terminal.wait_for_screen("accept edits on")
    terminal.type(second)
    _ran(terminal, second)
    wait_for(lambda: api.session(sid)["permission_mode"] == "acceptEdits", 30, "the new mode shown")
