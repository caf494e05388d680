"""Short private folders for the unix sockets of the agents tests start.

An agent without a `relay_socket` setting listens in XDG_RUNTIME_DIR, else in
/tmp/mesh-agent-<uid> (mesh_agent.config.default_socket), where every agent a test killed
left its socket. Tests give each agent a socket (or an XDG_RUNTIME_DIR) in a folder of the
test session instead, removed at its end by tests/conftest.py. XDG_RUNTIME_DIR itself is not
changed for the whole session: pgserver keeps its cross-process lock there. The folders stay
short: a unix socket path is limited to about 100 bytes, which a test's tmp_path can exceed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

_SESSION: list[Path] = []  # the session's folder, made on first use


def session_runtime() -> Path:
    """The test session's private folder for sockets (made on first use)."""
    if not _SESSION:
        _SESSION.append(Path(tempfile.mkdtemp(prefix="sb-run-", dir="/tmp")))
    return _SESSION[0]


def socket_dir(prefix: str) -> Path:
    """A new private folder for sockets inside the session's folder (removed with it)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=session_runtime()))


def remove_session_runtime() -> None:
    """Remove the session's folder, with the sockets of the agents tests killed."""
    while _SESSION:
        shutil.rmtree(_SESSION.pop(), ignore_errors=True)
