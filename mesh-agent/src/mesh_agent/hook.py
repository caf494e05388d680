"""Claude Code's PermissionRequest hook: install it in the user's settings, and run it.

`install_hook` adds one entry to `hooks.PermissionRequest` of `<claude config>/settings.json`
(other settings and hooks untouched, the file rewritten atomically); `uninstall_hook` removes it.
The installed command is `python -m mesh_agent hook permission-request --socket PATH`.

`run_permission_hook` is that command: it reads the hook input on stdin, asks the local agent,
and prints the decision. With no decision it prints nothing and exits 0, so Claude Code asks in
the terminal as usual. It stands aside for the CLIs the agent starts itself (their permissions
already go through the SDK's `can_use_tool`).
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
SDK_ENV_FLAG = "MESH_AGENT_SDK"  # same value as runner.SDK_ENV_FLAG (kept import-light)
_MARK = "mesh_agent hook permission-request"


def hook_command(socket_path: Path, python: str | None = None) -> str:
    """The shell command Claude Code runs for each permission prompt."""
    command = [python or sys.executable, "-m", "mesh_agent", "hook", "permission-request"]
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
    """Install (or replace) the relay hook in `settings`; return the installed command."""
    data = _load(settings)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError(f"'hooks' in {settings} is not an object")
    command = hook_command(socket_path)
    entry = {
        "matcher": "*",
        "hooks": [{"type": "command", "command": command, "timeout": int(timeout_s) + 30}],
    }
    hooks[EVENT] = [*_without_ours(list(hooks.get(EVENT) or [])), entry]
    _save(settings, data)
    return command


def uninstall_hook(settings: Path) -> bool:
    """Remove the relay hook from `settings`; True when there was one."""
    data = _load(settings)
    hooks = data.get("hooks")
    if not isinstance(hooks, dict) or not hooks.get(EVENT):
        return False
    kept = _without_ours(list(hooks[EVENT]))
    if len(kept) == len(hooks[EVENT]) and kept == hooks[EVENT]:
        return False
    if kept:
        hooks[EVENT] = kept
    else:
        del hooks[EVENT]
    if not hooks:
        del data["hooks"]
    _save(settings, data)
    return True


def hook_output(decision: dict[str, str]) -> dict[str, Any]:
    """The JSON Claude Code expects from a PermissionRequest hook that decided."""
    return {"hookSpecificOutput": {"hookEventName": EVENT, "decision": decision}}


def run_permission_hook(
    socket_path: Path, *, stdin: IO[str], stdout: IO[str], timeout_s: float = 3600.0
) -> int:
    """The hook command: relay one permission prompt; always exit 0."""
    if os.environ.get(SDK_ENV_FLAG) == "1":
        return 0
    try:
        payload = json.loads(stdin.read())
    except ValueError:
        return 0
    if not isinstance(payload, dict) or payload.get("hook_event_name", EVENT) != EVENT:
        return 0
    decision = ask_relay(socket_path, payload, timeout_s=timeout_s)
    if decision is not None:
        stdout.write(json.dumps(hook_output(decision)) + "\n")
        stdout.flush()
    return 0
