"""A fresh stack has no Kokoro, Whisper nor Ollama set: each missing optional server is said once
at start (info), and filing a text capture logs no warning nor error; a Kokoro that is set but
fails is still a warning. Real glue, classify and Postgres."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from solo_brain.glue.app import create_app as create_glue
from tests.fakes.kokoro import KokoroState, run_kokoro
from tests.fakes.server import serve
from tests.support.classify import classify_service
from tests.support.settings import glue_settings

UNSET = {
    "solo_brain.glue.app": [
        "KOKORO_URL unset: answers are text only",
        "WHISPER_URL unset: voice captures are kept and wait for a transcription",
    ],
    "solo_brain.classify.app": ["OLLAMA_URL unset: captures are classified by the rules"],
}


@contextmanager
def services(pg_dsn: str, tmp_path: Path, **glue: Any) -> Iterator[httpx.Client]:
    """glue (with `glue` settings only) and classify in front of it, no model server set."""
    settings = glue_settings(media_dir=tmp_path / "media", **glue)
    with serve(create_glue(settings)) as glue_url, classify_service(
        pg_dsn, GLUE_URL=glue_url
    ) as http:  # fmt: skip
        yield http


def file_twice(http: httpx.Client) -> list[dict[str, Any]]:
    """Two text captures filed to the end: their answers."""
    notes = ("Rappeler le garage demain", "Idée : un cache pour les modèles")
    got = [http.post("/v1/filings", json={"request": {"text": t}, "wait": True}) for t in notes]
    assert all(g.status_code == 200 for g in got), [g.text for g in got]
    return [g.json()["answer"] for g in got]


def test_unset_model_servers_are_said_once_and_a_text_capture_logs_no_warning(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing but the database set: one info line per missing server at start, the captures
    filed and told in text (no audio), and not one warning or error on the way."""
    caplog.set_level(logging.DEBUG)
    with services(pg_dsn, tmp_path) as http:
        answers = file_twice(http)
    assert [(a["status"], a["tts_url"]) for a in answers] == [("filed", None)] * 2
    assert all(a["speech"] for a in answers)
    for logger, lines in UNSET.items():
        said = [r.getMessage() for r in caplog.records if r.name == logger]
        assert said == lines, (logger, said)
        assert all(r.levelno == logging.INFO for r in caplog.records if r.name == logger)
    loud = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == []


def test_a_kokoro_that_is_set_but_fails_is_still_a_warning(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Kokoro set and answering 500: each capture's failed speech is a warning naming it (the
    capture is still filed and told in text)."""
    caplog.set_level(logging.INFO)
    with run_kokoro(KokoroState(fail_with=500)) as (kokoro, _):
        with services(pg_dsn, tmp_path, kokoro_url=kokoro.url) as http:
            answers = file_twice(http)
    assert [(a["status"], a["tts_url"]) for a in answers] == [("filed", None)] * 2
    failed = [r for r in caplog.records if r.getMessage().startswith("speaking failed")]
    assert len(failed) == 2 and all(r.levelno == logging.WARNING for r in failed)
    assert "kokoro_unavailable" in failed[0].getMessage()
    assert not any("KOKORO_URL unset" in r.getMessage() for r in caplog.records)
