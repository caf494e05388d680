"""Deliveries through the real n8n: a failing destination never blocks filing, retries never
duplicate, and a destination refusing for good is told once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.n8n.stack import Stack, wait_for

pytestmark = pytest.mark.n8n

LONG = "Compte rendu de l'atelier capteurs. " + "Les mesures dérivent avec la température. " * 10


def _failure_notes(stack: Stack, capture_id: str) -> list[dict]:
    title = "Solo Brain : envoi impossible"
    return [m for m in stack.gotify.messages
            if m["title"] == title and capture_id in m["message"]]  # fmt: skip


def _settled(stack: Stack, capture_id: str, kind: str) -> dict:
    """The capture's delivery of this kind once it is no longer pending."""
    (found,) = wait_for(lambda: [d for d in stack.deliveries_of(capture_id, kind)
                                 if d["state"] != "pending"], timeout=60,
                        what=f"the {kind} delivery to settle")  # fmt: skip
    return found


def test_calendar_down_twice_the_capture_is_filed_at_once_and_one_event_follows(
    stack: Stack,
) -> None:
    """Google answers 503 twice then 200: filed in the answer, then exactly one event."""
    stack.brain.when("banque", answer={"category": "admin", "summary": "Banque", "actions": [
        {"text": "Appeler la banque", "due_phrase": "demain"}]})  # fmt: skip
    capture_id = stack.rows("SELECT 'cap_' || assistant.new_ulid() AS id")[0]["id"]
    # its own inserts only: a schedule may send another capture's event meanwhile
    stack.calendar.insert_failures_of[capture_id] = [503, 503]

    response = stack.capture(text="Rappelle-moi d'appeler la banque demain", capture_id=capture_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["speech"]) == ("filed", "Capté, note administrative notée, "
                                                "action notée pour demain.")  # fmt: skip
    delivery = _settled(stack, body["capture_id"], "calendar_event")
    assert (delivery["state"], delivery["attempts"]) == ("done", 3)
    (event,) = stack.events_of(body["capture_id"])
    assert delivery["external_ref"] == event["id"]
    stack.wait_retry_runs()
    assert len(stack.events_of(body["capture_id"])) == 1


def test_onyx_refusing_for_a_while_then_accepting_gets_one_document(stack: Stack) -> None:
    """Onyx answers 503 to several attempts, then accepts: one document, no notification."""
    stack.onyx.failures = [503, 503, 503]
    refused_before = stack.onyx.refused

    response = stack.capture(text=LONG + " Première série.")

    assert response.status_code == 200, response.text
    capture_id = response.json()["capture_id"]
    assert response.json()["status"] == "filed"
    delivery = _settled(stack, capture_id, "onyx_document")
    assert (delivery["state"], delivery["attempts"]) == ("done", 4)
    assert f"solo-brain-{capture_id}" in stack.onyx.documents
    assert stack.onyx.refused - refused_before == 3
    stack.wait_retry_runs()
    sent = [r for r in stack.onyx.requests if r["document"]["id"] == f"solo-brain-{capture_id}"]
    assert len(sent) == 1
    assert not _failure_notes(stack, capture_id)


def test_onyx_refusing_the_document_fails_it_once_and_says_so(stack: Stack) -> None:
    """A 400 from Onyx: the delivery fails for good, one notification, listed by the CLI."""
    stack.onyx.fail_with = 400
    try:
        response = stack.capture(text=LONG + " Deuxième série.")
        assert response.status_code == 200, response.text
        capture_id = response.json()["capture_id"]
        assert response.json()["status"] == "filed"
        failed = _settled(stack, capture_id, "onyx_document")
    finally:
        stack.onyx.fail_with = None

    assert (failed["state"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"] == "HTTP 400: the fake was told to fail"
    wait_for(lambda: _failure_notes(stack, capture_id), what="the failure notification")
    stack.wait_retry_runs()
    (note,) = _failure_notes(stack, capture_id)
    assert "Le document Onyx" in note["message"] and "HTTP 400" in note["message"]
    listed = subprocess.run(
        [sys.executable, "-m", "solo_brain", "deliveries", "--failed"],
        env={**os.environ, "DATABASE_URL": stack.dsn}, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    (line,) = [ln for ln in listed.stdout.splitlines() if capture_id in ln]
    assert "onyx_document" in line and "failed" in line and "HTTP 400" in line
