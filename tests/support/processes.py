"""Environments for the `solo-brain` processes tests start: nothing of the developer's.

A service or CLI process reads its settings from its environment and from `.env` in its working
folder. Started with `service_env(...)` and `cwd=` a folder of the test's own, it sees only the
values the test gives plus what any program needs (PATH, HOME, locale, temporary folders): a
variable exported in the developer's shell or a `.env` in the clone never reaches it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

# What a process needs to run at all, and where the caches shared with the host live.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME")


def service_env(**values: str | Path) -> dict[str, str]:
    """PATH, HOME and the like from this process, then `values` (env names), and nothing else."""
    env = {name: os.environ[name] for name in KEPT if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env |= {name: str(value) for name, value in values.items()}
    return env


@cache
def bare_dir() -> Path:
    """An empty folder (one per test run) to start processes in: no `.env` to read there."""
    return Path(tempfile.mkdtemp(prefix="solo-brain-cwd-"))


def run_cli(pg_dsn: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real `solo-brain ARGS` on `pg_dsn` in a bare folder, with only `env` besides;
    its exit code, stdout and stderr (never raises on a failure)."""
    return subprocess.run(
        [sys.executable, "-m", "solo_brain", *args],
        env=service_env(DATABASE_URL=pg_dsn, **env),
        cwd=bare_dir(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
