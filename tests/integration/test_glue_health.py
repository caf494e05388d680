"""Readiness of the glue service names the backend or folder that is missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from solo_brain.glue.app import create_app
from tests.fakes.kokoro import run_kokoro
from tests.fakes.server import serve
from tests.fakes.whisper import run_whisper
from tests.support.settings import glue_settings


@contextmanager
def glue(**settings: Any) -> Iterator[httpx.Client]:
    """An HTTP client to the glue app served on loopback with these settings."""
    app = create_app(glue_settings(**settings))
    with serve(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def test_unconfigured_backends_are_named(tmp_path: Path) -> None:
    """With no WHISPER_URL/KOKORO_URL, /readyz is 503 and says which setting to set."""
    with glue(whisper_url=None, kokoro_url=None, media_dir=tmp_path) as http:
        assert http.get("/healthz").json() == {"status": "ok", "service": "glue"}
        response = http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "media": "ok",
        "whisper": "not configured (set WHISPER_URL)",
        "kokoro": "not configured (set KOKORO_URL)",
    }


def test_ready_when_both_backends_answer_then_names_the_one_that_goes_down(
    tmp_path: Path,
) -> None:
    """Both fakes up: ready. Whisper down: 503 naming Whisper only. Back up: ready again."""
    with run_whisper() as (whisper, _), run_kokoro() as (kokoro, _):
        settings = {"whisper_url": whisper.url, "kokoro_url": kokoro.url, "media_dir": tmp_path}
        with glue(**settings) as http:
            assert http.get("/readyz").status_code == 200
            whisper.down()
            response = http.get("/readyz")
            assert response.status_code == 503
            checks = response.json()["checks"]
            assert checks["whisper"] == f"Whisper unreachable at {whisper.url}: ConnectError"
            assert checks["kokoro"] == "ok" and checks["media"] == "ok"
            whisper.up()
            assert http.get("/readyz").status_code == 200


def test_unwritable_media_dir_is_named(tmp_path: Path) -> None:
    """A MEDIA_DIR that cannot be created is reported with its path."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with glue(media_dir=blocker / "media") as http:
        checks = http.get("/readyz").json()["checks"]
    assert checks["media"].startswith(f"media dir {blocker / 'media'} is not writable")


def test_openapi_documents_the_multipart_upload(tmp_path: Path) -> None:
    """/openapi.json lists every route and the `audio` multipart field of /v1/transcribe."""
    with glue(media_dir=tmp_path) as http:
        spec = http.get("/openapi.json").json()
    assert {"/v1/transcribe", "/v1/transcribe/{audio_ref}", "/v1/speak", "/audio/{name}"} <= set(
        spec["paths"]
    )
    form = spec["paths"]["/v1/transcribe"]["post"]["requestBody"]["content"]
    assert form["multipart/form-data"]["schema"]["required"] == ["audio"]
