"""Real processes for the CC Mesh end-to-end and browser tests: the hub, agents on "machines",
SSE readers.

Hub        `solo-brain serve mesh --port P` on the test database (restartable on one port)
Machine    a temporary HOME + CLAUDE_CONFIG_DIR, its `mesh-agent run` process, its CLI runs
SseReader  a thread reading a session's SSE stream, reconnecting with Last-Event-ID
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.anthropic import bundled_cli, claude_env
from tests.fakes.server import free_port
from tests.support.processes import bare_dir
from tests.support.runtime import socket_dir
from tests.support.wait import wait_for

VENV_BIN = Path(sys.executable).parent


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: the venv's tools on PATH, no `claude` of the host."""
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra or {})
    return env


def solo_brain(dsn: str, *args: str) -> str:
    """Run the `solo-brain` CLI on the test database; return its stdout."""
    done = subprocess.run(
        [str(VENV_BIN / "solo-brain"), *args],
        env=base_env({"DATABASE_URL": dsn}),
        cwd=bare_dir(),  # no .env of the clone
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def create_token(dsn: str, scope: str, name: str | None = None) -> str:
    """A new hub token of `scope` (the last line of `solo-brain token create`)."""
    extra = ["--name", name] if name else []
    return solo_brain(dsn, "token", "create", "--scope", scope, *extra).strip().splitlines()[-1]


class Hub:
    """The hub as a subprocess on a fixed port, so that it can be restarted in place."""

    def __init__(self, dsn: str, log_dir: Path, **settings: str) -> None:
        self.dsn = dsn
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "hub.log"
        self.env = base_env(
            {"DATABASE_URL": dsn, "MESH_HEARTBEAT_S": "2", "MESH_AGENT_OFFLINE_AFTER_S": "10",
             "MESH_EVENTS_WEBHOOK_URL": "off"}  # unless given: n8n's default may be anyone's
        )  # fmt: skip
        self.env.update(settings)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the hub and wait until it answers /healthz."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "solo-brain"), "serve", "mesh", "--port", str(self.port)],
                env=self.env,
                cwd=bare_dir(),  # no .env of the clone
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._healthy, 60, f"the hub on {self.url} (log {self.log})")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"the hub exited: {self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Stop the hub (SIGTERM, then SIGKILL)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


class Machine:
    """One "machine": its own Claude config folder and its mesh-agent process."""

    def __init__(self, root: Path, name: str, model_url: str) -> None:
        self.root = root
        self.name = name
        root.mkdir(parents=True, exist_ok=True)
        # Its relay socket in a short folder of the session's, removed at the end (runtime.py).
        self.env = claude_env(root, model_url, base_env({"XDG_RUNTIME_DIR": str(socket_dir("m-"))}))
        self.claude_dir = Path(self.env["CLAUDE_CONFIG_DIR"])
        self.config = root / "mesh-agent.toml"
        self.log = root / "agent.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def projects(self) -> Path:
        """The transcripts folder of this machine."""
        return self.claude_dir / "projects"

    def write_config(self, **values: Any) -> None:
        """Write the agent's TOML config (short timings for tests)."""
        defaults: dict[str, Any] = {
            "permission_timeout_s": 60,
            "hook_timeout_s": 60,
            "live_window_s": 3,
            "live_poll_s": 0.3,
            "heartbeat_s": 2,
            "rescan_s": 2,
            "reconnect_initial_s": 0.2,
            "reconnect_max_s": 1.0,
        }
        defaults.update(values)
        lines = [f"{k} = {json.dumps(v)}" for k, v in defaults.items()]
        self.config.write_text("\n".join(lines) + "\n")

    def start_agent(self, hub_url: str, token: str) -> None:
        """Start `mesh-agent run` for this machine."""
        if not self.config.exists():
            self.write_config()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    *(str(VENV_BIN / "mesh-agent"), "run", "--hub", hub_url, "--token", token),
                    *("--name", self.name, "--config", str(self.config)),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill_agent(self, sig: int = signal.SIGKILL) -> None:
        """Stop the agent abruptly (SIGKILL by default)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(15)
        self.proc = None

    def mesh_agent(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run another `mesh-agent` subcommand with this machine's environment."""
        return subprocess.run(
            [str(VENV_BIN / "mesh-agent"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def claude(self, cwd: Path, *args: str) -> subprocess.Popen[str]:
        """Start the real Claude CLI in `cwd` on this machine, outside the agent."""
        return subprocess.Popen(
            [str(bundled_cli()), *args],
            cwd=cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def transcripts(self) -> list[Path]:
        """Main transcripts of this machine."""
        return sorted(self.projects.glob("*/*.jsonl"))


class Api:
    """The phone's side of the hub's REST API."""

    def __init__(self, hub_url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=hub_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
        )

    def sessions(self) -> list[dict[str, Any]]:
        """GET /api/sessions."""
        answer = self.client.get("/api/sessions")
        answer.raise_for_status()
        return list(answer.json())

    def session(self, session_id: str) -> dict[str, Any] | None:
        """One session from the list, or None."""
        return next((s for s in self.sessions() if s["id"] == session_id), None)

    def messages(self, session_id: str) -> list[dict[str, Any]]:
        """Every message of a session, oldest first (all pages)."""
        found: list[dict[str, Any]] = []
        before: int | None = None
        while True:
            params = {"limit": 500, **({"before": before} if before else {})}
            page = self.client.get(f"/api/sessions/{session_id}/messages", params=params)
            page.raise_for_status()
            body = page.json()
            found = body["messages"] + found
            before = body["next_before"]
            if not before:
                return found

    def prompt(self, session_id: str, text: str, **extra: Any) -> dict[str, Any]:
        """POST a prompt; return the answer body."""
        answer = self.client.post(
            f"/api/sessions/{session_id}/prompt", json={"text": text, **extra}
        )
        answer.raise_for_status()
        return dict(answer.json())

    def decide(self, session_id: str, permission_id: str, verb: str, **body: Any) -> None:
        """Approve or deny a pending permission."""
        url = f"/api/sessions/{session_id}/permissions/{permission_id}/{verb}"
        answer = self.client.post(url, json=body or None)
        answer.raise_for_status()

    def pending(self, session_id: str) -> list[dict[str, Any]]:
        """Pending permissions of a session."""
        session = self.session(session_id)
        return list(session["pending_permissions"]) if session else []


class SseReader:
    """Reads a session's SSE stream in a thread, reconnecting with Last-Event-ID."""

    def __init__(self, hub_url: str, token: str, session_id: str, after: int = 0) -> None:
        self.url = f"{hub_url}/api/sessions/{session_id}/stream"
        self.token = token
        self.last_id = after
        self.events: list[tuple[int, str, dict[str, Any]]] = []
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sse-reader")

    def __enter__(self) -> SseReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def messages(self) -> list[dict[str, Any]]:
        """Data of the `message` events received so far."""
        return [data for _, kind, data in list(self.events) if kind == "message"]

    def _run(self) -> None:
        while not self._stop.is_set():
            headers = {"Authorization": f"Bearer {self.token}", "Last-Event-ID": str(self.last_id)}
            try:
                with httpx.stream("GET", self.url, headers=headers, timeout=5) as answer:
                    if answer.status_code == 200:
                        self._read(answer)
            except httpx.HTTPError:
                pass
            self.reconnects += 1
            self._stop.wait(0.2)

    def _read(self, answer: httpx.Response) -> None:
        event_id, kind, data = None, "message", ""
        for line in answer.iter_lines():
            if self._stop.is_set():
                return
            if line.startswith("id:"):
                event_id = int(line[3:].strip())
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif not line and data:
                self.events.append((event_id or 0, kind, json.loads(data)))
                if event_id:
                    self.last_id = event_id
                event_id, kind, data = None, "message", ""
