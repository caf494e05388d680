"""`solo-brain n8n import` (and so `up`) says it is importing before the silent minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import bare_dir, service_env


@pytest.mark.n8n
def test_import_announces_itself_at_once_through_a_pipe(pg_dsn: str, tmp_path: Path) -> None:
    """Through a pipe (journald, `up`), the first line comes before any n8n import command runs,
    so a new user's first start is not minutes of silence."""
    env = service_env(DATABASE_URL=pg_dsn, N8N_USER_FOLDER=tmp_path / "n8n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "n8n", "import"],
        env=env, cwd=bare_dir(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("n8n: importing what changed"), first
        # Nothing imported yet: n8n has not written the import state of this folder.
        assert not (tmp_path / "n8n" / "solo-brain-import.json").exists()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
