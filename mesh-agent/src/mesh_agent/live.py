"""Is a session live in a terminal? A `claude` process on it, or fresh writes by someone else.

`claude_processes` reads /proc (Linux; elsewhere it finds none and fresh writes decide alone).
The rest is pure: which session a process works on, and which sessions were written recently by
a process other than this agent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

_SESSION_FLAGS = ("--resume", "-r", "--session-id")
_PF_KTHREAD = 0x00200000  # in /proc/PID/stat's flags: a kernel thread


@dataclass(frozen=True)
class ClaudeProcess:
    """A running Claude Code CLI: its cwd and the session its arguments name, if any."""

    pid: int
    cwd: str
    session_id: str | None


def session_from_args(args: list[str]) -> str | None:
    """The session named by `--resume ID`, `-r ID`, `--session-id ID` or `--resume=ID`."""
    for i, arg in enumerate(args):
        for flag in _SESSION_FLAGS:
            if arg == flag and i + 1 < len(args) and not args[i + 1].startswith("-"):
                return args[i + 1]
            if arg.startswith(flag + "="):
                return arg.split("=", 1)[1]
    return None


def is_claude(args: list[str], comm: str) -> bool:
    """Whether a command line is the Claude Code CLI (native binary or the npm cli.js)."""
    if comm == "claude" or (args and os.path.basename(args[0]) == "claude"):
        return True
    return any(a.endswith(("claude-code/cli.js", "claude-code/cli.mjs")) for a in args[:3])


def descendants(parents: Mapping[int, int], root: int) -> set[int]:
    """Every pid below `root` in the process tree `parents` (pid → parent pid)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def claude_processes(exclude_below: int, proc: Path = Path("/proc")) -> list[ClaudeProcess]:
    """Claude CLIs running on this machine, except those this agent started."""
    if not proc.is_dir():
        return []
    parents: dict[int, int] = {}
    found: list[tuple[int, list[str], str]] = []
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        pid = int(name)
        entry = f"{proc}/{name}"
        try:
            stat = _read(f"{entry}/stat").decode()
            fields = stat.rsplit(")", 1)[1].split()
            parents[pid] = int(fields[1])
            comm = stat[stat.index("(") + 1 : stat.rindex(")")].strip()  # /proc/PID/comm's
            args: list[str] = []  # a kernel thread's command line is empty: not read
            if not int(fields[6]) & _PF_KTHREAD:
                args = _read(f"{entry}/cmdline").decode(errors="replace").split("\0")[:-1]
            if is_claude(args, comm):
                found.append((pid, args, os.readlink(f"{entry}/cwd")))
        except (OSError, ValueError, IndexError):
            continue  # gone, or not ours to read
    mine = descendants(parents, exclude_below)
    return [
        ClaudeProcess(pid, cwd, session_from_args(args))
        for pid, args, cwd in found
        if pid not in mine and pid != exclude_below
    ]


def _read(path: str) -> bytes:
    """A /proc file's bytes, without a Python file object (the scan reads two per process)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, 4096)
        if len(data) < 4096:
            return data
        parts = [data]
        while chunk := os.read(fd, 65536):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def live_sessions(
    processes: Iterable[ClaudeProcess], latest_by_cwd: Mapping[str, str], known: set[str]
) -> set[str]:
    """Sessions a process works on: the one its args name, else the latest one of its cwd."""
    live: set[str] = set()
    for process in processes:
        if process.session_id in known:
            live.add(process.session_id)
        elif process.session_id is None and process.cwd in latest_by_cwd:
            live.add(latest_by_cwd[process.cwd])
    return live


class FreshWrites:
    """Remembers when each session was last written by a process other than this agent."""

    def __init__(self, window_s: float, grace_s: float = 3.0) -> None:
        self.window_s = window_s
        self.grace_s = grace_s  # the CLI may write its last lines just after a prompt ends
        self._foreign: dict[str, float] = {}
        self._own_until: dict[str, float] = {}
        self._running: set[str] = set()

    def start_own(self, session_id: str) -> None:
        """This agent starts writing the session (a prompt runs)."""
        self._running.add(session_id)

    def stop_own(self, session_id: str, now: float) -> None:
        """This agent's prompt on the session ended at `now`."""
        self._running.discard(session_id)
        self._own_until[session_id] = now + self.grace_s

    def writer_gone(self, session_id: str, now: float) -> None:
        """The terminal CLI working on the session exited at `now`: nobody writes it any more
        (its last lines, flushed as it exits, do not make it live again)."""
        self._foreign.pop(session_id, None)
        self._own_until[session_id] = now + self.grace_s

    def written(self, session_id: str, now: float) -> None:
        """The session's transcript changed at `now`."""
        if session_id in self._running or now < self._own_until.get(session_id, 0.0):
            return
        self._foreign[session_id] = now

    def live(self, now: float) -> set[str]:
        """Sessions written by someone else during the last `window_s` seconds."""
        return {s for s, at in self._foreign.items() if now - at < self.window_s}
