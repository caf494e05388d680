"""Every service caps request bodies: an oversized one is a 413 envelope, never read whole."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg

from solo_brain.glue.app import create_app as create_glue
from solo_brain.mesh.app import create_app as create_hub
from tests.fakes.server import serve
from tests.mesh.hub_harness import issue
from tests.support.classify import classify_service
from tests.support.settings import glue_settings, mesh_settings

SID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def assert_too_large(answer: httpx.Response) -> None:
    """413 with the usual error envelope."""
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"


def test_classify_refuses_a_body_over_its_limit(db: psycopg.Connection, pg_dsn: str) -> None:
    """A 1 MB classify request is refused before it is parsed."""
    with classify_service(pg_dsn) as classify:
        body = b'{"text": "' + b"a" * 1_000_000 + b'"}'
        answer = classify.post(
            "/v1/classify", content=body, headers={"Content-Type": "application/json"}
        )
    assert_too_large(answer)


def test_hub_refuses_a_body_over_its_limit(db: psycopg.Connection, pg_dsn: str) -> None:
    """A 2 MB prompt is refused with 413 even from a full token."""
    token = issue(pg_dsn, "full")
    with serve(create_hub(mesh_settings(database_url=pg_dsn))) as hub:
        answer = httpx.post(
            f"{hub}/api/sessions/{SID}/prompt",
            content=b'{"text": "' + b"a" * 2_000_000 + b'"}',
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert_too_large(answer)


def test_glue_refuses_a_chunked_body_over_its_limit(tmp_path: Path) -> None:
    """A chunked upload (no Content-Length) over the limit is cut off with 413, nothing kept."""
    settings = glue_settings(media_dir=tmp_path / "media", max_audio_bytes=64 * 1024)

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"\0" * 65536

    with serve(create_glue(settings)) as glue:
        answer = httpx.post(
            f"{glue}/v1/speak",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
    assert_too_large(answer)
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))
