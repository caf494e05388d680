"""PostgreSQL's client programs (pg_dump, pg_restore), found and run without leaking a password.

The first program recent enough for the server wins, looked for in SOLO_BRAIN_PG_BIN, the
embedded pgserver's binaries, the host's `/usr/lib/postgresql/*/bin` (newest first), then PATH.
The password of a libpq URL goes to the program in PGPASSWORD, never on its command line (which
every local user can read in /proc).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo


class PgToolError(RuntimeError):
    """A client program is missing or failed; the message says which and why."""


@dataclass(frozen=True)
class PgTool:
    """One client program and its major version."""

    path: Path
    major: int

    def run(self, url: str, *args: str) -> None:
        """Run it against the database of `url`; PgToolError with the end of its stderr."""
        params = conninfo_to_dict(url)
        password = params.pop("password", None)
        env = {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}
        result = subprocess.run(
            [str(self.path), f"--dbname={make_conninfo('', **params)}", *args],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-10:])
            raise PgToolError(f"{self.path.name} failed (exit {result.returncode}):\n{tail}")


def _major(name: str) -> int:
    found = re.match(r"\d+", name)
    return int(found[0]) if found else 0


def _candidate_dirs() -> Iterator[Path]:
    if configured := os.environ.get("SOLO_BRAIN_PG_BIN"):
        yield Path(configured)
    if (spec := importlib.util.find_spec("pgserver")) and spec.origin:
        yield Path(spec.origin).parent / "pginstall" / "bin"
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        yield from sorted(debian.glob("*/bin"), key=lambda p: -_major(p.parent.name))
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder:
            yield Path(folder)


def find_tool(name: str, at_least: int) -> PgTool:
    """The first `name` (pg_dump, pg_restore) whose major version is at least `at_least`."""
    seen: list[str] = []
    for folder in _candidate_dirs():
        path = folder / name
        if not path.is_file() or not os.access(path, os.X_OK):
            continue
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
        found = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
        if not found:
            continue
        if (major := int(found[1])) >= at_least:
            return PgTool(path, major)
        seen.append(f"{path} ({major})")
    raise PgToolError(
        f"no {name} of version {at_least} or later found (seen: {', '.join(seen) or 'none'}); "
        f"install postgresql-client-{at_least} or set SOLO_BRAIN_PG_BIN to its bin folder"
    )
