"""`solo-brain up` on embedded defaults: Postgres, migrations, glue and classify."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

from tests.fakes.server import free_port


def test_up_starts_and_stops_the_stack_cleanly(tmp_path: Path) -> None:
    """Without DATABASE_URL, `up` runs embedded Postgres, migrates, serves; Ctrl-C stops all."""
    glue_port, classify_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "WHISPER_URL", "OLLAMA_URL", "KOKORO_URL"}
    }
    env |= {
        "SOLO_BRAIN_VAR_DIR": str(tmp_path / "var"),
        "GLUE_PORT": str(glue_port),
        "CLASSIFY_PORT": str(classify_port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "up", "--no-n8n", "--no-mesh"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    up = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "stack up" in line:
                up.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert up.wait(120), "".join(lines)
        for port in (glue_port, classify_port):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{glue_port}/readyz").json()
        assert "WHISPER_URL" in str(ready["checks"]), ready
        db_url = f"postgresql://postgres:@/postgres?host={tmp_path / 'var' / 'pgdata'}"
        with psycopg.connect(db_url) as conn:
            row = conn.execute("SELECT count(*) FROM assistant.schema_migrations").fetchone()
            assert row is not None and row[0] >= 1
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        reader.join(timeout=5)
    assert code == 0, "".join(lines)
    assert "stopped" in "".join(lines)
    deadline = time.monotonic() + 20
    while (tmp_path / "var" / "pgdata" / "postmaster.pid").exists():
        assert time.monotonic() < deadline, "embedded Postgres still running after up stopped"
        time.sleep(0.2)
