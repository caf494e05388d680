"""The building blocks n8n chains, chained here by hand: glue → classify → record_capture.

Real speech (espeak-ng) in three container formats, the real glue and classify services on
loopback, real Postgres; only Whisper and Ollama are (protocol-faithful) fakes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.types.json import Jsonb

from solo_brain.glue.app import create_app as create_glue
from tests.fakes.server import serve
from tests.fakes.whisper import FakeServer, WhisperState, run_whisper
from tests.support.audio import speech_file
from tests.support.classify import NOW, answer, classify_service, fake_ollama, seed_catalog
from tests.support.settings import glue_settings

SAID = "Idée pour le projet imx8 : benchmarker le NPU vendredi."


@contextmanager
def glue_service(tmp_path: Path) -> Iterator[tuple[httpx.Client, FakeServer, WhisperState]]:
    """The glue service in front of a fake Whisper; audio kept under tmp_path/media."""
    with run_whisper() as (whisper, state):
        settings = glue_settings(
            whisper_url=whisper.url, kokoro_url=None, media_dir=tmp_path / "media"
        )
        with serve(create_glue(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
            yield http, whisper, state


def record(db: psycopg.Connection[Any], payload: dict[str, Any]) -> dict[str, Any]:
    """assistant.record_capture with one jsonb argument, as n8n's Postgres node calls it."""
    row = db.execute("SELECT assistant.record_capture(%s::jsonb) AS c", (Jsonb(payload),))
    return dict(row.fetchone()["c"])  # type: ignore[index]


@pytest.mark.parametrize(("fmt", "ctype"), [("wav", "audio/wav"), ("m4a", "audio/mp4"),
                                            ("ogg", "audio/ogg")])  # fmt: skip
def test_voice_capture_is_kept_transcribed_classified_and_filed(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path, fmt: str, ctype: str
) -> None:
    """A spoken note becomes a filed capture with its project and a dated action."""
    seed_catalog(db)
    audio = speech_file(SAID, fmt, tmp_path).read_bytes()  # type: ignore[arg-type]
    with glue_service(tmp_path) as (glue, _, whisper_state), fake_ollama() as (ollama, url):
        whisper_state.expect(audio, SAID)
        ollama.reply(answer())
        heard = glue.post("/v1/transcribe", files={"audio": (f"n.{fmt}", audio, ctype)})
        assert heard.status_code == 200, heard.text
        with classify_service(pg_dsn, OLLAMA_URL=url) as classify:
            classified = classify.post(
                "/v1/classify", json={"text": heard.json()["transcript"], "now": NOW}
            )
        assert classified.status_code == 200, classified.text
    result = classified.json()
    capture = record(
        db,
        {"channel": "siri", "mode": "voice", **heard.json(), **result,
         "transcript": heard.json()["transcript"]},
    )  # fmt: skip
    assert capture["status"] == "filed" and capture["created"] is True
    assert capture["project"] == "imx8mp-vision" and capture["category"] == "idee_rd"
    assert capture["actions"][0]["due"] == "2026-05-15"  # the Friday after Wed 13 May
    assert any((tmp_path / "media").rglob(f"{capture['audio_ref']}*")), "audio not kept"


def test_text_capture_needs_no_transcription(db: psycopg.Connection[Any], pg_dsn: str) -> None:
    """A typed note goes straight to classification and is filed with its action."""
    seed_catalog(db)
    with fake_ollama() as (ollama, url), classify_service(pg_dsn, OLLAMA_URL=url) as classify:
        ollama.reply(answer(category="todo", project=None))
        result = classify.post("/v1/classify", json={"text": "Appeler Paul demain", "now": NOW})
    capture = record(db, {"channel": "pwa", "text": "Appeler Paul demain", **result.json()})
    assert capture["mode"] == "text" and capture["status"] == "filed"
    assert capture["actions"][0]["due"] is not None


def test_whisper_down_keeps_audio_and_capture_is_finished_later(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """Whisper down: 503, audio kept, capture pending; Whisper back: that same capture is filed."""
    seed_catalog(db)
    audio = speech_file(SAID, "ogg", tmp_path).read_bytes()
    with glue_service(tmp_path) as (glue, whisper, whisper_state), fake_ollama() as (ollama, url):
        whisper.down()
        refused = glue.post("/v1/transcribe", files={"audio": ("n.ogg", audio, "audio/ogg")})
        assert refused.status_code == 503
        audio_ref = refused.json()["error"]["audio_ref"]
        pending = record(db, {"channel": "whatsapp", "channel_message_id": "wamid.1",
                              "audio_ref": audio_ref, "error": "whisper_unavailable"})  # fmt: skip
        assert pending["status"] == "pending_transcription"

        whisper.up()
        whisper_state.expect(audio, SAID)
        ollama.reply(answer())
        heard = glue.post(f"/v1/transcribe/{audio_ref}")
        assert heard.status_code == 200, heard.text
        with classify_service(pg_dsn, OLLAMA_URL=url) as classify:
            result = classify.post("/v1/classify", json={"text": SAID, "now": NOW}).json()
    done = record(db, {"capture_id": pending["capture_id"], "transcript": SAID, **result})
    assert done["status"] == "filed" and done["created"] is False
    assert done["audio_ref"] == audio_ref
    rows = db.execute("SELECT count(*) AS n FROM assistant.captures").fetchone()
    assert rows is not None and rows["n"] == 1
