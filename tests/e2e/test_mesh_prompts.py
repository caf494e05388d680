"""Prompts and permissions from the phone, through the real hub, agent, SDK and Claude CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.anthropic import Answer, FakeAnthropic, ToolCall
from tests.support.mesh_stack import Api, Hub, Machine, SseReader, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh


@pytest.fixture(scope="module")
def phone(hub: Hub) -> tuple[Api, str]:
    """The phone's API client and its full token."""
    token = create_token(hub.dsn, "full", "phone")
    return Api(hub.url, token), token


@pytest.fixture(scope="module")
def machine(
    hub: Hub, model: tuple[str, FakeAnthropic], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Machine]:
    """A machine whose agent runs, with the terminal permission hook installed."""
    machine = Machine(tmp_path_factory.mktemp("gpu"), "gpu-e2e-prompts", model[0])
    installed = machine.mesh_agent("install-hook", "--config", str(_config(machine)))
    assert installed.returncode == 0, installed.stderr
    machine.start_agent(hub.url, create_token(hub.dsn, "agent", "gpu"))
    yield machine
    machine.kill_agent()


def _config(machine: Machine) -> Path:
    machine.write_config()
    return machine.config


def _session(machine: Machine, api: Api, cwd: Path) -> str:
    """Start a session with the CLI in `cwd` and wait until the hub lists it."""
    cwd.mkdir(parents=True)
    run = machine.claude(cwd, "-p", "Bonjour")
    assert run.wait(120) == 0
    [path] = [p for p in machine.transcripts() if _cwd_of(p) == str(cwd)]
    wait_for(lambda: _idle(api, path.stem), 30, "the new session idle on the hub")
    return path.stem


def _idle(api: Api, session_id: str) -> bool:
    session = api.session(session_id)
    return session is not None and session["status"] == "idle" and not session["live"]


def _cwd_of(path: Path) -> str:
    for line in path.read_text().splitlines():
        cwd = json.loads(line).get("cwd")
        if cwd:
            return str(cwd)
    return ""


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


def _results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for m in messages for r in m["tool_results"]]


def test_prompt_permission_approved_runs_the_tool_and_streams_the_result(
    machine: Machine,
    phone: tuple[Api, str],
    hub: Hub,
    model: tuple[str, FakeAnthropic],
    tmp_path: Path,
) -> None:
    """A phone prompt asks a Bash permission; once approved the tool runs, SSE shows it all."""
    api, token = phone
    cwd = tmp_path / "orchestrator"
    sid = _session(machine, api, cwd)
    model[1].script(
        "crée approuve.txt",
        ToolCall("Bash", {"command": "touch approuve.txt", "description": "Créer"}, "Je crée."),
        Answer("Fichier créé."),
    )
    with SseReader(hub.url, token, sid) as sse:
        sent = api.prompt(sid, "crée approuve.txt")
        assert sent["queued"] is False and sent["prompt_id"]
        [pending] = wait_for(lambda: api.pending(sid), 60, "a pending permission")
        assert pending["tool_name"] == "Bash"
        assert pending["input"]["command"] == "touch approuve.txt"
        assert pending["source"] == "sdk"
        assert api.session(sid)["status"] == "waiting_permission"
        assert not (cwd / "approuve.txt").exists()
        api.decide(sid, pending["id"], "approve")
        wait_for(lambda: (cwd / "approuve.txt").exists(), 60, "the tool to run")
        wait_for(lambda: "Fichier créé." in _texts(sse.messages()), 60, "the answer over SSE")
        results = _results(sse.messages())
        assert any(not r["is_error"] for r in results)
        assert "crée approuve.txt" in _texts(sse.messages())
        assert any(kind == "permission" for _, kind, _ in sse.events)
    wait_for(lambda: _idle(api, sid), 30, "the session idle again")
    assert api.pending(sid) == []


def test_prompt_permission_denied_stops_the_tool(
    machine: Machine, phone: tuple[Api, str], model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """A denied permission does not run the tool; Claude gets the phone's message."""
    api, _ = phone
    cwd = tmp_path / "refus"
    sid = _session(machine, api, cwd)
    model[1].script(
        "crée refuse.txt",
        ToolCall("Bash", {"command": "touch refuse.txt", "description": "Créer"}),
        Answer("Compris, je ne touche à rien."),
    )
    api.prompt(sid, "crée refuse.txt")
    [pending] = wait_for(lambda: api.pending(sid), 60, "a pending permission")
    api.decide(sid, pending["id"], "deny", message="Pas maintenant")
    wait_for(lambda: "Compris, je ne touche à rien." in _texts(api.messages(sid)), 60, "the answer")
    assert not (cwd / "refuse.txt").exists()
    [result] = _results(api.messages(sid))[-1:]
    assert result["is_error"] is True
    assert "Pas maintenant" in result["content"]


def test_terminal_session_permission_is_relayed_by_the_hook(
    machine: Machine, phone: tuple[Api, str], model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """`claude -p` started outside the agent asks through the hook; the phone's yes applies."""
    api, _ = phone
    cwd = tmp_path / "terminal"
    sid = _session(machine, api, cwd)
    model[1].script(
        "crée terminal.txt",
        ToolCall("Bash", {"command": "touch terminal.txt", "description": "Créer"}),
        Answer("Créé depuis le terminal."),
    )
    run = machine.claude(cwd, "-p", "--resume", sid, "crée terminal.txt")
    try:
        [pending] = wait_for(lambda: api.pending(sid), 60, "the hook's permission on the hub")
        assert pending["source"] == "hook"
        assert pending["input"]["command"] == "touch terminal.txt"
        api.decide(sid, pending["id"], "approve")
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err
    assert "Créé depuis le terminal." in out
    assert (cwd / "terminal.txt").exists()


def test_hook_falls_back_to_the_terminal_when_the_agent_is_away(
    hub: Hub, phone: tuple[Api, str], model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """With the hook installed but no agent running, the CLI decides alone at once."""
    away = Machine(tmp_path / "away", "absent", model[0])
    assert away.mesh_agent("install-hook").returncode == 0
    model[1].script(
        "crée absent.txt",
        ToolCall("Bash", {"command": "touch absent.txt", "description": "Créer"}),
        Answer("Pas de permission."),
    )
    cwd = tmp_path / "absent"
    cwd.mkdir()
    run = away.claude(cwd, "-p", "crée absent.txt")
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 0
    assert "Pas de permission." in out
    assert not (cwd / "absent.txt").exists()


def test_live_terminal_queues_a_prompt_and_force_runs_it(
    machine: Machine, phone: tuple[Api, str], model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """While a terminal works on the session a prompt waits; a forced one runs at once."""
    api, _ = phone
    cwd = tmp_path / "occupé"
    sid = _session(machine, api, cwd)
    model[1].script(
        "travaille longtemps",
        ToolCall("Bash", {"command": "sleep 6", "description": "Attendre"}),
        Answer("Terminé."),
    )
    terminal = machine.claude(
        cwd, "-p", "travaille longtemps", "--resume", sid, "--allowedTools", "Bash"
    )
    try:
        wait_for(lambda: api.session(sid)["live"], 30, "the session live in a terminal")
        assert api.session(sid)["status"] == "live_terminal"
        waiting = api.prompt(sid, "prompt en attente")
        assert waiting["queued"] is True and waiting["warning"]
        forced = api.prompt(sid, "prompt forcé", force=True)
        assert forced["queued"] is False
        wait_for(lambda: "prompt forcé" in _texts(api.messages(sid)), 60, "the forced prompt")
        assert "prompt en attente" not in _texts(api.messages(sid))
        out, err = terminal.communicate(timeout=120)
        assert terminal.returncode == 0, (out, err)
    finally:
        if terminal.poll() is None:
            terminal.kill()
    wait_for(lambda: "prompt en attente" in _texts(api.messages(sid)), 60, "the queued prompt")
    texts = _texts(api.messages(sid))
    assert texts.index("prompt en attente") > texts.index("Terminé.")
