"""A long voice memo gets a Whisper time limit in proportion to its duration (between
WHISPER_TIMEOUT_S and WHISPER_TIMEOUT_MAX_S), and one slower than the phone's budget is answered
"on it" and filed afterwards. The fake Whisper takes a time in proportion to the audio's length,
as a real model does. Real glue, classify and Postgres."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import psycopg

from solo_brain.classify.filing_steps import FilingSteps
from solo_brain.classify.service import ClassifyService
from solo_brain.classify.speech import ON_IT
from solo_brain.db import open_pool
from solo_brain.glue.duration import LOWEST_BITRATE_BYTES_S, audio_seconds, whisper_limit
from tests.integration.test_filing_long_note import MEMO
from tests.integration.test_filing_refused_input import WHISPER, row, stack
from tests.integration.test_glue_transcribe import glue_service, upload
from tests.support.audio import speech_file, tone_wav
from tests.support.classify import answer
from tests.support.sql import call, rows
from tests.support.wait import wait_for

# A short note's floor, and Whisper's pace: 0.25 s per second of audio (an 8 s memo: 2 s).
FLOOR_S, PACE = 0.5, 0.25


def test_the_limit_grows_with_the_duration_between_its_floor_and_its_ceiling() -> None:
    """ratio × duration, never under the floor (nor with an unknown duration), never over
    the ceiling."""
    assert whisper_limit(1500.0, 30.0, 1.0, 3600.0) == 1500.0
    assert whisper_limit(5.0, 30.0, 1.0, 3600.0) == 30.0
    assert whisper_limit(None, 30.0, 1.0, 3600.0) == 30.0
    assert whisper_limit(7200.0, 30.0, 1.0, 3600.0) == 3600.0
    assert whisper_limit(600.0, 30.0, 0.5, 3600.0) == 300.0


async def test_the_duration_comes_from_the_file_or_is_bounded_by_its_size(
    tmp_path: Path,
) -> None:
    """ffprobe reads a compressed memo's duration; bytes no header describes are bounded from
    their size at the lowest speech bitrate."""
    ogg = speech_file("Un mémo assez court.", "ogg", tmp_path)
    played = await audio_seconds(ogg, ogg.read_bytes())
    assert played is not None and 0.5 < played < 5
    unknown = tmp_path / "unknown.bin"
    unknown.write_bytes(b"\x00" * 32_000)
    assert await audio_seconds(unknown, unknown.read_bytes()) == 32_000 / LOWEST_BITRATE_BYTES_S


def test_a_long_memo_is_given_time_in_proportion_to_its_length(tmp_path: Path) -> None:
    """An 8 s memo Whisper needs 2 s for is transcribed although a short note gets 0.5 s;
    a short one still gets the floor, and Whisper past the ceiling is given up, audio kept."""
    settings = {"whisper_timeout_s": FLOOR_S, "whisper_timeout_ratio": 0.5,
                "whisper_timeout_max_s": 3.0}  # fmt: skip
    with glue_service(tmp_path, **settings) as glue:
        glue.state.seconds_per_audio_s = PACE
        long = upload(glue, tone_wav(8.0), "memo.wav", "audio/wav")
        assert long.status_code == 200, long.text
        assert long.json()["duration_s"] == 8.0
        short = upload(glue, tone_wav(1.0), "note.wav", "audio/wav")
        assert short.status_code == 200, short.text
        glue.state.seconds_per_audio_s = 1.0  # 8 s for an 8 s memo: over the 3 s ceiling
        cut = upload(glue, tone_wav(8.0), "memo.wav", "audio/wav")
        assert cut.status_code == 503
        error = cut.json()["error"]
        assert "within 3 s" in error["message"] and error["audio_ref"]
        again = glue.http.post(f"/v1/transcribe/{error['audio_ref']}")
        assert again.status_code == 503 and "within 3 s" in again.json()["error"]["message"]


def test_a_memo_slower_than_the_budget_is_answered_on_it_then_filed(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """The phone hears "on it" at its budget while Whisper works through a long memo (over the
    short-note limit); the memo is then filed whole and the outcome notified, not left pending."""
    glue_values = {"whisper_timeout_s": FLOOR_S, "whisper_timeout_ratio": 0.5}
    with stack(pg_dsn, tmp_path, MEMO, **glue_values) as (http, glue, ollama):
        WHISPER[0].seconds_per_audio_s = PACE
        ollama.reply(answer(category="note_tech", actions=[]))
        kept = glue.post("/v1/audio", files={"audio": ("m.wav", tone_wav(8.0), "audio/wav")})
        assert kept.status_code == 200, kept.text
        body = {"request": {"mode": "voice", "channel": "siri"},
                "audio_ref": kept.json()["audio_ref"], "budget_s": 1}  # fmt: skip
        outcome = http.post("/v1/filings", json=body).json()
        assert (outcome["deferred"], outcome["running"]) == (True, True), outcome
        assert outcome["answer"]["speech"] == ON_IT
        assert outcome["answer"]["status"] == "pending_transcription"
        capture_id = outcome["capture_id"]

        def notified() -> dict[str, Any] | None:
            found = row(pg_dsn, capture_id)
            return found if found.get("confirmation") == "notified" else None

        filed = wait_for(notified, timeout=30, what="the long memo to be filed and notified")
    assert (filed["status"], filed["transcript"], filed["attempts"]) == ("filed", MEMO, 0)


async def test_a_first_pass_waiting_on_a_long_memo_is_never_taken_as_abandoned(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """While Whisper works through a long memo, the filing touches its capture every beat:
    retry-pending's grace (here 1 s, for a 2 s transcription) never takes it meanwhile, and
    the transcript is then recorded."""
    glue_values = {"whisper_timeout_s": FLOOR_S, "whisper_timeout_ratio": 0.5}
    with glue_service(tmp_path, **glue_values) as glue:
        glue.state.seconds_per_audio_s, glue.state.default_transcript = PACE, MEMO
        kept = glue.http.post("/v1/audio", files={"audio": ("m.wav", tone_wav(8.0), "audio/wav")})
        audio_ref = kept.json()["audio_ref"]
        received = call(db, "receive_capture", {"audio_ref": audio_ref, "channel": "siri"})
        capture = {"id": received["capture_id"], "audio_ref": audio_ref}
        pool = await open_pool(pg_dsn, min_size=1, max_size=2)
        try:
            async with httpx.AsyncClient(base_url=str(glue.http.base_url)) as http:
                service = ClassifyService(pool, default_tz="Europe/Paris", ollama=None,
                                          external=None)  # fmt: skip
                steps = FilingSteps(pool, http, service, "Europe/Paris", heartbeat_s=0.2)
                transcribing = asyncio.create_task(steps.transcribe(capture))
                taken: list[Any] = []
                while not transcribing.done():
                    await asyncio.sleep(0.3)
                    taken += rows(db, "claim_retries", {"grace_s": 1})
                recorded, error = await transcribing
        finally:
            await pool.close()
    assert error is None and recorded["transcript"] == MEMO
    assert taken == []
