"""An installation of the previous release, upgraded: the previous release's own code migrated
the database and its captures and transcripts were recorded; this code's start brings the schema
to what a new database gets and keeps them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from solo_brain.db import ensure_schema
from tests.support.databases import fresh_database
from tests.support.processes import bare_dir, service_env
from tests.support.sql import schema_shape

REPO = Path(__file__).resolve().parents[2]
# main before tail-first transcripts (migration 0157) and captures through the hub.
PREVIOUS_RELEASE = "730fa34"
AGENT, SESSION = "agt_01AAAAAAAAAAAAAAAAAAAAAAAA", "3f1c2a9e-0000-4000-8000-000000000001"


def previous_source(tmp_path: Path) -> Path:
    """The previous release's python-services/src, read from this checkout's history."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the previous release is read from the history")
    commit = f"{PREVIOUS_RELEASE}^{{commit}}"
    known = subprocess.run([git, "-C", str(REPO), "cat-file", "-e", commit],
                           capture_output=True, check=False)  # fmt: skip
    if known.returncode != 0:
        pytest.skip(f"{PREVIOUS_RELEASE} is not in this clone's history (shallow): fetch it")
    archive = subprocess.run(
        [git, "-C", str(REPO), "archive", "--format=tar", PREVIOUS_RELEASE, "python-services/src"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert archive.returncode == 0, archive.stderr.decode()
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    return tmp_path / "python-services" / "src"


def migrate_with_previous_release(source: Path, dsn: str) -> None:
    """`solo-brain db migrate` as the previous release runs it (its code first on the path)."""
    result = subprocess.run(
        [sys.executable, "-m", "solo_brain", "db", "migrate"],
        env=service_env(DATABASE_URL=dsn, PYTHONPATH=source), cwd=bare_dir(),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_database_of_the_previous_release_is_upgraded_and_keeps_its_captures(
    pg_server_url: str, tmp_path: Path
) -> None:
    """The new migrations and changed functions are applied at start; the captures stay as they
    were, old transcript messages keep their order, and an older hub's insert still works."""
    source = previous_source(tmp_path)
    with fresh_database(pg_server_url, "sb_upgrade", migrate=False) as dsn:
        migrate_with_previous_release(source, dsn)
        with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
            versions = {r["version"] for r in conn.execute(
                "SELECT version FROM assistant.schema_migrations")}  # fmt: skip
            assert 141 in versions and 157 not in versions  # the previous release migrated it
            for text in ("Appeler Paul demain", "Idée : benchmarker le NPU"):
                conn.execute("SELECT assistant.receive_capture(%s::jsonb)",
                             (f'{{"text": "{text}", "channel": "pwa"}}',))  # fmt: skip
            conn.execute("INSERT INTO assistant.agents (id, name) VALUES (%s, 'gpu')", (AGENT,))
            conn.execute("INSERT INTO assistant.sessions (id, agent_id) VALUES (%s, %s)",
                         (SESSION, AGENT))  # fmt: skip
            for uuid in ("m1", "m2"):
                conn.execute("INSERT INTO assistant.messages (session_id, uuid, role, text) "
                             "VALUES (%s, %s, 'user', 'bonjour')", (SESSION, uuid))  # fmt: skip
            captures = conn.execute("SELECT * FROM assistant.captures ORDER BY id").fetchall()

        applied = ensure_schema(dsn)  # what every service does when it starts

        assert "0157_transcript_tail" in applied and "functions/mesh_messages" in applied
        with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
            assert conn.execute("SELECT * FROM assistant.captures ORDER BY id").fetchall() == (
                captures)  # fmt: skip
            conn.execute("INSERT INTO assistant.messages (session_id, uuid, role, text) "
                         "VALUES (%s, 'm3', 'user', 'encore')", (SESSION,))  # fmt: skip
            order = conn.execute("SELECT uuid, pos = seq * 2097152 AS by_arrival, history "
                                 "FROM assistant.messages ORDER BY pos").fetchall()  # fmt: skip
        assert [(m["uuid"], m["by_arrival"], m["history"]) for m in order] == [
            ("m1", True, False), ("m2", True, False), ("m3", True, False)]  # fmt: skip
        with fresh_database(pg_server_url, "sb_new", migrate=False) as new:
            ensure_schema(new)
            assert schema_shape(dsn) == schema_shape(new)
