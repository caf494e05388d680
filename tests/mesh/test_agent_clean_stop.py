"""An agent stopped cleanly (SIGTERM from systemd or a test, Ctrl-C) removes its relay socket; one
that crashed leaves it, and the next start takes it over; the agents tests start listen in a
folder of the test session, removed at its end."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mesh_stack import Machine
from tests.support.runtime import session_runtime, socket_dir
from tests.support.wait import wait_for


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_agent_leaves_no_socket_behind(tmp_path: Path, sig: signal.Signals) -> None:
    """`mesh-agent run` (no hub reachable: it keeps retrying) listens on its default socket
    under XDG_RUNTIME_DIR; stopped by `sig`, it exits 0 and the socket file is gone."""
    runtime = socket_dir("stop-")
    claude = tmp_path / "claude"
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "CLAUDE_CONFIG_DIR": str(claude)}
    with _agent(env) as proc:
        path = wait_for(lambda: next(runtime.glob("mesh-agent-*.sock"), None),
                        what="the agent's relay socket")  # fmt: skip
        assert path.is_socket()
        proc.send_signal(sig)
    assert list(runtime.iterdir()) == []


def test_the_next_start_takes_over_the_socket_a_crashed_agent_left(tmp_path: Path) -> None:
    """An agent killed (SIGKILL: no cleanup) leaves its socket file; the next agent of the same
    Claude folder starts, answers hooks on that path, and removes it when stopped."""
    runtime = socket_dir("crash-")
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "CLAUDE_CONFIG_DIR": str(tmp_path)}
    with _agent(env, exit_code=-signal.SIGKILL) as crashed:
        path = wait_for(lambda: next(runtime.glob("mesh-agent-*.sock"), None),
                        what="the first agent's relay socket")  # fmt: skip
        crashed.kill()
    assert path.is_socket() and not _answers(path), "a killed agent's socket stays, dead"
    with _agent(env) as restarted:
        wait_for(lambda: _answers(path), what="the next agent listening on the same path")
        restarted.send_signal(signal.SIGTERM)
    assert list(runtime.iterdir()) == []


@contextlib.contextmanager
def _agent(env: dict[str, str], exit_code: int = 0) -> Iterator[subprocess.Popen[bytes]]:
    """`mesh-agent run` towards no hub (it keeps retrying, its relay up meanwhile), stopped by
    the body; it must then exit with `exit_code` (killed after 30 s otherwise)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mesh_agent", "run", "--hub", "http://127.0.0.1:9",
         "--token", "sbt_" + "a" * 43],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        yield proc
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # never leave it running
            proc.kill()
            proc.wait()
    assert proc.returncode == exit_code, err.decode()


def _answers(path: Path) -> bool:
    """Whether an agent accepts connections on the unix socket `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def test_an_agent_of_the_mesh_stack_listens_in_a_folder_of_the_session(tmp_path: Path) -> None:
    """A test machine's agent gets an XDG_RUNTIME_DIR of the session's (removed at its end):
    its socket, even once the agent is killed, is never in /tmp/mesh-agent-<uid>."""
    machine = Machine(tmp_path / "m", "m", "http://127.0.0.1:9")
    runtime = Path(machine.env["XDG_RUNTIME_DIR"])
    assert runtime.parent == session_runtime() and runtime.stat().st_mode & 0o777 == 0o700
    with_env = {**os.environ, **machine.env}
    socket = subprocess.run(
        [sys.executable, "-c", "from pathlib import Path; from mesh_agent.config import "
         "default_socket; print(default_socket(Path('/x/.claude')))"],
        env=with_env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(socket).parent == runtime
