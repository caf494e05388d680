"""Each FastAPI service fuzzed from its own OpenAPI document with schemathesis (bounded examples):
no 500, every answer with a documented status, content type and schema, and a 502/503 only as a
JSON envelope for an upstream that is down or not configured. FUZZ_EXAMPLES sets the examples
per operation and mode (default 10); the figures are printed (`pytest -s`)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from solo_brain.classify.app import create_app as create_classify
from solo_brain.glue.app import create_app as create_glue
from solo_brain.mesh.app import create_app as create_hub
from tests.fakes.kokoro import run_kokoro
from tests.fakes.server import serve
from tests.fakes.whisper import run_whisper
from tests.mesh.hub_harness import auth, issue
from tests.support.classify import seed_catalog
from tests.support.fuzz import FuzzReport, fuzz
from tests.support.settings import classify_settings, glue_settings, mesh_settings
from tests.support.stoppable_pg import stoppable_postgres

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# About 40 s per 10 examples for the hub on 2 busy cores; larger runs get the time they need.
pytestmark = pytest.mark.timeout(max(300, EXAMPLES * 30))


def _upstream_down(code: str) -> bool:
    """A code that names an upstream that is down or not configured (Whisper, Kokoro, Ollama,
    n8n, WhatsApp's Graph API, the push service, Postgres)."""
    return code.endswith("_unavailable") or (code.endswith("_error") and code != "http_error")


def _assert_clean(service: str, report: FuzzReport) -> None:
    print(f"\nfuzz {service}: {report.summary()}")
    assert report.requests >= report.operations * 2
    assert not report.failures, report.summary()


def test_glue_survives_fuzzing(tmp_path: Path) -> None:
    """The glue service in front of the Whisper and Kokoro fakes, with WhatsApp's secrets set
    (the Graph API is not configured: 503 is its answer)."""
    with run_whisper() as (whisper, _), run_kokoro() as (kokoro, _):
        whisper.up()
        kokoro.up()
        settings = glue_settings(
            media_dir=tmp_path / "media",
            whisper_url=whisper.url,
            kokoro_url=kokoro.url,
            whatsapp_app_secret="app-secret",
            whatsapp_verify_token="verify-token",
        )
        app = create_glue(settings)
        with serve(app) as url:
            report = fuzz(app.openapi(), url, {}, EXAMPLES, unavailable=_upstream_down)
    _assert_clean("glue", report)


def test_classify_survives_fuzzing(db: psycopg.Connection, pg_dsn: str) -> None:
    """The classify service on a seeded catalog, without Ollama (the heuristic answers)."""
    seed_catalog(db)
    app = create_classify(classify_settings(DATABASE_URL=pg_dsn, SOLO_BRAIN_TZ="Europe/Paris"))
    with serve(app) as url:
        report = fuzz(app.openapi(), url, {}, EXAMPLES, unavailable=_upstream_down)
    _assert_clean("classify", report)


def test_hub_survives_fuzzing_with_a_full_token(
    db: psycopg.Connection, pg_dsn: str, tmp_path: Path
) -> None:
    """The hub with a real full token (so the fuzzer passes authentication), no n8n webhook."""
    token = issue(pg_dsn, "full")
    app = create_hub(mesh_settings(database_url=pg_dsn, media_dir=tmp_path / "media"))
    with serve(app) as url:
        report = fuzz(app.openapi(), url, auth(token), EXAMPLES, unavailable=_upstream_down)
    _assert_clean("hub", report)


def test_hub_survives_fuzzing_with_postgres_stopped(tmp_path: Path) -> None:
    """With Postgres stopped, every hub route answers as documented: a JSON 503
    `database_unavailable` (within the fuzzer's request timeout, well under DB_WAIT_S) or an
    answer that needs no database; never a 500."""
    with stoppable_postgres() as pg:
        token = issue(pg.url, "full")
        settings = mesh_settings(database_url=pg.url, media_dir=tmp_path / "media", DB_WAIT_S=600)
        app = create_hub(settings)
        with serve(app) as url:
            pg.stop()
            report = fuzz(
                app.openapi(),
                url,
                auth(token),
                max(2, EXAMPLES // 4),
                unavailable=lambda code: code == "database_unavailable",
            )
    _assert_clean("hub, Postgres stopped", report)
    assert report.statuses[503] > report.requests // 2
