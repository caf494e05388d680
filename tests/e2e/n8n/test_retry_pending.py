"""Nothing is lost when Whisper is down: the capture waits in the inbox and is retried."""

from __future__ import annotations

from pathlib import Path

import pytest

from solo_brain.classify.speech import LONG_NOTE, NOTHING_HEARD
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


def kept_while_whisper_is_down(stack: Stack, wav: bytes) -> str:
    """Capture a voice note while Whisper is down (kept, pending), then bring Whisper back;
    the capture's id."""
    stack.whisper.down()
    try:
        response = stack.capture(audio=("memo.wav", wav, "audio/wav"), channel="siri")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "pending_transcription"
        return str(response.json()["capture_id"])
    finally:
        stack.whisper.up()


def notified(stack: Stack, capture_id: str, *, timeout: float, what: str) -> dict:
    """The capture once its outcome was told by notification (a retry's)."""

    def told() -> dict | None:
        found = stack.capture_row(capture_id)
        return found if found["confirmation"] == "notified" else None

    return wait_for(told, timeout=timeout, what=what)


def test_a_long_voice_memo_kept_while_whisper_was_down_is_filed_whole_by_the_retry(
    stack: Stack, audio_dir: Path
) -> None:
    """A 25-minute memo (over 27 000 characters) kept while Whisper was down: retry-pending's
    capture-process classifies it from its beginning (classify's /v1/classify, no 400), files it
    with the whole transcript, sends all of it to Onyx and says so in French."""
    memo = "Pour le projet imx8 mesurer la consommation du NPU en charge. " * 440 + "Fin du mémo."
    wav = speech_file("Mémo sur le NPU.", "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, memo)
    stack.brain.when(
        "consommation du npu",
        answer={"category": "note_tech", "summary": "Mesures NPU", "actions": []},
    )
    capture_id = kept_while_whisper_is_down(stack, wav)
    row = notified(stack, capture_id, timeout=90, what="retry-pending to file the long memo")
    assert (row["status"], row["category"], row["transcript"]) == ("filed", "note_tech", memo)
    assert row["needs_review"] and LONG_NOTE in row["speech"]
    document_id = f"solo-brain-{capture_id}"
    wait_for(lambda: [r for r in stack.onyx.requests if r["document"]["id"] == document_id],
             what="the Onyx document")  # fmt: skip
    [sent] = [r for r in stack.onyx.requests if r["document"]["id"] == document_id]
    assert sent["document"]["sections"][0]["text"] == memo


def test_a_silent_voice_note_kept_while_whisper_was_down_is_refused_once_by_the_retry(
    stack: Stack, audio_dir: Path
) -> None:
    """A voice note kept while Whisper was down in which Whisper, back, hears no words:
    retry-pending's capture-process gives it up at once (failed, the reason, the French
    sentence told by notification, audio kept), and no later run retries it."""
    wav = speech_file("Un mémo sans parole.", "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, "")
    capture_id = kept_while_whisper_is_down(stack, wav)
    row = notified(stack, capture_id, timeout=60, what="retry-pending to give the silent note up")
    assert (row["status"], row["transcript"], row["speech"]) == ("failed", "", NOTHING_HEARD)
    assert row["last_error"].startswith("refused: ") and "no words" in row["last_error"]
    assert row["audio_ref"] and row["next_attempt_at"] is None
    assert stack.gotify.wait_for(lambda m: NOTHING_HEARD in m["message"])
    attempts = row["attempts"]
    stack.wait_retry_runs()
    assert stack.capture_row(capture_id)["attempts"] == attempts
