"""The real Claude Code CLI, interactive, in a tmux server of its own: what a user sees and types.

    term = Terminal(machine.env, cwd)
    term.start("--permission-mode", "manual")     # waits for the input box
    term.type("crée a.txt")                       # then Enter
    term.wait_for_screen("Do you want to proceed?")
    term.press("Enter")
    term.exit()                                   # /exit, waits for the process to end

Each Terminal runs its own tmux server (`-S` socket in a short temporary folder, no user config,
`remain-on-exit` so the CLI's exit status stays readable). `seed_claude_config` writes what a
user answered once on first run (onboarding, theme, the API key, the folder's trust), so the CLI
opens straight on its prompt. Waits poll the screen with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes.anthropic import bundled_cli
from tests.support.mesh_stack import Api, Machine
from tests.support.wait import wait_for

# The footer under the input box, in every permission mode.
READY = re.compile(r"shift\+tab to cycle|\? for shortcuts")
# A permission dialog: "… to proceed?", "… to create x?", "… to make this edit …?"
DIALOG = "Do you want to"
# The CLI's exit status stays readable after it ends; scrolled-off lines stay in the history.
TMUX_CONF = "set -g remain-on-exit on\nset -g history-limit 10000\n"


def seed_claude_config(config_dir: Path, cwd: Path, api_key: str) -> None:
    """Mark the first-run screens as done for this config folder and trust `cwd`."""
    path = config_dir / ".claude.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(hasCompletedOnboarding=True, theme="dark")
    answers = data.setdefault("customApiKeyResponses", {"approved": [], "rejected": []})
    if api_key[-20:] not in answers["approved"]:
        answers["approved"].append(api_key[-20:])
    project = data.setdefault("projects", {}).setdefault(str(cwd), {})
    project["hasTrustDialogAccepted"] = True
    _write_json(path, data)
    # The one-time "Bypass Permissions mode" disclaimer, accepted (a user setting of 2.1.330).
    settings = config_dir / "settings.json"
    values = json.loads(settings.read_text()) if settings.exists() else {}
    if not values.get("skipDangerousModePermissionPrompt"):
        values["skipDangerousModePermissionPrompt"] = True
        _write_json(settings, values)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace a JSON file at once (a CLI reading it never sees half of it)."""
    tmp = path.with_name(f".{path.name}.seed")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


class Terminal:
    """One interactive `claude` in a tmux pane, driven by keys and read from the screen."""

    def __init__(self, env: dict[str, str], cwd: Path, *, width: int = 120, height: int = 50):
        self.env = {**env, "TERM": "xterm-256color"}
        if os.geteuid() == 0:  # the CLI refuses bypassPermissions to root outside a sandbox
            self.env["IS_SANDBOX"] = "1"
        self.cwd = cwd
        self.size = (width, height)
        self._dir = Path(tempfile.mkdtemp(prefix="cc-tmux-", dir="/tmp"))
        self._socket = self._dir / "tmux.sock"
        (self._dir / "tmux.conf").write_text(
            "set -g remain-on-exit on\nset -g history-limit 9999\n"
        )
        self.started = False
        self.pid = 0

    def _tmux(self, *args: str, check: bool = True) -> str:
        tmux = shutil.which("tmux")
        if tmux is None:
            raise RuntimeError("tmux is missing: apt-get install tmux (scripts/bootstrap.sh does)")
        done = subprocess.run(
            [tmux, "-S", str(self._socket), "-f", str(self._dir / "tmux.conf"), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, *args: str, ready_timeout: float = 60) -> None:
        """Start `claude ARGS` in the folder and wait until its input box is shown."""
        config = Path(self.env["CLAUDE_CONFIG_DIR"])
        seed_claude_config(config, self.cwd, self.env.get("ANTHROPIC_API_KEY", ""))
        width, height = self.size
        command = ["env", "-i", *(f"{k}={v}" for k, v in self.env.items()), str(bundled_cli())]
        self._tmux(
            *("new-session", "-d", "-s", "cc", "-x", str(width), "-y", str(height)),
            *("-c", str(self.cwd), *command, *args),
        )
        self.started = True
        self.pid = int(self._tmux("display-message", "-p", "-t", "cc", "#{pane_pid}").strip())
        self.wait_for_screen(READY, ready_timeout)

    def screen(self) -> str:
        """What the terminal shows now (wrapped lines joined)."""
        return self._tmux("capture-pane", "-p", "-J", "-t", "cc")

    def history(self) -> str:
        """Everything the terminal showed, scrolled-off lines included."""
        return self._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "cc")

    def type(self, text: str, *, enter: bool = True) -> None:
        """Type `text` (then Enter) as a user would."""
        self._tmux("send-keys", "-t", "cc", "-l", text)
        if enter:
            self.press("Enter")

    def press(self, *keys: str) -> None:
        """Press keys by tmux name: Enter, Escape, BTab (Shift+Tab), Down, C-c, "1"…"""
        self._tmux("send-keys", "-t", "cc", *keys)

    def answer(self, key: str, dialog: str = DIALOG, timeout: float = 30) -> str:
        """Answer the dialog on screen with `key` (Enter: its default, Escape: refuse) and wait
        until it is gone. A key that lands while the dialog is still arming is lost, so it is
        pressed again while the dialog stays (both keys do nothing on an empty prompt)."""
        if key not in ("Enter", "Escape"):
            raise ValueError("answer with Enter or Escape: a repeated digit would reach the prompt")
        deadline = time.monotonic() + timeout
        while True:
            self.press(key)
            try:
                return self.wait_until_gone(dialog, min(3.0, max(0.1, deadline - time.monotonic())))
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise

    def wait_for_screen(self, text: str | re.Pattern[str], timeout: float = 60) -> str:
        """Wait until the screen shows `text` (a string or a regex); return the screen."""

        def shown() -> str | None:
            screen = self.screen()
            found = text.search(screen) if isinstance(text, re.Pattern) else text in screen
            if not found and self.exited() is not None:
                raise AssertionError(f"the CLI exited while waiting for {text!r}:\n{screen}")
            return screen if found else None

        try:
            return wait_for(shown, timeout, f"{text!r} on the terminal")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- screen ---\n{self.screen()}") from None

    def wait_until_gone(self, text: str, timeout: float = 60) -> str:
        """Wait until the screen no longer shows `text`; return the screen."""

        def gone() -> str | None:
            screen = self.screen()
            return screen if text not in screen else None

        return wait_for(gone, timeout, f"{text!r} gone from the terminal")

    def exited(self) -> int | None:
        """The CLI's exit status, or None while it runs."""
        out = self._tmux("display-message", "-p", "-t", "cc", "#{pane_dead} #{pane_dead_status}")
        dead, _, status = out.strip().partition(" ")
        return int(status or 0) if dead == "1" else None

    def exit(self, timeout: float = 30) -> int:
        """Leave with /exit as a user would; return the exit status once the CLI ended."""
        self.type("/exit")
        return wait_for(lambda: _some(self.exited()), timeout, "the CLI to exit").value

    def close(self) -> None:
        """Kill the tmux server and its CLI, and wait until the CLI is gone: it rewrites
        .claude.json as it exits, which must not undo the next terminal's seeding."""
        if self.started:
            self._tmux("kill-server", check=False)
            self.started = False
            try:
                wait_for(lambda: not _running(self.pid), 15, "the CLI to end")
            except AssertionError:
                os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _running(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class _Some:
    """A truthy box for a value that may be 0."""

    def __init__(self, value: int) -> None:
        self.value = value


def _some(value: int | None) -> _Some | None:
    return None if value is None else _Some(value)


def hooked_machine(root: Path, name: str, model_url: str, **config: Any) -> Machine:
    """A machine with the agent's config written and its hooks installed (agent not started)."""
    machine = Machine(root, name, model_url)
    machine.write_config(**config)
    installed = machine.mesh_agent("install-hook", "--config", str(machine.config))
    assert installed.returncode == 0, installed.stderr
    return machine


def start_connected(machine: Machine, hub_url: str, token: str) -> None:
    """Start the machine's agent and wait until it is connected to the hub (its relay then
    answers the hooks; a hook that fires earlier rightly leaves the dialog to the terminal)."""
    machine.start_agent(hub_url, token)

    def connected() -> bool:
        assert machine.proc is not None and machine.proc.poll() is None, machine.log.read_text()
        return "connected to the hub" in machine.log.read_text()

    wait_for(connected, 60, f"the agent of {machine.name} connected")


def session_id_of(api: Api, cwd: Path, timeout: float = 30) -> str:
    """The id of the session the hub lists for `cwd` (once the agent announced it)."""

    def listed() -> str | None:
        return next((s["id"] for s in api.sessions() if s["cwd"] == str(cwd)), None)

    return wait_for(listed, timeout, f"a session of {cwd} on the hub")


def hook_processes(socket_path: Path) -> list[int]:
    """Pids of the mesh-agent hook commands running for the relay at `socket_path`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"mesh_agent" in args and b"hook" in args and str(socket_path).encode() in args:
            found.append(int(entry.name))
    return found
