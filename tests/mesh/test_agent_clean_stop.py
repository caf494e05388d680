"""An agent stopped cleanly (SIGTERM from systemd or a test, Ctrl-C) removes its relay socket;
the agents tests start listen in a folder of the test session, removed at its end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "mesh_agent", "run", "--hub", "http://127.0.0.1:9",
         "--token", "sbt_" + "a" * 43],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        path = wait_for(lambda: next(runtime.glob("mesh-agent-*.sock"), None),
                        what="the agent's relay socket")  # fmt: skip
        assert path.is_socket()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # never leave it running
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert list(runtime.iterdir()) == []


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
