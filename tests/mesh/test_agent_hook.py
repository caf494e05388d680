"""The PermissionRequest hook: installed in settings.json, run as Claude Code runs it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mesh_agent.hook import install_hook, uninstall_hook
from mesh_agent.relay import serve_relay
from tests.support.runtime import socket_dir

HOOK_INPUT = {
    "session_id": "7ea8a545-ad35-4404-af13-9eb69725f374",
    "transcript_path": "/home/u/.claude/projects/-p/7ea8a545-ad35-4404-af13-9eb69725f374.jsonl",
    "cwd": "/p",
    "hook_event_name": "PermissionRequest",
    "tool_name": "Bash",
    "tool_input": {"command": "touch x"},
    "permission_suggestions": [],
}


@pytest.fixture
def socket_path() -> Path:
    """A short unix socket path (tmp_path can exceed the ~100-byte limit)."""
    return socket_dir("mh-") / "relay.sock"


@pytest.fixture
async def relay(socket_path: Path) -> AsyncIterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """A relay answering with `answer["decision"]`; records the payloads it got."""
    seen: list[dict[str, Any]] = []
    answer: dict[str, Any] = {"decision": {"behavior": "allow"}}

    async def decide(payload: dict[str, Any]) -> dict[str, str] | None:
        seen.append(payload)
        return answer["decision"]

    server = await serve_relay(socket_path, decide)
    yield seen, answer
    server.close()
    await server.wait_closed()


async def _run_hook(
    socket_path: Path, stdin: str, hook: str = "permission-request", **env: str
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mesh_agent", "hook", hook,
        "--socket", str(socket_path),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), 30)
    return proc.returncode or 0, out.decode()


async def test_hook_prints_the_phones_allow(
    relay: tuple[list[dict[str, Any]], dict[str, Any]], socket_path: Path
) -> None:
    """An allow from the agent becomes the hookSpecificOutput Claude Code expects."""
    seen, _ = relay
    code, out = await _run_hook(socket_path, json.dumps(HOOK_INPUT))
    assert code == 0
    assert json.loads(out) == {
        "hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "allow"},
        }
    }
    assert seen == [HOOK_INPUT]


async def test_hook_prints_a_deny_with_its_message(
    relay: tuple[list[dict[str, Any]], dict[str, Any]], socket_path: Path
) -> None:
    """A deny carries the phone's message to Claude."""
    _, answer = relay
    answer["decision"] = {"behavior": "deny", "message": "Pas ça"}
    _, out = await _run_hook(socket_path, json.dumps(HOOK_INPUT))
    decision = json.loads(out)["hookSpecificOutput"]["decision"]
    assert decision == {"behavior": "deny", "message": "Pas ça"}


async def test_no_decision_prints_nothing_so_the_terminal_asks(
    relay: tuple[list[dict[str, Any]], dict[str, Any]], socket_path: Path
) -> None:
    """Without a decision the hook exits 0 silently."""
    _, answer = relay
    answer["decision"] = None
    assert await _run_hook(socket_path, json.dumps(HOOK_INPUT)) == (0, "")


async def test_unreachable_agent_prints_nothing(socket_path: Path) -> None:
    """No agent listening: exit 0, no output, at once."""
    assert await _run_hook(socket_path, json.dumps(HOOK_INPUT)) == (0, "")


async def test_garbage_input_and_the_agents_own_cli_are_left_alone(
    relay: tuple[list[dict[str, Any]], dict[str, Any]], socket_path: Path
) -> None:
    """Invalid JSON, or a CLI started by the agent itself, never reach the relay."""
    seen, _ = relay
    assert await _run_hook(socket_path, "{not json") == (0, "")
    assert await _run_hook(socket_path, json.dumps(HOOK_INPUT), MESH_AGENT_SDK="1") == (0, "")
    assert seen == []


async def test_notification_hook_tells_the_agent_and_prints_nothing(
    relay: tuple[list[dict[str, Any]], dict[str, Any]], socket_path: Path
) -> None:
    """The Notification hook passes its input to the agent and never answers Claude Code;
    the agent's own CLIs and other events are left alone."""
    seen, _ = relay
    notice = {
        **HOOK_INPUT,
        "hook_event_name": "Notification",
        "notification_type": "permission_prompt",
    }
    assert await _run_hook(socket_path, json.dumps(notice), "notification") == (0, "")
    assert seen == [notice]
    assert await _run_hook(socket_path, json.dumps(notice), "notification", MESH_AGENT_SDK="1") == (
        0,
        "",
    )
    assert await _run_hook(socket_path, json.dumps(HOOK_INPUT), "notification") == (0, "")
    assert seen == [notice]


def test_install_keeps_other_settings_and_is_idempotent(tmp_path: Path) -> None:
    """Installing twice leaves one entry, next to the user's own hooks and settings."""
    settings = tmp_path / "settings.json"
    mine = {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-audit"}]}
    settings.write_text(json.dumps({"model": "opus", "hooks": {"PermissionRequest": [mine]}}))
    install_hook(settings, Path("/run/user/1/mesh.sock"), timeout_s=300)
    command = install_hook(settings, Path("/run/user/1/mesh.sock"), timeout_s=300)
    data = json.loads(settings.read_text())
    assert data["model"] == "opus"
    entries = data["hooks"]["PermissionRequest"]
    assert entries[0] == mine
    assert len(entries) == 2
    assert entries[1]["hooks"] == [{"type": "command", "command": command, "timeout": 330}]
    assert "mesh_agent hook permission-request --socket /run/user/1/mesh.sock" in command
    [notification] = data["hooks"]["Notification"]
    assert notification["matcher"] == "permission_prompt|agent_needs_input|elicitation_dialog"
    [entry] = notification["hooks"]
    assert "mesh_agent hook notification --socket /run/user/1/mesh.sock" in entry["command"]


def test_uninstall_removes_only_the_agents_hook(tmp_path: Path) -> None:
    """Uninstalling leaves the user's hooks and drops what became empty."""
    settings = tmp_path / "settings.json"
    mine = {"matcher": "", "hooks": [{"type": "command", "command": "notify-send x"}]}
    settings.write_text(json.dumps({"hooks": {"Notification": [mine]}}))
    install_hook(settings, Path("/s.sock"), timeout_s=60)
    assert uninstall_hook(settings) is True
    assert json.loads(settings.read_text()) == {"hooks": {"Notification": [mine]}}
    settings.write_text("{}")
    install_hook(settings, Path("/s.sock"), timeout_s=60)
    assert uninstall_hook(settings) is True
    assert json.loads(settings.read_text()) == {}
    assert uninstall_hook(settings) is False
    assert uninstall_hook(tmp_path / "absent.json") is False


def test_invalid_settings_file_is_not_overwritten(tmp_path: Path) -> None:
    """A settings.json that is not JSON is reported, never replaced."""
    settings = tmp_path / "settings.json"
    settings.write_text("{oops")
    with pytest.raises(ValueError, match="not valid JSON"):
        install_hook(settings, Path("/s.sock"), timeout_s=60)
    assert settings.read_text() == "{oops"


async def test_relay_socket_is_private(relay: object, socket_path: Path) -> None:
    """Only the user can connect to the relay socket."""
    assert os.stat(socket_path).st_mode & 0o777 == 0o600


async def test_hook_killed_while_waiting_cancels_the_pending_decision(socket_path: Path) -> None:
    """When Claude Code kills the hook (user answered in the terminal), the agent stops waiting."""
    cancelled = asyncio.Event()
    asked = asyncio.Event()

    async def decide(payload: dict[str, Any]) -> dict[str, str] | None:
        asked.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return None

    server = await serve_relay(socket_path, decide)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mesh_agent", "hook", "permission-request",
        "--socket", str(socket_path), stdin=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(HOOK_INPUT).encode())
    proc.stdin.close()
    try:
        await asyncio.wait_for(asked.wait(), 30)
        proc.kill()
        await asyncio.wait_for(cancelled.wait(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        server.close()


async def test_a_second_agent_for_the_same_claude_folder_is_refused_and_the_first_kept(
    relay: tuple[list[dict[str, Any]], dict[str, Any]], socket_path: Path, tmp_path: Path
) -> None:
    """`mesh-agent run` while an agent listens on the relay socket (the systemd service, say)
    exits 2 saying so, before any hub is tried, and leaves that agent's socket answering."""
    seen, _ = relay
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mesh_agent", "run", "--hub", "http://127.0.0.1:9",
        "--token", "sbt_" + "a" * 43, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"),
             "MESH_AGENT_CONFIG": str(_relay_config(tmp_path, socket_path))},
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:  # it started after all: never leave it running
            proc.kill()
            await proc.wait()
    assert proc.returncode == 2, err.decode()
    assert "another mesh-agent already runs" in err.decode()
    code, out = await _run_hook(socket_path, json.dumps(HOOK_INPUT))
    assert (code, len(seen)) == (0, 1) and "allow" in out


async def test_a_stale_socket_of_a_stopped_agent_is_replaced(socket_path: Path) -> None:
    """A socket file nobody listens on any more (an agent killed) is taken over."""

    async def decide(payload: dict[str, Any]) -> dict[str, str] | None:
        return {"behavior": "deny", "message": "non"}

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(socket_path))
    stale.close()  # the file stays, nobody listens
    server = await serve_relay(socket_path, decide)
    try:
        code, out = await _run_hook(socket_path, json.dumps(HOOK_INPUT))
        assert code == 0 and json.loads(out)["hookSpecificOutput"]["decision"]["behavior"] == "deny"
    finally:
        server.close()
        await server.wait_closed()


def _relay_config(tmp_path: Path, socket_path: Path) -> Path:
    """An agent config file naming `socket_path` as its relay socket."""
    file = tmp_path / "agent.toml"
    file.write_text(f'relay_socket = "{socket_path}"\n')
    return file
