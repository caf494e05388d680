"""The capture webhook end to end: real n8n, services, Postgres and loopback fakes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from solo_brain.classify.dates import resolve_due
from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file

pytestmark = pytest.mark.n8n

API_FIELDS = {"capture_id", "transcript", "category", "project", "client_id", "actions",
              "stored_in", "speech", "tts_url"}  # fmt: skip


def _todo(text: str, due_phrase: str) -> dict[str, object]:
    return {"category": "todo", "summary": text,
            "actions": [{"text": text, "due_phrase": due_phrase}]}  # fmt: skip


def test_spoken_wav_todo_becomes_a_calendar_event(stack: Stack, audio_dir: Path) -> None:
    """A spoken WAV gets the full capture JSON back, and its todo is a calendar event on its day."""
    said = "Rappelle-moi d'appeler le garage vendredi."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, said)
    stack.brain.when("garage", answer=_todo("Appeler le garage", "vendredi"))

    response = stack.capture(audio=("note.wav", wav, "audio/wav"), channel="siri", mode="voice")

    assert response.status_code == 200, response.text
    body = response.json()
    assert API_FIELDS <= body.keys()
    assert (body["transcript"], body["category"]) == (said, "todo")
    row = stack.capture_row(body["capture_id"])
    due = resolve_due("vendredi", row["created_at"], "Europe/Paris")
    assert due is not None
    assert body["actions"] == [{"text": "Appeler le garage", "due": due.isoformat()}]
    (event,) = stack.events_of(body["capture_id"])
    assert event["start"] == {"date": due.isoformat()}
    assert f"gcal:{event['id']}" in body["stored_in"]
    assert (row["status"], row["mode"], row["channel"]) == ("filed", "voice", "siri")
    assert body["speech"] and body["tts_url"].startswith(stack.glue_url)
    spoken = httpx.get(body["tts_url"])
    assert spoken.status_code == 200 and spoken.headers["content-type"] == "audio/mpeg"


def test_m4a_from_the_phone_is_transcribed_and_filed(stack: Stack, audio_dir: Path) -> None:
    """An iPhone m4a (AAC) is kept, transcribed, classified and answered in full."""
    said = "Idée : mesurer la latence du NPU avec des modèles quantifiés."
    m4a = speech_file(said, "m4a", audio_dir).read_bytes()
    stack.whisper_state.expect(m4a, said)
    stack.brain.when("latence du npu", answer={"category": "idee_rd", "summary": "Latence NPU"})

    response = stack.capture(audio=("memo.m4a", m4a, "audio/mp4"), channel="siri")

    assert response.status_code == 200, response.text
    body = response.json()
    assert API_FIELDS <= body.keys()
    assert (body["transcript"], body["category"], body["actions"]) == (said, "idee_rd", [])
    assert stack.whisper_state.requests[-1].size == len(m4a)
    assert stack.capture_row(body["capture_id"])["status"] == "filed"


def test_long_note_reaches_onyx_once_even_when_sent_twice(stack: Stack) -> None:
    """A long note is ingested into Onyx under a stable id, once, though the phone retried it."""
    note = "Note technique sur le pipeline vidéo. " + "Le décodeur matériel perd des trames. " * 12
    capture_id = stack.rows("SELECT 'cap_' || assistant.new_ulid() AS id")[0]["id"]

    first = stack.capture(text=note, capture_id=capture_id, channel="pwa")
    again = stack.capture(text=note, capture_id=capture_id, channel="pwa")

    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["capture_id"] == again.json()["capture_id"] == capture_id
    document_id = f"solo-brain-{capture_id}"
    sent = [r for r in stack.onyx.requests if r["document"]["id"] == document_id]
    assert len(sent) == 1
    assert sent[0]["document"]["sections"][0]["text"] == note
    assert sent[0]["document"]["source"] == "ingestion_api"
    assert f"onyx://{document_id}" in again.json()["stored_in"]


def test_claude_code_prompt_reaches_the_matching_session(stack: Stack) -> None:
    """A spoken instruction for a session is handed to the hub's matching session, once."""
    session_id = stack.add_session("thermocam")

    response = stack.capture(text="Pour la session thermocam, ajoute un test du capteur")

    assert response.status_code == 200, response.text
    body = response.json()
    (prompt,) = stack.rows("SELECT * FROM assistant.prompts WHERE session_id = %s", session_id)
    assert prompt["text"] == "ajoute un test du capteur"
    assert f"cc:{session_id}/{prompt['id']}" in body["stored_in"]
    # The fake machine is offline: the hub queues the prompt and says so.
    assert body["speech"].startswith("Prompt pour la session thermocam mis en file")
    assert stack.capture_row(body["capture_id"])["status"] == "filed"


def test_claude_code_prompt_without_matching_session_waits_in_the_inbox(stack: Stack) -> None:
    """No session matches the spoken name: the capture stays in the inbox and the answer says so."""
    response = stack.capture(text="Pour la session zeppelin, relance les tests")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["speech"].endswith("gardé dans l'inbox : aucune session ne correspond.")
    assert stack.capture_row(body["capture_id"])["status"] == "classified"


def test_claude_code_prompt_waits_in_the_inbox_when_the_hub_is_down(stack: Stack) -> None:
    """With no hub running, the prompt is recorded and reported as waiting in the inbox."""
    stack.hub.down()
    try:
        response = stack.capture(text="Pour la session orchestrator, ajoute un endpoint /health")
    finally:
        stack.hub.up()

    assert response.status_code == 200, response.text
    body = response.json()
    assert "orchestrator" in body["speech"] and "inbox" in body["speech"]
    assert "pas joignable" in body["speech"]
    row = stack.capture_row(body["capture_id"])
    assert row["cc_prompt"]["session_hint"] == "orchestrator"
    assert row["status"] == "classified"  # not filed: the prompt still has to reach its session
    assert not any(place.startswith("cc:") for place in body["stored_in"])


def test_request_without_audio_or_text_is_refused(stack: Stack) -> None:
    """A capture with neither audio nor text is a 400 with the error envelope; nothing is stored."""
    before = stack.count_captures()
    response = stack.capture(hint="réunion client")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert stack.count_captures() == before


def test_upload_that_is_not_audio_is_refused(stack: Stack) -> None:
    """A file that is not audio is a 415 and no capture is recorded."""
    before = stack.count_captures()
    response = stack.capture(audio=("notes.txt", b"juste du texte, pas du son", "audio/wav"))
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media"
    assert stack.count_captures() == before


def test_capture_without_the_token_is_refused(stack: Stack) -> None:
    """With CAPTURE_WEBHOOK_TOKEN set, a capture without that bearer token is refused."""
    before = stack.count_captures()
    assert stack.capture(text="Sans jeton", token=None).status_code == 403
    assert stack.capture(text="Mauvais jeton", token="wrong").status_code == 403
    assert stack.count_captures() == before
