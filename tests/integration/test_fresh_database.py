"""A service started on a database nobody migrated brings the schema up itself, or says why not."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from solo_brain.db import open_pool
from solo_brain.health import database_check
from tests.fakes.server import free_port
from tests.support.databases import fresh_database
from tests.support.wait import wait_for

SERVICE_ENV = {"OLLAMA_URL": "", "EXTERNAL_LLM_URL": "", "SOLO_BRAIN_TZ": "Europe/Paris"}


@pytest.fixture
def never_migrated(pg_server_url: str) -> Iterator[str]:
    """An empty database, dropped after the test."""
    with fresh_database(pg_server_url, "sb_fresh", migrate=False) as dsn:
        yield dsn


def _serve(dsn: str, tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **SERVICE_ENV, "DATABASE_URL": dsn, "SOLO_BRAIN_VAR_DIR": str(tmp_path)}
    return subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "serve", "classify", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_classify_on_a_never_migrated_database_classifies(
    never_migrated: str, tmp_path: Path
) -> None:
    """`solo-brain serve classify` migrates the new database, is ready and classifies."""
    port = free_port()
    process = _serve(never_migrated, tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"

        def ready() -> httpx.Response | None:
            try:
                return httpx.get(f"{base}/readyz", timeout=2)
            except httpx.HTTPError:
                assert process.poll() is None, process.stdout and process.stdout.read()
                return None

        checks = wait_for(ready, timeout=60, what="the classify service").json()["checks"]
        assert checks["database"] == "ok"
        classified = httpx.post(f"{base}/v1/classify", timeout=30,
                                json={"text": "Rappelle-moi d'appeler Paul demain"})  # fmt: skip
        assert classified.status_code == 200, classified.text
        assert classified.json()["actions"][0]["due"] is not None
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_schema_that_cannot_be_brought_up_is_refused_in_one_sentence(
    never_migrated: str, tmp_path: Path
) -> None:
    """With a schema the service may not create, it does not start and says what to run."""
    with psycopg.connect(never_migrated, autocommit=True) as conn:
        conn.execute("CREATE ROLE sb_reader_only LOGIN")
        conn.execute("REVOKE CREATE ON DATABASE {} FROM PUBLIC".replace(
            "{}", conninfo_to_dict(never_migrated)["dbname"]))  # fmt: skip
    reader = make_conninfo(never_migrated, user="sb_reader_only")
    try:
        process = _serve(reader, tmp_path, free_port())
        output, _ = process.communicate(timeout=60)
        lines = output.decode().strip().splitlines()
        assert process.returncode == 1
        assert lines[-1].startswith("solo-brain serve classify: The database schema could not")
        assert lines[-1].endswith("then start the service again.")
    finally:
        with psycopg.connect(never_migrated, autocommit=True) as conn:
            conn.execute("DROP OWNED BY sb_reader_only")
            conn.execute("DROP ROLE sb_reader_only")


async def test_readiness_on_a_database_without_the_schema_says_what_to_run(
    never_migrated: str,
) -> None:
    """The database check names the missing schema in a sentence, not as a traceback."""
    pool = await open_pool(never_migrated, min_size=1, max_size=1)
    try:
        said = await database_check(pool)()
    finally:
        await pool.close()
    assert said == "The database schema is missing: run `solo-brain db migrate`."
