"""The scripted fake Anthropic API drives the real bundled Claude Code CLI offline."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.anthropic import (
    Answer,
    FakeAnthropic,
    ToolCall,
    bundled_cli,
    claude_env,
    running_fake_anthropic,
)


@pytest.fixture
def fake_model() -> Iterator[tuple[str, FakeAnthropic]]:
    """The fake Messages API on a loopback port."""
    with running_fake_anthropic() as running:
        yield running


def _run_cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundled_cli()), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _transcripts(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["CLAUDE_CONFIG_DIR"]) / "projects").glob("*/*.jsonl"))


def _types(path: Path) -> list[str]:
    return [json.loads(line)["type"] for line in path.read_text().splitlines()]


def test_decide_stops_asking_for_tools_once_answered() -> None:
    """A scripted prompt gets the tool call first, then the answer, and never a second call."""
    fake = FakeAnthropic()
    fake.script("go", ToolCall("Bash", {"command": "true"}), Answer("fini"))
    tools = [{"name": "Bash"}]
    prompt = {"role": "user", "content": [{"type": "text", "text": "go now"}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]}
    assert fake.decide({"messages": [prompt], "tools": tools}) == ToolCall(
        "Bash", {"command": "true"}
    )
    assert fake.decide({"messages": [prompt, result], "tools": tools}) == Answer("fini")
    assert fake.decide({"messages": [prompt, result, result], "tools": tools}) == Answer("fini")
    assert fake.decide({"messages": [prompt], "tools": []}) == Answer("fini")
    assert fake.decide({"messages": [{"role": "user", "content": "autre"}]}) == Answer(
        fake.default_text
    )


def test_script_must_end_with_an_answer() -> None:
    """A script ending on a tool call is refused, because the CLI would loop on it."""
    with pytest.raises(ValueError, match="Answer"):
        FakeAnthropic().script("x", ToolCall("Bash", {"command": "true"}))


@pytest.mark.mesh
def test_real_cli_answers_and_writes_a_transcript(
    fake_model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """`claude -p` answers with the scripted text and writes a transcript in its config dir."""
    url, fake = fake_model
    fake.default_text = "Bonjour de la fausse API."
    env = claude_env(tmp_path, url, {"PATH": os.environ["PATH"]})
    cwd = tmp_path / "projet été"
    cwd.mkdir()
    done = _run_cli(env, cwd, "-p", "salut")
    assert done.returncode == 0, done.stderr
    assert "Bonjour de la fausse API." in done.stdout
    [transcript] = _transcripts(env)
    assert {"user", "assistant"} <= set(_types(transcript))
    assert fake.message_requests()[0]["stream"] is True


@pytest.mark.mesh
def test_real_cli_runs_a_scripted_tool_then_finishes(
    fake_model: tuple[str, FakeAnthropic], tmp_path: Path
) -> None:
    """A scripted Bash call really runs, its result goes back to the model, the turn ends."""
    url, fake = fake_model
    fake.script(
        "crée", ToolCall("Bash", {"command": "touch cree.txt"}, "Je crée."), Answer("Fait.")
    )
    env = claude_env(tmp_path, url, {"PATH": os.environ["PATH"]})
    done = _run_cli(env, tmp_path, "-p", "crée le fichier", "--allowedTools", "Bash")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cree.txt").exists()
    assert done.stdout.strip() == "Fait."
    assert len(fake.message_requests()) == 2
    [transcript] = _transcripts(env)
    lines = [json.loads(x) for x in transcript.read_text().splitlines()]
    results = [
        block
        for line in lines
        if line["type"] == "user" and isinstance(line["message"]["content"], list)
        for block in line["message"]["content"]
        if block.get("type") == "tool_result"
    ]
    assert len(results) == 1
