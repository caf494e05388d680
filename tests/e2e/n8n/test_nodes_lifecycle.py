"""The Solo Brain node's Capture and Delivery resources in the real n8n, through the real hub's
lifecycle API to the stack's Postgres: a voice capture recorded, filed, told, delivered and
taken again with named fields (the retry schedule paused, so that it takes nothing first)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack

pytestmark = pytest.mark.n8n

HUB = {"ccMeshApi": {"id": "sbCcMeshHubApi01", "name": "CC Mesh hub"}}
RETRY_PENDING = "sbRetryPending00"
CLASSIFIED = {
    "category": "todo",
    "project": None,
    "client_id": None,
    "summary": "Réviser la voiture",
    "actions": [{"text": "réviser la voiture", "due": "2031-03-14", "due_phrase": "le 14 mars"}],
    "cc_prompt": None,
    "classifier": "local",
    "needs_review": False,
}


def lifecycle(resource: str, operation: str, **parameters: Any) -> dict[str, Any]:
    """A Solo Brain node on the hub's lifecycle API."""
    return package_node("soloBrain", HUB, resource, operation, **parameters)


@pytest.fixture(scope="module")
def paused(editor: Editor) -> Iterator[None]:
    """The retry schedule stopped for the module (it would claim the test's deliveries)."""
    with editor.paused(RETRY_PENDING):
        yield


def voice_capture(stack: Stack) -> str:
    """A voice capture waiting for its transcript."""
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        (capture,) = conn.execute(
            "SELECT assistant.record_capture(%s::jsonb)",
            (json.dumps({"mode": "voice", "channel": "api", "audio_ref": "aud_lifecycle"}),),
        ).fetchone()  # type: ignore[misc]
    return str(capture["capture_id"])


def run(editor: Editor, node: dict[str, Any], **body: Any) -> list[dict[str, Any]]:
    """The node's output items for one webhook item `{body}`."""
    with editor.trying(node) as workflow:
        return workflow.items(json=body)


def test_a_voice_capture_is_recorded_filed_told_and_delivered(
    stack: Stack, editor: Editor, paused: None
) -> None:
    """Record Transcript, File, Tell Outcome, Claim, Record Result and Get, field by field."""
    cap = voice_capture(stack)
    of_body = "={{ $json.body.capture_id }}"

    [heard] = run(editor, lifecycle("capture", "recordTranscript", captureId=of_body,
                  transcript="={{ $json.body.said }}", options={"language": "fr"}),
                  capture_id=cap, said="réviser la voiture le 14 mars")  # fmt: skip
    [filed] = run(editor, lifecycle("capture", "file", captureId=of_body,
                  result="={{ $json.body.result }}", options={"longNoteChars": 2000}),
                  capture_id=cap, result=CLASSIFIED)  # fmt: skip
    [told] = run(editor, lifecycle("capture", "tell", captureId=of_body,
                 speech="={{ $json.body.speech }}"),
                 capture_id=cap, speech="C'est noté.")  # fmt: skip
    [claimed] = run(editor, lifecycle("delivery", "claim", captureId=of_body,
                    configured=["calendar", "onyx"]), capture_id=cap)  # fmt: skip
    [recorded] = run(editor, lifecycle("delivery", "recordResult",
                     deliveryId="={{ $json.body.id }}", status="={{ $json.body.status }}",
                     body="={{ $json.body.answer }}"),
                     id=claimed["id"], status=200, answer={"id": "evtlifecycle"})  # fmt: skip
    [capture] = run(editor, lifecycle("capture", "get", captureId=of_body), capture_id=cap)

    assert (heard["status"], heard["transcript"]) == (
        "pending_classification",
        "réviser la voiture le 14 mars",
    )
    assert (filed["status"], filed["voice_format"]) == ("filed", "mp3")
    assert told == {"capture_id": cap, "status": "filed", "deliver": True}
    assert (claimed["kind"], claimed["request"]["summary"]) == (
        "calendar_event",
        "réviser la voiture",
    )
    assert (recorded["state"], recorded["attempts"]) == ("done", 1)
    assert capture["speech"] == "C'est noté." and capture["language"] == "fr"
    [delivery] = stack.deliveries_of(cap, "calendar_event")
    assert delivery["external_ref"] == "evtlifecycle"


def test_failures_back_off_then_are_taken_again(stack: Stack, editor: Editor, paused: None) -> None:
    """A transcription error backs off; Claim Retries takes it; List Due and Retry revive a
    delivery refused for good, one item per capture, each paired with its input."""
    cap = voice_capture(stack)
    of_body = "={{ $json.body.capture_id }}"
    down = {"error": {"code": "whisper_unavailable", "message": "Whisper est arrêté"}}

    [failed] = run(editor, lifecycle("capture", "file", captureId=of_body,
                   result="={{ $json.body.result }}", options={"backoffS": 0.1}),
                   capture_id=cap, result=down)  # fmt: skip
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("UPDATE assistant.captures SET next_attempt_at = now() WHERE id = %s", (cap,))
    retried = run(editor, lifecycle("capture", "claimRetries", limit=50))
    run(editor, lifecycle("capture", "file", captureId=of_body,
        result="={{ $json.body.result }}"), capture_id=cap, result=CLASSIFIED)  # fmt: skip
    due = run(editor, lifecycle("delivery", "listDue", limit=50))
    [claimed] = run(editor, lifecycle("delivery", "claim", captureId=of_body,
                    configured=["calendar"]), capture_id=cap)  # fmt: skip
    [refused] = run(editor, lifecycle("delivery", "recordResult", deliveryId=claimed["id"],
                    status=400, body='{"error": "bad request"}'))  # fmt: skip
    [again] = run(editor, lifecycle("delivery", "retry", captureId=of_body), capture_id=cap)

    assert failed["status"] == "pending_transcription"
    assert cap in [c["capture_id"] for c in retried]
    assert {"capture_id": cap} in due
    assert refused["state"] == "failed"
    assert again == {"capture_id": cap, "retried": 1}
    assert [d["state"] for d in stack.deliveries_of(cap, "calendar_event")] == ["pending"]


def test_a_whatsapp_message_is_received_once(stack: Stack, editor: Editor) -> None:
    """Receive WhatsApp Message: the glue's message item becomes a capture replying to its
    sender; the same message again is the same capture, created false."""
    message = {"message_id": f"wamid.NODE{secrets.token_hex(6)}", "from": "33699887766",
               "type": "audio", "media_id": "m-node", "voice": True}  # fmt: skip
    node = lifecycle("capture", "receiveWhatsApp", message="={{ $json.body.message }}",
                     audioRef="={{ $json.body.audio_ref }}")  # fmt: skip

    [first] = run(editor, node, message=message, audio_ref="e" * 32)
    [again] = run(editor, node, message=message, audio_ref="e" * 32)

    assert (first["created"], again["created"]) == (True, False)
    capture = first["capture"]
    assert again["capture"]["capture_id"] == capture["capture_id"]
    assert (capture["channel"], capture["mode"], capture["audio_ref"], capture["reply_to"]) == (
        "whatsapp", "voice", "e" * 32, "33699887766")  # fmt: skip
    assert len(stack.rows("SELECT id FROM assistant.captures WHERE channel_message_id = %s",
                          message["message_id"])) == 1  # fmt: skip


def test_an_unknown_capture_is_the_hubs_404_or_an_error_item(editor: Editor) -> None:
    """The hub's refusal names the capture; with Continue on error it is the item's output."""
    ghost = "cap_" + "0" * 26
    strict = lifecycle("capture", "get", captureId=ghost)
    lenient = lifecycle("capture", "get", captureId=ghost, onError="continueRegularOutput")

    with editor.trying(strict) as workflow:
        assert workflow.post(json={}).status_code == 500
        failure = workflow.failure()
    [item] = run(editor, lenient)

    assert failure["httpCode"] == "404"
    assert failure["message"] == f"The CC Mesh hub refused: no capture {ghost}"
    assert item["code"] == "not_found" and item["status"] == 404


def test_destinations_load_live_from_the_hub(editor: Editor) -> None:
    """Claim's destinations are the hub's, named for people."""
    options = editor.load_options(
        "soloBrain", "getDestinations", {"resource": "delivery", "operation": "claim"}, HUB
    )

    assert {o["value"] for o in options} == {
        "calendar",
        "onyx",
        "hub",
        "gotify",
        "whatsapp",
        "push",
    }
    assert {"name": "Google Calendar", "value": "calendar", "description": "calendar"} in options
