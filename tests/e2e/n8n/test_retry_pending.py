"""Nothing is lost when Whisper is down: the capture waits in the inbox and is retried."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.n8n.stack import Stack, wait_for
from tests.support.audio import speech_file

pytestmark = pytest.mark.n8n


def test_whisper_down_keeps_capture_then_retry_files_it_once(stack: Stack, audio_dir: Path) -> None:
    """Whisper down: "kept in inbox" and a pending row; Whisper back: filed, delivered once."""
    said = "Rendez-vous chez le dentiste demain."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, said)
    stack.brain.when("dentiste", answer={"category": "perso", "summary": "Dentiste",
        "actions": [{"text": "Aller chez le dentiste", "due_phrase": "demain"}]})  # fmt: skip
    stack.whisper.down()
    try:
        response = stack.capture(audio=("note.wav", wav, "audio/wav"), channel="siri")
        assert response.status_code == 200, response.text
        body = response.json()
        assert "inbox" in body["speech"] and body["status"] == "pending_transcription"
        row = stack.capture_row(body["capture_id"])
        assert row["status"] == "pending_transcription" and row["audio_ref"]
        assert row["transcript"] is None and row["attempts"] >= 1 and row["last_error"]
    finally:
        stack.whisper.up()

    def notified() -> dict | None:
        found = stack.capture_row(body["capture_id"])
        return found if found["confirmation"] == "notified" else None

    row = wait_for(notified, timeout=60, what="retry-pending to file the capture and tell it")
    assert (row["status"], row["transcript"], row["category"]) == ("filed", said, "perso")
    assert stack.gotify.wait_for(lambda m: row["tts_url"] in m["message"])
    wait_for(lambda: stack.events_of(body["capture_id"]), what="the calendar event")
    stack.wait_retry_runs()  # two more runs: a filed capture is never filed or delivered again
    assert len(stack.events_of(body["capture_id"])) == 1
    assert len([m for m in stack.gotify.messages if row["tts_url"] in m["message"]]) == 1
