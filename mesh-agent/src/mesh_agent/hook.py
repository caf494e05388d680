"""Claude Code's hooks for terminal sessions: install them in the user's settings, and run them.

`install_hook` adds one entry to `hooks.PermissionRequest` and one to `hooks.Notification` of
`<claude config>/settings.json` (other settings and hooks untouched, the file rewritten
atomically); `uninstall_hook` removes them. The installed commands are
`python -m mesh_agent hook permission-request|notification --socket PATH`.

`run_permission_hook` reads the hook input on stdin, asks the local agent, and prints the
decision. With no decision it prints nothing and exits 0, so Claude Code's own dialog decides.
`run_notification_hook` tells the agent that the terminal waits for a person (a dialog no hook
can answer) and prints nothing. Both stand aside for the CLIs the agent starts itself (their
permissions already go through the SDK's `can_use_tool`) and never fail.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from mesh_agent.relay import ask_relay

EVENT = "PermissionRequest"
NOTIFICATION = "Notification"
# The notifications that mean "the terminal waits for a person" (mesh_agent.terminal).
NOTIFICATION_MATCHER = "permission_prompt|agent_needs_input|elicitation_dialog"
NOTIFICATION_TIMEOUT_S = 10
SDK_ENV_FLAG = "MESH_AGENT_SDK"  # same value as runner.SDK_ENV_FLAG (kept import-light)
_MARK = "mesh_agent hook "


def hook_command(
    socket_path: Path, python: str | None = None, hook: str = "permission-request"
) -> str:
    """The shell command Claude Code runs for a hook (`permission-request`, `notification`)."""
    command = [python or sys.executable, "-m", "mesh_agent", "hook", hook]
    return shlex.join([*command, "--socket", str(socket_path)])


def _load(settings: Path) -> dict[str, Any]:
    if not settings.exists():
        return {}
    try:
        data = json.loads(settings.read_text() or "{}")
    except ValueError as exc:
        raise ValueError(f"{settings} is not valid JSON; fix it before installing") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{settings} does not hold a JSON object")
    return data


def _save(settings: Path, data: dict[str, Any]) -> None:
    settings.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.parent, prefix=".settings.", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    if settings.exists():
        os.chmod(tmp, settings.stat().st_mode & 0o777)
    os.replace(tmp, settings)


def _without_ours(entries: list[Any]) -> list[Any]:
    kept = []
    for entry in entries:
        hooks = entry.get("hooks", []) if isinstance(entry, dict) else []
        mine = [h for h in hooks if isinstance(h, dict) and _MARK in str(h.get("command", ""))]
        if not mine:
            kept.append(entry)
        elif len(mine) < len(hooks):
            kept.append({**entry, "hooks": [h for h in hooks if h not in mine]})
    return kept


def install_hook(settings: Path, socket_path: Path, *, timeout_s: float) -> str:
    """Install (or replace) the relay hooks in `settings`; return the permission command."""
    data = _load(settings)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError(f"'hooks' in {settings} is not an object")
    command = hook_command(socket_path)
    entries = {
        EVENT: ("*", command, int(timeout_s) + 30),
        NOTIFICATION: (
            NOTIFICATION_MATCHER,
            hook_command(socket_path, hook="notification"),
            NOTIFICATION_TIMEOUT_S,
        ),
    }
    for event, (matcher, line, timeout) in entries.items():
        entry = {
            "matcher": matcher,
            "hooks": [{"type": "command", "command": line, "timeout": timeout}],
        }
        hooks[event] = [*_without_ours(list(hooks.get(event) or [])), entry]
    _save(settings, data)
    return command


def uninstall_hook(settings: Path) -> bool:
    """Remove the relay hooks from `settings`; True when there was one."""
    data = _load(settings)
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return False
    removed = False
    for event in (EVENT, NOTIFICATION):
        if not hooks.get(event):
            continue
        kept = _without_ours(list(hooks[event]))
        if kept == hooks[event]:
            continue
        removed = True
        if kept:
            hooks[event] = kept
        else:
            del hooks[event]
    if not removed:
        return False
    if not hooks:
        del data["hooks"]
    _save(settings, data)
    return True


def hook_output(decision: dict[str, str]) -> dict[str, Any]:
    """The JSON Claude Code expects from a PermissionRequest hook that decided."""
    return {"hookSpecificOutput": {"hookEventName": EVENT, "decision": decision}}


def _hook_input(stdin: IO[str], event: str) -> dict[str, Any] | None:
    """The hook input of `event`, or None (garbage, another event, the agent's own CLI)."""
    if os.environ.get(SDK_ENV_FLAG) == "1":
        return None
    try:
        payload = json.loads(stdin.read())
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("hook_event_name", event) != event:
        return None
    return payload


def run_permission_hook(
    socket_path: Path, *, stdin: IO[str], stdout: IO[str], timeout_s: float = 3600.0
) -> int:
    """The permission hook command: relay one permission prompt; always exit 0."""
    payload = _hook_input(stdin, EVENT)
    if payload is None:
        return 0
    decision = ask_relay(socket_path, payload, timeout_s=timeout_s)
    if decision is not None:
        stdout.write(json.dumps(hook_output(decision)) + "\n")
        stdout.flush()
    return 0


def run_notification_hook(socket_path: Path, *, stdin: IO[str]) -> int:
    """The notification hook command: tell the agent the terminal waits; always exit 0."""
    payload = _hook_input(stdin, NOTIFICATION)
    if payload is not None:
        ask_relay(socket_path, payload, timeout_s=2.0)
    return 0
