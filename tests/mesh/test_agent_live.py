"""Live-terminal detection: real processes in /proc, and writes by someone else."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesh_agent.live import (
    ClaudeProcess,
    FreshWrites,
    claude_processes,
    descendants,
    is_claude,
    live_sessions,
    session_from_args,
)

SID = "7ea8a545-ad35-4404-af13-9eb69725f374"


@pytest.fixture
def fake_claude(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process named `claude` (a shell script) resuming SID in a folder with accents."""
    binary = tmp_path / "bin" / "claude"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\nsleep 30\ntrue\n")
    binary.chmod(0o755)
    cwd = tmp_path / "projet été"
    cwd.mkdir()
    proc = subprocess.Popen([str(binary), "30", "--resume", SID], cwd=cwd)
    yield proc
    proc.kill()
    proc.wait()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_claude_process_is_found_with_its_cwd_and_session(
    fake_claude: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    """A `claude` process outside the agent is reported with its real cwd and session."""
    found = [p for p in claude_processes(exclude_below=-1) if p.pid == fake_claude.pid]
    assert found == [ClaudeProcess(fake_claude.pid, str(tmp_path / "projet été"), SID)]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_claude_process_with_a_long_command_line_is_found(tmp_path: Path) -> None:
    """Arguments longer than one read of /proc (a long prompt) still name the session."""
    binary = tmp_path / "claude"
    binary.write_text("#!/bin/sh\nsleep 30\ntrue\n")
    binary.chmod(0o755)
    proc = subprocess.Popen([str(binary), "-p", "é" * 20_000, "--resume", SID], cwd=tmp_path)
    try:
        found = [p for p in claude_processes(exclude_below=-1) if p.pid == proc.pid]
        assert found == [ClaudeProcess(proc.pid, str(tmp_path), SID)]
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_the_agents_own_cli_processes_are_not_terminals(
    fake_claude: subprocess.Popen[bytes],
) -> None:
    """Processes started by the agent (its descendants) never make a session live."""
    pids = {p.pid for p in claude_processes(exclude_below=os.getpid())}
    assert fake_claude.pid not in pids


def test_session_flags_are_read_from_arguments() -> None:
    """--resume ID, -r ID, --resume=ID and --session-id ID name the session."""
    assert session_from_args(["claude", "--resume", SID]) == SID
    assert session_from_args(["claude", "-r", SID, "-p"]) == SID
    assert session_from_args(["claude", f"--resume={SID}"]) == SID
    assert session_from_args(["claude", "--session-id", SID]) == SID
    assert session_from_args(["claude", "--resume", "-p"]) is None
    assert session_from_args(["claude"]) is None


def test_claude_cli_is_recognised_native_or_npm() -> None:
    """The native binary and node running the npm package are Claude; others are not."""
    assert is_claude(["/home/u/.local/bin/claude"], "claude")
    assert is_claude(["node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js"], "node")
    assert not is_claude(["python", "claude.py"], "python")
    assert not is_claude(["vim", "claude"], "vim")


def test_descendants_walk_the_whole_tree() -> None:
    """Grandchildren are descendants; siblings are not."""
    parents = {10: 1, 11: 10, 12: 11, 20: 1}
    assert descendants(parents, 10) == {11, 12}


def test_a_process_without_session_makes_the_latest_session_of_its_cwd_live() -> None:
    """No --resume: the most recent session of that cwd is the live one."""
    processes = [ClaudeProcess(1, "/p", None), ClaudeProcess(2, "/q", "other-id")]
    assert live_sessions(processes, {"/p": "s-latest"}, {"s-latest", "s-old"}) == {"s-latest"}


def test_fresh_writes_by_others_make_a_session_live_for_a_window() -> None:
    """Writes while the agent runs a prompt (and just after) are its own, not a terminal's."""
    fresh = FreshWrites(window_s=10, grace_s=2)
    fresh.written("a", now=100)
    assert fresh.live(105) == {"a"}
    assert fresh.live(111) == set()
    fresh.start_own("b")
    fresh.written("b", now=100)
    fresh.stop_own("b", now=101)
    fresh.written("b", now=102)
    assert "b" not in fresh.live(103)
    fresh.written("b", now=104)
    assert "b" in fresh.live(105)


def test_a_session_whose_cli_exited_is_free_at_once() -> None:
    """When the terminal's CLI exits, its last writes do not keep the session live."""
    fresh = FreshWrites(window_s=15, grace_s=2)
    fresh.written("a", now=100)
    fresh.writer_gone("a", now=101)
    assert fresh.live(101) == set()
    fresh.written("a", now=102)  # the exiting CLI's last flush
    assert fresh.live(102) == set()
    fresh.written("a", now=104)  # someone writes again
    assert fresh.live(104) == {"a"}
