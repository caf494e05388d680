"""The capture webhook with n8n in queue mode: main enqueues, a worker files, the answer returns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solo_brain.classify.dates import resolve_due
from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file
from tests.support.wait import wait_for

pytestmark = pytest.mark.n8n


def log_entries(stack: Stack) -> list[dict[str, Any]]:
    """The JSON log lines n8n's main instance and worker wrote."""
    entries = []
    for line in stack.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries


def test_a_spoken_capture_is_filed_by_a_worker_and_answered_through_main(
    queue_stack: Stack, tmp_path: Path
) -> None:
    """A spoken capture posted to main's webhook runs on the worker (enqueued in Redis, the audio
    carried with it), is filed, main answers with the capture JSON, then its calendar event is
    delivered."""
    said = "Rappelle-moi d'appeler le garage vendredi."
    wav = speech_file(said, "wav", tmp_path).read_bytes()
    queue_stack.whisper_state.expect(wav, said)
    queue_stack.brain.when("garage", answer={
        "category": "todo", "summary": "Appeler le garage",
        "actions": [{"text": "Appeler le garage", "due_phrase": "vendredi"}],
    })  # fmt: skip

    response = queue_stack.capture(audio=("note.wav", wav, "audio/wav"), channel="siri",
                                   mode="voice")  # fmt: skip

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["transcript"], body["category"], body["status"]) == (said, "todo", "filed")
    assert queue_stack.whisper_state.heard(wav)  # the very bytes sent
    row = queue_stack.capture_row(body["capture_id"])
    due = resolve_due("vendredi", row["created_at"], "Europe/Paris")
    assert due is not None and body["actions"] == [{"text": "Appeler le garage",
                                                    "due": due.isoformat(),
                                                    "due_time": None}]  # fmt: skip
    # The calendar event is a delivery, attempted by the worker once the answer has left.
    (event,) = wait_for(lambda: queue_stack.events_of(body["capture_id"]), 30, "the event")
    assert event["start"] == {"date": due.isoformat()}
    entries = log_entries(queue_stack)
    started = {e["metadata"]["executionId"]: e["metadata"].get("workflowId") for e in entries
               if e.get("message", "").startswith("Worker started execution")}  # fmt: skip
    enqueued = {e["metadata"]["executionId"] for e in entries
                if e.get("message", "").startswith("Enqueued execution")}  # fmt: skip
    capture_runs = [run for run, workflow in started.items() if workflow == "sbCaptureWebhook"]
    assert capture_runs, "no worker started the capture webhook's execution"
    assert set(capture_runs) <= enqueued
