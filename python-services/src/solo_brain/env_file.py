"""`solo-brain --env-file PATH`: a command run by hand sees the settings the services see.

On a systemd host the services read `/etc/solo-brain/env` (their units' `EnvironmentFile=`);
a command typed in a shell does not, and without `DATABASE_URL` it would quietly start an
embedded Postgres of its own: a token created there is unknown to the hub. `--env-file` loads
the file first (the shell's own variables still win, as over `.env`); without it, on a host
that has that file, the command says which database it uses.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from solo_brain.errors import CommandError
from solo_brain.settings import CommonSettings

# Where docs/deploy.md installs the services' settings on a systemd host.
SYSTEM_ENV_FILE = Path("/etc/solo-brain/env")


def load_env_file(path: Path) -> None:
    """Put the values of `path` (KEY=VALUE lines, as systemd's EnvironmentFile= reads them)
    into this process's environment, under the variables already set; CommandError when the
    file cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"--env-file {path}: {exc.strerror or exc}") from exc
    for name, value in dotenv_values(stream=io.StringIO(text)).items():
        if value is not None and name not in os.environ:
            os.environ[name] = value


def embedded_note(
    settings: CommonSettings,
    environ: Mapping[str, str],
    *,
    env_file_given: bool,
    system_env: Path = SYSTEM_ENV_FILE,
) -> str | None:
    """What to tell the user who runs a command on the embedded database of a host whose
    services have their own settings file (None otherwise, and inside a systemd unit)."""
    if env_file_given or settings.database_url or "INVOCATION_ID" in environ:
        return None
    if not system_env.exists():
        return None
    return (
        f"DATABASE_URL is not set: this command uses the embedded database in "
        f"{settings.pgdata_dir}, not the one the services of {system_env} use; run it as "
        f"`solo-brain --env-file {system_env} ...` (docs/deploy.md)"
    )
