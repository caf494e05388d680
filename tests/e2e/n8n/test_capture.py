"""The capture webhook end to end: real n8n, services, Postgres and loopback fakes."""

from __future__ import annotations

import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from solo_brain.classify.dates import resolve_due
from solo_brain.classify.speech import spoken_date
from solo_brain.mesh.store.tokens import create_token
from tests.e2e.n8n.stack import Stack, wait_for
from tests.support.audio import speech_file
from tests.support.n8n_report import failed_runs, mark

pytestmark = pytest.mark.n8n

API_FIELDS = {"capture_id", "transcript", "category", "project", "client_id", "actions",
              "stored_in", "speech", "tts_url"}  # fmt: skip


def _todo(text: str, due_phrase: str) -> dict[str, object]:
    return {"category": "todo", "summary": text,
            "actions": [{"text": text, "due_phrase": due_phrase}]}  # fmt: skip


def test_spoken_wav_todo_becomes_a_calendar_event(stack: Stack, audio_dir: Path) -> None:
    """A spoken WAV is answered filed with its audio; its todo then becomes a calendar event."""
    said = "Rappelle-moi d'appeler le garage vendredi."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, said)
    stack.brain.when("garage", answer=_todo("Appeler le garage", "vendredi"))

    response = stack.capture(audio=("note.wav", wav, "audio/wav"), channel="siri", mode="voice")

    assert response.status_code == 200, response.text
    body = response.json()
    assert API_FIELDS <= body.keys()
    assert (body["transcript"], body["category"], body["status"]) == (said, "todo", "filed")
    row = stack.capture_row(body["capture_id"])
    due = resolve_due("vendredi", row["created_at"], "Europe/Paris")
    assert due is not None
    assert body["actions"] == [
        {"text": "Appeler le garage", "due": due.isoformat(), "due_time": None}
    ]
    today = row["created_at"].astimezone(ZoneInfo("Europe/Paris")).date()
    assert body["speech"] == f"Capté, tâche notée pour {spoken_date(due, today)}."
    assert (row["mode"], row["channel"]) == ("voice", "siri")
    assert body["tts_url"].startswith(stack.glue_url)
    spoken = httpx.get(body["tts_url"])
    assert spoken.status_code == 200 and spoken.headers["content-type"] == "audio/mpeg"
    (event,) = wait_for(lambda: stack.events_of(body["capture_id"]), what="the calendar event")
    assert event["start"] == {"date": due.isoformat()}
    wait_for(lambda: f"gcal:{event['id']}" in stack.answer_of(body["capture_id"])["stored_in"],
             what="the event in stored_in")  # fmt: skip


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
    assert stack.whisper_state.heard(m4a)  # the phone's very bytes
    assert body["status"] == stack.capture_row(body["capture_id"])["status"] == "filed"


def test_long_note_reaches_onyx_once_even_when_sent_twice(stack: Stack) -> None:
    """A long note is ingested into Onyx under a stable id, once, though the phone retried it."""
    note = "Note technique sur le pipeline vidéo. " + "Le décodeur matériel perd des trames. " * 12
    capture_id = stack.rows("SELECT 'cap_' || assistant.new_ulid() AS id")[0]["id"]

    first = stack.capture(text=note, capture_id=capture_id, channel="pwa")
    again = stack.capture(text=note, capture_id=capture_id, channel="pwa")

    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["capture_id"] == again.json()["capture_id"] == capture_id
    document_id = f"solo-brain-{capture_id}"
    wait_for(lambda: f"onyx://{document_id}" in stack.answer_of(capture_id)["stored_in"],
             what="the Onyx document")  # fmt: skip
    stack.wait_retry_runs()
    sent = [r for r in stack.onyx.requests if r["document"]["id"] == document_id]
    assert len(sent) == 1
    assert sent[0]["document"]["sections"][0]["text"] == note
    assert sent[0]["document"]["source"] == "ingestion_api"


def test_claude_code_prompt_reaches_the_matching_session(stack: Stack) -> None:
    """A spoken instruction for a session is handed to the hub's matching session, once."""
    session_id = stack.add_session("thermocam")

    response = stack.capture(text="Pour la session thermocam, ajoute un test du capteur")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["speech"] == "Prompt pour la session thermocam noté."
    assert body["status"] == "filed"
    (place,) = wait_for(lambda: [p for p in stack.answer_of(body["capture_id"])["stored_in"]
                                 if p.startswith("cc:")], what="the prompt delivered")  # fmt: skip
    (prompt,) = stack.rows("SELECT * FROM assistant.prompts WHERE session_id = %s", session_id)
    assert prompt["text"] == "ajoute un test du capteur"
    assert place == f"cc:{session_id}/{prompt['id']}"


def test_claude_code_prompt_without_matching_session_fails_once_and_says_so(
    stack: Stack,
) -> None:
    """No session matches the spoken name: the capture is filed, its prompt fails, one push."""
    response = stack.capture(text="Pour la session zeppelin, relance les tests")

    assert response.status_code == 200, response.text
    capture_id = response.json()["capture_id"]
    assert response.json()["status"] == "filed"
    (prompt,) = wait_for(lambda: [d for d in stack.deliveries_of(capture_id, "cc_prompt")
                                  if d["state"] == "failed"], what="the failed prompt")  # fmt: skip
    assert prompt["last_error"].startswith("HTTP 404")
    assert stack.gotify.wait_for(lambda m: "Le prompt Claude Code" in m["message"]
                                 and capture_id in m["message"])  # fmt: skip


def test_claude_code_prompt_waits_while_the_hub_is_down_then_reaches_it_once(
    stack: Stack,
) -> None:
    """With the hub down the prompt waits, pending (the workflows reach the deliveries through
    the hub, a required part of the stack); once it is back, it arrives once."""
    session_id = stack.add_session("orchestrator")
    since = mark(stack)
    stack.hub.down()
    try:
        response = stack.capture(text="Pour la session orchestrator, ajoute un endpoint /health")
        assert response.status_code == 200, response.text
        capture_id = response.json()["capture_id"]
        assert response.json()["status"] == "filed"
        # deliver, then retry-pending (every 2 s) find the hub down a few times
        wait_for(lambda: failed_runs(stack, "sbRetryPending00", since) >= 2, 60,
                 what="retry-pending to find the hub down twice")  # fmt: skip
        (waiting,) = stack.deliveries_of(capture_id, "cc_prompt")
        assert waiting["state"] == "pending"
    finally:
        stack.hub.up()

    wait_for(lambda: stack.deliveries_of(capture_id, "cc_prompt")[0]["state"] == "done",
             timeout=40, what="the prompt delivered")  # fmt: skip
    prompts = stack.rows("SELECT * FROM assistant.prompts WHERE session_id = %s", session_id)
    assert [p["text"] for p in prompts] == ["ajoute un endpoint /health"]


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


def test_a_phone_token_files_straight_and_through_the_hub(stack: Stack) -> None:
    """Without nginx: a phone's token of scope capture is let in by the filing service, straight
    to n8n and through the hub's /api/capture (which hands n8n the capture webhook's token)."""
    with psycopg.connect(stack.dsn) as conn:
        _, phone = create_token(conn, "capture", f"phone-{uuid.uuid4().hex[:6]}")
    straight = stack.capture(text="Note directe du téléphone", token=phone)
    assert straight.status_code == 200, straight.text
    assert straight.json()["status"] == "filed"
    via_hub = httpx.post(f"{stack.hub.url}/api/capture", data={"text": "Note par le hub"},
                         headers={"Authorization": f"Bearer {phone}"}, timeout=30)  # fmt: skip
    assert via_hub.status_code == 200, via_hub.text
    assert via_hub.json()["status"] == "filed"
    assert stack.capture_row(via_hub.json()["capture_id"])["text"] == "Note par le hub"


def test_capture_while_the_filing_service_is_down_is_a_503_then_filed_once(stack: Stack) -> None:
    """classify not answering: the webhook says so (503 service_unavailable), records nothing;
    the same capture_id sent again once it is back is filed, once."""
    capture_id = stack.rows("SELECT 'cap_' || assistant.new_ulid() AS id")[0]["id"]
    count = "SELECT count(*) AS n FROM assistant.captures WHERE id = %s"
    assert stack.classify is not None
    stack.classify.down()
    try:
        refused = stack.capture(text="Note pendant la panne", capture_id=capture_id)
        recorded = stack.rows(count, capture_id)
    finally:
        stack.classify.up()
    again = stack.capture(text="Note pendant la panne", capture_id=capture_id)

    assert refused.status_code == 503, refused.text
    error = refused.json()["error"]
    assert error["code"] == "service_unavailable" and "same capture_id" in error["message"]
    assert recorded == [{"n": 0}]
    assert again.status_code == 200, again.text
    assert (again.json()["capture_id"], again.json()["status"]) == (capture_id, "filed")
    assert stack.rows(count, capture_id) == [{"n": 1}]
