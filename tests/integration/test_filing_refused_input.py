"""A filing that the capture's own data breaks inside the running task (a transcript with a NUL
character, an action longer than its column allows) ends at once with a 422 outcome recorded
on the capture (failed, the reason, a French sentence), nothing half-stored and never retried;
a database outage stays a 503. Real classify, glue and Postgres; Whisper, Ollama and Kokoro
are the loopback fakes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from solo_brain.classify.speech import REFUSED
from solo_brain.glue.app import create_app as create_glue
from tests.fakes.kokoro import run_kokoro
from tests.fakes.ollama import OllamaState
from tests.fakes.server import serve
from tests.fakes.whisper import WhisperState, run_whisper
from tests.integration.test_filing_api import new_id
from tests.support.audio import tone_wav
from tests.support.classify import answer, classify_service, fake_ollama, seed_catalog
from tests.support.settings import glue_settings
from tests.support.stoppable_pg import stoppable_postgres
from tests.support.wait import wait_for

WHISPER: list[WhisperState] = []  # the running stack's Whisper, for a test to slow it down


@contextmanager
def stack(
    pg_dsn: str, tmp_path: Path, transcript: str, **glue_values: Any
) -> Iterator[tuple[httpx.Client, httpx.Client, OllamaState]]:
    """classify in front of the real glue (Whisper hearing `transcript`; `glue_values`: its
    settings), Kokoro and Ollama."""
    whisper_state = WhisperState(default_transcript=transcript)
    WHISPER[:] = [whisper_state]
    with (
        run_whisper(whisper_state) as (whisper, _),
        run_kokoro() as (kokoro, _),
        fake_ollama() as (
            ollama,
            ollama_url,
        ),
    ):
        settings = glue_settings(
            whisper_url=whisper.url,
            kokoro_url=kokoro.url,
            media_dir=tmp_path / "media",
            **glue_values,
        )
        with (
            serve(create_glue(settings)) as glue_url,
            httpx.Client(base_url=glue_url, timeout=30) as glue,
            classify_service(pg_dsn, OLLAMA_URL=ollama_url, GLUE_URL=glue_url) as http,
        ):
            yield http, glue, ollama


def row(pg_dsn: str, capture_id: str) -> dict[str, Any]:
    """The stored capture, with its number of actions."""
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        found = conn.execute(
            "SELECT c.*, (SELECT count(*) FROM assistant.actions a WHERE a.capture_id = c.id)"
            " AS actions FROM assistant.captures c WHERE c.id = %s",
            (capture_id,),
        ).fetchone()
    return found or {}


def retried(pg_dsn: str) -> list[str]:
    """What retry-pending would take now (no grace period)."""
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        taken = conn.execute("SELECT * FROM assistant.claim_retries('{\"grace_s\": 0}')")
        return [r["capture_id"] for r in taken.fetchall()]


def assert_refused(outcome: dict[str, Any]) -> None:
    """A 422 outcome: the capture's answer (failed, the French sentence) and the envelope."""
    assert (outcome["status_code"], outcome["deferred"], outcome["running"]) == (422, False, False)
    body = outcome["answer"]
    assert (body["status"], body["speech"]) == ("failed", REFUSED), body
    assert body["error"]["code"] == "refused_input"
    assert "not retried" in body["error"]["message"]


def test_a_transcript_the_database_refuses_fails_the_capture_at_once(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """Whisper hears a NUL character: no 503 "database down" but a 422 outcome, the capture
    failed with the reason and told in French, no transcript half-stored, never retried."""
    with stack(pg_dsn, tmp_path, "Rappeler\x00 Dupont") as (http, glue, ollama):
        kept = glue.post("/v1/audio", files={"audio": ("n.wav", tone_wav(1.0), "audio/wav")})
        assert kept.status_code == 200, kept.text
        request = {"request": {"mode": "voice"}, "audio_ref": kept.json()["audio_ref"]}
        got = http.post("/v1/filings", json=request)
        assert got.status_code == 200, got.text
        assert_refused(got.json())
        assert ollama.chats == []
    stored = row(pg_dsn, got.json()["capture_id"])
    assert (stored["status"], stored["transcript"], stored["confirmation"]) == (
        "failed", None, "answered",
    )  # fmt: skip
    assert stored["last_error"].startswith("refused: ") and stored["speech"] == REFUSED
    assert retried(pg_dsn) == []


def test_a_classification_the_database_refuses_fails_the_capture_and_a_retry_is_told_the_same(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """The model's answer carries a NUL character (in an action): the capture is failed with
    nothing filed (no category, no action), and sending it again answers the same 422 without
    asking the model again."""
    seed_catalog(db)
    capture_id = new_id()
    request = {"request": {"text": "Rappeler Dupont pour le devis", "capture_id": capture_id}}
    with stack(pg_dsn, tmp_path, "") as (http, _, ollama):
        ollama.reply(
            answer(category="todo", actions=[{"text": "Rappeler\x00", "due_phrase": None}])
        )
        first = http.post("/v1/filings", json=request)
        again = http.post("/v1/filings", json=request)
        assert len(ollama.chats) == 1
    assert_refused(first.json())
    assert_refused(again.json())
    stored = row(pg_dsn, capture_id)
    assert (stored["status"], stored["category"], stored["actions"]) == ("failed", None, 0)
    assert "cannot store this text" in stored["last_error"]
    assert retried(pg_dsn) == []


def test_a_database_outage_during_the_filing_stays_a_503_and_the_capture_is_retried(
    tmp_path: Path,
) -> None:
    """Postgres stopping while Whisper listens is no refusal: the caller gets the 503 it may
    send again, and the capture, still pending and not failed, is what retry-pending takes."""
    with stoppable_postgres() as pg, stack(pg.url, tmp_path, "Rappeler Dupont") as (
        http, glue, _,
    ):  # fmt: skip
        kept = glue.post("/v1/audio", files={"audio": ("n.wav", tone_wav(1.0), "audio/wav")})
        request = {"request": {"mode": "voice"}, "audio_ref": kept.json()["audio_ref"]}
        WHISPER[0].latency_s = 3.0
        with ThreadPoolExecutor(1) as pool:
            sent = pool.submit(http.post, "/v1/filings", json=request)
            wait_for(lambda: WHISPER[0].requests, 20, what="the transcription to start")
            pg.stop()
            got = sent.result()
        pg.start()
        assert got.status_code == 503, got.text
        assert got.json()["error"]["code"] == "database_unavailable"
        with psycopg.connect(pg.url, row_factory=dict_row) as conn:
            [stored] = conn.execute("SELECT status, last_error FROM assistant.captures").fetchall()
        assert stored == {"status": "pending_transcription", "last_error": None}
        assert len(retried(pg.url)) == 1
