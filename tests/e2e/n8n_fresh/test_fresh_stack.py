"""A new user's stack: never-migrated database, nothing configured but the models, WhatsApp and
the hub `solo-brain up` always runs (no Google account, no Onyx, no Gotify). Filing must work and
say only what it did."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from solo_brain.classify.facts import Facts, fallback_speech
from tests.e2e.n8n.stack import Stack, run_stack, wait_for
from tests.fakes.graph import meta_delivery, text_message
from tests.support.audio import speech_file
from tests.support.clock import clear_of_midnight
from tests.support.databases import fresh_database

pytestmark = pytest.mark.n8n

PAUL = {"category": "todo", "summary": "Appeler Paul",
        "actions": [{"text": "Appeler Paul pour le devis", "due_phrase": "demain"}]}  # fmt: skip


@pytest.fixture(scope="module")
def fresh(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack on a database nobody migrated, configured like a new user's."""
    with fresh_database(pg_server_url, "sb_fresh", migrate=False) as dsn:
        with run_stack(dsn, tmp_path_factory.mktemp("fresh-stack"), fresh=True) as stack:
            stack.brain.when("paul", "devis", answer=PAUL)
            yield stack


def test_text_capture_is_filed_and_promises_only_what_was_done(fresh: Stack) -> None:
    """The issue's capture: filed at once, the action noted, the calendar skipped, not failed."""
    response = fresh.capture(text="Rappelle-moi d'appeler Paul demain pour le devis")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "filed"
    assert body["speech"] == "Capté, tâche notée pour demain."
    assert body["tts_url"] and body["actions"][0]["text"] == "Appeler Paul pour le devis"
    (event,) = wait_for(
        lambda: [d for d in fresh.deliveries_of(body["capture_id"]) if d["state"] != "pending"],
        what="the calendar delivery",
    )
    assert (event["kind"], event["state"]) == ("calendar_event", "skipped")
    assert event["last_error"] == "not configured (set GOOGLE_CLIENT_ID)"
    assert fresh.calendar.requests == []


def test_spoken_capture_with_a_due_date_is_answered_in_time(fresh: Stack, audio_dir: Path) -> None:
    """A voice note with a date: answered within the budget, filed, with audio, action stored."""
    said = "Rappelle-moi d'appeler Paul demain pour le devis."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    fresh.whisper_state.expect(wav, said)

    started = time.monotonic()
    response = fresh.capture(audio=("note.wav", wav, "audio/wav"), channel="siri")
    answered = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert answered < fresh.settings.capture_time_budget_s
    body = response.json()
    assert (body["status"], body["transcript"]) == ("filed", said)
    assert body["tts_url"].startswith(fresh.glue_url)
    (action,) = fresh.rows("SELECT * FROM assistant.actions WHERE capture_id = %s",
                           body["capture_id"])  # fmt: skip
    assert action["due"] is not None and action["due"].isoformat() == body["actions"][0]["due"]


def test_whatsapp_text_with_a_date_gets_exactly_one_reply(fresh: Stack) -> None:
    """A WhatsApp note with a date is answered once, though the calendar is not set up."""
    number = "33655512345"
    message = text_message("Rappelle-moi d'appeler Paul demain pour le devis", sender=number)

    response = fresh.whatsapp(meta_delivery([message], contact=(number, "Solo")))

    assert response.status_code == 200, response.text
    (reply,) = wait_for(lambda: [m for m in fresh.graph.sent if m["to"] == number],
                        what="the WhatsApp reply")  # fmt: skip
    assert reply["text"]["body"] == "Capté, tâche notée pour demain."
    fresh.wait_idle(("sbWhatsAppInbox0", "sbCaptureProcess", "sbDeliverCapture"))
    assert len([m for m in fresh.graph.sent if m["to"] == number]) == 1


def test_client_briefing_without_a_calendar_says_so_and_never_fails(fresh: Stack) -> None:
    """With no Google Calendar the client-briefing schedule runs, logs why it does nothing and
    never fails (no failed execution reaches the audit log)."""
    said = "client briefing: Google Calendar is not set up (GOOGLE_CLIENT_ID)"
    wait_for(lambda: said in fresh.log_path.read_text(errors="replace"), 30,
             what="the client briefing's log line")  # fmt: skip
    failed = fresh.rows("SELECT subject FROM assistant.audit_log WHERE action = "
                        "'workflow.failed' AND subject = 'client-briefing'")  # fmt: skip
    assert failed == [] and fresh.rows("SELECT * FROM assistant.client_briefings") == []


def test_a_question_without_model_nor_calendar_is_answered_from_postgres(fresh: Stack) -> None:
    """Ollama down, no Google account: the rules see the question and the facts are said as is."""
    tz = ZoneInfo("Europe/Paris")
    clear_of_midnight()  # "demain" for the test and for the rules
    tomorrow = datetime.now(tz).date() + timedelta(days=1)
    seeded = {"text": "Signer le bail", "category": "admin", "summary": "Bail",
              "actions": [{"text": "Signer le bail", "due": tomorrow.isoformat()}]}  # fmt: skip
    (kept,) = fresh.rows("SELECT assistant.record_capture(%s::jsonb)->>'capture_id' AS id",
                         json.dumps(seeded))  # fmt: skip
    fresh.rows("UPDATE assistant.captures SET confirmation = 'answered' WHERE id = %s "
               "RETURNING id", kept["id"])  # fmt: skip
    at_nine = datetime.combine(tomorrow, datetime.min.time(), tz).replace(hour=9)
    fresh.calendar.events.setdefault("solo@example.com", []).append({
        "id": "unseen", "summary": "Jamais listé", "start": {"dateTime": at_nine.isoformat()},
        "end": {"dateTime": (at_nine + timedelta(hours=1)).isoformat()}})  # fmt: skip
    fresh.ollama.fail_with = 500
    try:
        response = fresh.capture(text="Qu'est-ce que j'ai demain ?", channel="siri")
    finally:
        fresh.ollama.fail_with = None

    assert response.status_code == 200, response.text
    body = response.json()
    row = fresh.capture_row(body["capture_id"])
    actions = fresh.rows("SELECT text, due FROM assistant.actions WHERE NOT done AND due = %s "
                         "ORDER BY id", tomorrow)  # fmt: skip
    facts = Facts.model_validate({"today": tomorrow - timedelta(days=1), "actions": actions,
                                  "period": {"start": tomorrow, "end": tomorrow}})  # fmt: skip
    assert (body["status"], body["category"], body["actions"]) == ("filed", "question", [])
    assert body["speech"] == fallback_speech(facts, "Europe/Paris")
    assert "Signer le bail" in [a["text"] for a in actions]
    assert "Jamais listé" not in body["speech"]
    assert (row["classifier"], row["needs_review"]) == ("heuristic", True)
    assert fresh.deliveries_of(body["capture_id"]) == []
