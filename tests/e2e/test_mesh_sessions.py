"""Two machines' agents stream their real Claude Code sessions to a real hub."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fakes.anthropic import FakeAnthropic
from tests.support.mesh_stack import Api, Hub, Machine, create_token
from tests.support.transcripts import encoded, transcript_line
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh


@pytest.fixture(scope="module")
def api(hub: Hub) -> Api:
    """The phone's API client (full token)."""
    return Api(hub.url, create_token(hub.dsn, "full", "phone"))


def _git_repo(path: Path, branch: str) -> None:
    path.mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", branch], cwd=path, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "init"], cwd=path, check=True)


def _titled(api: Api, agents: set[str]) -> list[dict[str, object]] | None:
    """The sessions of these agents once each agent has one with a title (the database is
    shared with other tests, so other agents' sessions are ignored)."""
    sessions = [s for s in api.sessions() if s["agent"] in agents]
    titled = {s["agent"] for s in sessions if s["title"]}
    return sessions if titled == agents else None


def test_sessions_of_two_machines_are_listed_with_cwd_title_and_branch(
    hub: Hub, api: Api, model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """Each machine's sessions appear once, with real cwd (accents, spaces), title and branch."""
    url, fake = model
    gpu = Machine(tmp_path / "gpu", "gpu-e2e-sessions", url)
    laptop = Machine(tmp_path / "laptop", "pc-e2e-sessions", url)
    orchestrator = tmp_path / "work" / "Projets clients" / "orchestrator été"
    _git_repo(orchestrator, "feature/health-check")
    notes = tmp_path / "notes perso"
    notes.mkdir()
    for machine, cwd, text in (
        (gpu, orchestrator, "Ajoute un endpoint /health"),
        (laptop, notes, "Résume mes notes"),
    ):
        run = machine.claude(cwd, "-p", text)
        assert run.wait(120) == 0, run.stderr.read() if run.stderr else ""
    [laptop_file] = laptop.transcripts()
    with open(laptop_file, "ab") as handle:
        handle.write(b'{"type":"custom-title","customTitle":"Mes notes","sessionId":"x"}\n')

    gpu.start_agent(hub.url, create_token(hub.dsn, "agent", "gpu"))
    laptop.start_agent(hub.url, create_token(hub.dsn, "agent", "laptop"))
    try:
        names = {"gpu-e2e-sessions", "pc-e2e-sessions"}
        sessions = wait_for(lambda: _titled(api, names), 60, "both machines' sessions")
        by_agent = {s["agent"]: s for s in sessions}
        assert len(sessions) == 2
        gpu_session = by_agent["gpu-e2e-sessions"]
        assert gpu_session["cwd"] == str(orchestrator)
        assert gpu_session["project"] == "orchestrator été"
        assert gpu_session["title"] == "Ajoute un endpoint /health"
        assert gpu_session["git_branch"] == "feature/health-check"
        assert gpu_session["id"] == gpu.transcripts()[0].stem
        assert gpu.transcripts()[0].parent.name == encoded(orchestrator)
        assert by_agent["pc-e2e-sessions"]["cwd"] == str(notes)
        assert by_agent["pc-e2e-sessions"]["title"] == "Mes notes"
        messages = wait_for(lambda: api.messages(gpu_session["id"]), 30, "messages")
        assert messages[0]["role"] == "user"
        assert messages[0]["text"] == "Ajoute un endpoint /health"
        assert any(m["role"] == "assistant" and m["text"] == fake.default_text for m in messages)
        assert len({m["uuid"] for m in messages}) == len(messages)
    finally:
        gpu.kill_agent()
        laptop.kill_agent()


def test_half_written_line_waits_and_unknown_types_are_skipped(
    hub: Hub, api: Api, model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """A line without its newline is not sent until completed; unknown line types never are."""
    machine = Machine(tmp_path / "m", "atelier", model[0])
    cwd = "/srv/atelier"
    sid = "0b5e1f2a-1111-4222-8333-944455556666"
    path = machine.projects / encoded(Path(cwd)) / f"{sid}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        transcript_line(sid, cwd, 0)
        + b'{"type":"atis-latch","atis":"","sessionId":"x"}\n'
        + b'{"type":"future-kind","uuid":"zz-1","message":{"content":"?"}}\n'
    )
    machine.start_agent(hub.url, create_token(hub.dsn, "agent", "atelier"))
    try:
        wait_for(lambda: len(api.messages(sid)) == 1 if api.session(sid) else None, 30, "line 0")
        second = transcript_line(sid, cwd, 1)
        with open(path, "ab") as handle:
            handle.write(second[:25])
            handle.flush()
            wait_for(lambda: api.session(sid)["status"] == "live_terminal", 15, "fresh write")
            assert [m["uuid"] for m in api.messages(sid)] == [f"{sid[:8]}-000000"]
            handle.write(second[25:])
        wait_for(lambda: len(api.messages(sid)) == 2, 30, "the completed line")
        assert [m["uuid"] for m in api.messages(sid)] == [f"{sid[:8]}-000000", f"{sid[:8]}-000001"]
    finally:
        machine.kill_agent()
