"""A voice note's words are the input: a long dictation (a 25-minute memo transcribes to more
than 20 000 characters) is filed with its whole transcript kept, classified from its beginning
and said so in French; a voice note in which Whisper heard no words is given up at once (failed,
told in French, a 422 outcome), never retried. Real classify, glue and Postgres; Whisper, Ollama
and Kokoro are the loopback fakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from solo_brain.classify.models import READ_CHARS
from solo_brain.classify.speech import LONG_NOTE, NOTHING_HEARD
from tests.integration.test_filing_refused_input import retried, row, stack
from tests.support.audio import tone_wav
from tests.support.classify import answer

# About 25 minutes of dictation: ~3 800 words, over 27 000 characters.
SENTENCE = "Pour le projet imx8 il faut encore mesurer la consommation du NPU en charge. "
MEMO = SENTENCE * 360 + "Dernier point : rappeler le fournisseur des optiques."


def file_voice_note(http: httpx.Client, glue: httpx.Client) -> dict[str, Any]:
    """Keep a voice note with the glue, then file it in one call, waiting for its end."""
    kept = glue.post("/v1/audio", files={"audio": ("n.wav", tone_wav(1.0), "audio/wav")})
    assert kept.status_code == 200, kept.text
    body = {"request": {"mode": "voice"}, "audio_ref": kept.json()["audio_ref"], "wait": True,
            "long_note_chars": 600}  # fmt: skip
    got = http.post("/v1/filings", json=body)
    assert got.status_code == 200, got.text
    outcome: dict[str, Any] = got.json()
    return outcome


def deliveries(pg_dsn: str, capture_id: str) -> list[str]:
    """The kinds of the deliveries planned for a capture."""
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        found = conn.execute(
            "SELECT kind FROM assistant.deliveries WHERE capture_id = %s ORDER BY kind",
            (capture_id,),
        )
        return [d["kind"] for d in found.fetchall()]


def test_a_25_minute_voice_memo_is_filed_whole_from_its_beginning_and_said_so(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """A transcript over what the classifier reads is no error: the model reads its beginning
    only, the capture is filed with the whole transcript (and goes to Onyx as a long note),
    marked to review, and the French answer says it was classified from its beginning."""
    assert len(MEMO) > 25_000
    with stack(pg_dsn, tmp_path, MEMO) as (http, glue, ollama):
        ollama.reply(answer(category="note_tech", actions=[]))
        outcome = file_voice_note(http, glue)
        [chat] = ollama.chats
    assert (outcome["status_code"], outcome["deferred"]) == (200, False), outcome
    said = outcome["answer"]
    assert said["status"] == "filed" and LONG_NOTE in said["speech"], said
    prompt = chat["messages"][-1]["content"]
    assert SENTENCE in prompt and "Dernier point" not in prompt
    assert len(prompt) < READ_CHARS + 2000
    stored = row(pg_dsn, outcome["capture_id"])
    assert (stored["status"], stored["transcript"]) == ("filed", MEMO)
    assert stored["needs_review"] and stored["category"] == "note_tech"
    assert deliveries(pg_dsn, outcome["capture_id"]) == ["onyx_document"]
    assert retried(pg_dsn) == []


def test_a_voice_note_without_words_is_given_up_at_once_and_told(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """Whisper hears nothing (silence): no model asked, no retry, a 422 outcome; the capture is
    failed with its audio kept and the reason, and the French answer says nothing was heard."""
    with stack(pg_dsn, tmp_path, "") as (http, glue, ollama):
        outcome = file_voice_note(http, glue)
        assert ollama.chats == []
    assert (outcome["status_code"], outcome["running"]) == (422, False), outcome
    said = outcome["answer"]
    assert (said["status"], said["speech"]) == ("failed", NOTHING_HEARD)
    assert said["error"]["code"] == "refused_input"
    stored = row(pg_dsn, outcome["capture_id"])
    assert stored["status"] == "failed" and stored["audio_ref"]
    assert stored["last_error"].startswith("refused: ") and "no words" in stored["last_error"]
    assert stored["attempts"] == 0
    assert retried(pg_dsn) == []
