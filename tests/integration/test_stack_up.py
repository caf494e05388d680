"""`solo-brain up` on embedded defaults: Postgres, migrations, the services, hub, agent, n8n."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.install import install_n8n
from solo_brain.n8n.nodes_package import build_package
from tests.fakes.server import free_port
from tests.support.processes import service_env
from tests.support.wait import wait_for

# n8n is installed and the node package built beforehand (the test command does both; the n8n
# test builds it itself: a fresh worktree's first `npm ci` alone took 75-81 s on 2 busy cores,
# inside this clock, the likely cause of its failure at 196 s). What is left on a fresh var/: the
# services, the imports (seven n8n commands, each a start of n8n's CLI) and n8n's start: 132 s
# at load 6-7 with five test runs sharing the machine, once over 180 s at load 7.5. On failure
# the output says each step with its seconds.
STACK_UP_TIMEOUT_S = 300
# A warning or an error as the services log them (solo_brain.cli's format).
LOUD = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (WARNING|ERROR|CRITICAL) ")


@contextmanager
def running_up(
    tmp_path: Path, env: dict[str, str], args: list[str], *, as_background_job: bool = False
) -> Iterator[list[str]]:
    """`solo-brain up ARGS` until the block ends, then Ctrl-C; checks it stopped cleanly.
    `as_background_job`: started as a script's `cmd &` starts it, SIGINT ignored on entry."""
    argv = [sys.executable, "-m", "solo_brain", "up", *args]
    if as_background_job:
        argv = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *argv]
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    up = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "stack up" in line:
                up.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert up.wait(STACK_UP_TIMEOUT_S), "".join(lines)
        yield lines
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        reader.join(timeout=5)
    assert code == 0, "".join(lines)
    assert "stopped" in "".join(lines)


def test_up_starts_and_stops_the_stack_cleanly(tmp_path: Path) -> None:
    """Without DATABASE_URL, `up` runs embedded Postgres, migrates, serves; Ctrl-C stops all,
    even when it was started as a background job (which enters with SIGINT ignored)."""
    glue_port, classify_port = free_port(), free_port()
    env = service_env(
        SOLO_BRAIN_VAR_DIR=tmp_path / "var",
        GLUE_PORT=str(glue_port),
        CLASSIFY_PORT=str(classify_port),
    )
    with running_up(tmp_path, env, ["--no-n8n", "--no-mesh"], as_background_job=True):
        for port in (glue_port, classify_port):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{glue_port}/readyz").json()
        assert "WHISPER_URL" in str(ready["checks"]), ready
        db_url = f"postgresql://postgres:@/postgres?host={tmp_path / 'var' / 'pgdata'}"
        with psycopg.connect(db_url) as conn:
            row = conn.execute("SELECT count(*) FROM assistant.schema_migrations").fetchone()
            assert row is not None and row[0] >= 1
    pid_file = tmp_path / "var" / "pgdata" / "postmaster.pid"
    wait_for(lambda: not pid_file.exists(), 20, "the embedded Postgres to stop with the stack")


def write_session(config_dir: Path, session_id: str, cwd: str) -> None:
    """A one-line Claude Code transcript, as the CLI writes it, for the local agent to find."""
    folder = config_dir / "projects" / "".join(c if c.isalnum() else "-" for c in cwd)
    folder.mkdir(parents=True)
    line = {
        "type": "user", "uuid": "8d0c5b3e-4a1e-4c59-9f0e-0d6a4c1f2b11", "parentUuid": None,
        "sessionId": session_id, "cwd": cwd, "gitBranch": "main", "isSidechain": False,
        "timestamp": "2026-11-21T08:00:00.000Z",
        "message": {"role": "user", "content": "ajoute un endpoint /health"},
    }  # fmt: skip
    (folder / f"{session_id}.jsonl").write_text(json.dumps(line) + "\n")


@pytest.mark.n8n
def test_up_runs_the_whole_stack_with_n8n_and_the_local_agent(tmp_path: Path) -> None:
    """The default `up` runs hub, agent and n8n too: a text capture goes through n8n's webhook
    and the machine's own Claude Code session is listed by the hub. No model server is set (a
    fresh stack's default): each is said once at start, and the capture logs no warning."""
    build_package({**os.environ, **install_n8n(N8nSettings()).env()})
    ports = {name: free_port() for name in ("GLUE", "CLASSIFY", "MESH", "N8N")}
    session_id = "5b1f9c3a-2d4e-4f6a-8b7c-9d0e1f2a3b4c"
    write_session(tmp_path / "claude", session_id, "/srv/orchestrator")
    env = service_env(**{f"{name}_PORT": str(port) for name, port in ports.items()})
    env |= {
        "SOLO_BRAIN_VAR_DIR": str(tmp_path / "var"),
        "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"),
        "N8N_RUNNERS_BROKER_PORT": str(free_port()),
    }
    with running_up(tmp_path, env, []) as lines:
        capture = httpx.post(
            f"http://127.0.0.1:{ports['N8N']}/webhook/capture",
            data={"text": "Rappelle-moi d'appeler le garage demain", "mode": "text"},
            timeout=30,
        )
        assert capture.status_code == 200, capture.text
        answer = capture.json()
        assert answer["capture_id"].startswith("cap_") and answer["speech"], answer
        token = (tmp_path / "var" / "local-n8n.token").read_text().strip()
        hub = f"http://127.0.0.1:{ports['MESH']}"
        sessions = wait_for(
            lambda: httpx.get(
                f"{hub}/api/sessions", headers={"Authorization": f"Bearer {token}"}
            ).json(),
            what="the local agent's session on the hub\n" + "".join(lines),
        )
        assert [s["id"] for s in sessions] == [session_id]
        assert sessions[0]["cwd"] == "/srv/orchestrator"
        assert f"the app    {hub}/  (pair" in "".join(lines)
        # n8n's first start (its imports) began before the services it overlaps.
        first = [line.split()[0:2] for line in lines]
        assert first.index(["n8n", "starting"]) < first.index(["glue", "up"]), "".join(lines)
        running = list(lines)  # what the stack said until the capture was filed (not its stop)
    said = "".join(running)
    assert said.count("KOKORO_URL unset: answers are text only") == 1, said
    assert said.count("OLLAMA_URL unset: captures are classified by the rules") == 1, said
    assert [line for line in running if LOUD.match(line)] == [], said


def test_up_agent_listens_where_install_hook_points(tmp_path: Path) -> None:
    """In a shell without XDG_RUNTIME_DIR, the hooks `mesh-agent install-hook` writes reach the
    relay socket of the agent `up` started (the embedded Postgres must not move it)."""
    ports = {name: free_port() for name in ("GLUE", "CLASSIFY", "MESH")}
    env = service_env(**{f"{name}_PORT": str(port) for name, port in ports.items()})
    env.pop("XDG_RUNTIME_DIR", None)
    env |= {"SOLO_BRAIN_VAR_DIR": str(tmp_path / "var"), "CLAUDE_CONFIG_DIR": str(tmp_path / "cc")}
    (tmp_path / "cc").mkdir()
    installed = subprocess.run(
        [sys.executable, "-m", "mesh_agent", "install-hook"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    hooks = json.loads((tmp_path / "cc" / "settings.json").read_text())["hooks"]
    command = hooks["PermissionRequest"][0]["hooks"][0]["command"]
    socket_path = Path(command.split("--socket ")[1].strip())
    with running_up(tmp_path, env, ["--no-n8n"]) as lines:
        wait_for(
            socket_path.is_socket,
            what=f"the agent's relay on {socket_path}\n{installed.stdout}{''.join(lines)}",
        )
    assert not socket_path.exists()  # the stopped agent removed its socket
