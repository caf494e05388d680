"""Tokens and secrets that local components make for each other once, kept under var/.

`solo-brain up` gives the local agent and n8n their hub tokens and signs the hub's events with a
secret of its own; `solo-brain n8n import|start|credentials` (compose, systemd) makes n8n's hub
token the same way when `HUB_TOKEN` is not set, so that a stack works without a token to paste.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

from solo_brain.secret_files import child_environment
from solo_brain.settings import CommonSettings

# The name of the hub token n8n's credentials carry when HUB_TOKEN is unset.
N8N_TOKEN_NAME = "local-n8n"  # noqa: S105 (a name, not the token)


def solo_brain_argv(*args: str) -> list[str]:
    """Run `solo-brain ARGS` with the interpreter of this process (works inside `uv run`)."""
    return [sys.executable, "-m", "solo_brain", *args]


def local_token(settings: CommonSettings, db_url: str, scope: str, name: str) -> str:
    """A token for a local component (the agent, n8n), created once and kept under var/."""
    path = settings.var_dir / f"{name}.token"
    if path.exists():
        return path.read_text().strip()
    result = subprocess.run(
        solo_brain_argv("token", "create", "--scope", scope, "--name", name),
        env=child_environment({"DATABASE_URL": db_url}),
        check=True,
        capture_output=True,
        text=True,
    )
    token = result.stdout.strip().splitlines()[-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    return token


def local_secret(settings: CommonSettings, name: str) -> str:
    """A random secret shared by two local components, made once and kept under var/."""
    path = settings.var_dir / f"{name}.secret"
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(secret + "\n")
    return secret
