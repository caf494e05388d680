"""Find the n8n installed by scripts/install-n8n.sh, or run the script to install it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from solo_brain.n8n.config import INSTALL_SCRIPT, N8nSettings

MARKER = ".installed"


class N8nNotInstalled(RuntimeError):
    """n8n is not installed (or its install did not finish) and could not be installed."""


@dataclass(frozen=True)
class N8nInstall:
    """A finished install: the n8n entry script and the Node.js that runs it."""

    home: Path

    @property
    def node_bin(self) -> Path:
        """Folder of the `node` and `npm` executables n8n runs on."""
        return next(self.home.glob("node/node_modules/node-*/bin"))

    @property
    def n8n(self) -> Path:
        """The `n8n` command."""
        return self.home / "app" / "node_modules" / ".bin" / "n8n"

    def env(self) -> dict[str, str]:
        """PATH with this install's Node.js first (n8n's scripts call `node`)."""
        return {"PATH": f"{self.node_bin}{os.pathsep}{os.environ.get('PATH', '')}"}


def find_install(settings: N8nSettings) -> N8nInstall | None:
    """The finished install of the configured version, or None."""
    home = settings.home
    if not (home / MARKER).is_file():
        return None
    install = N8nInstall(home)
    try:
        install.node_bin  # noqa: B018 (raises StopIteration when Node.js is missing)
    except StopIteration:
        return None
    return install if install.n8n.exists() else None


def install_n8n(settings: N8nSettings, *, script: Path = INSTALL_SCRIPT) -> N8nInstall:
    """Install n8n with the project's script (several minutes the first time; idempotent)."""
    if found := find_install(settings):
        return found
    if not script.is_file():
        raise N8nNotInstalled(f"n8n {settings.version} is not installed and {script} is missing")
    env = {**os.environ, "N8N_VERSION": settings.version, "SOLO_BRAIN_N8N_HOME": str(settings.home)}
    result = subprocess.run(["bash", str(script)], env=env, check=False)
    if result.returncode != 0 or (found := find_install(settings)) is None:
        raise N8nNotInstalled(
            f"installing n8n {settings.version} failed (exit {result.returncode}); "
            f"run `bash {script}` to see why"
        )
    return found
