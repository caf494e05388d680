"""The Solo Brain node's Filing resource in the real n8n, on the real classify service (its
filing steps on the real glue, the stack's Postgres and the Ollama and Kokoro fakes): a request
filed and answered in one call, a stored capture filed by ID, the wait for the filing or for
the told answer, and the refusals handed on as items (File) or raised naming the item (Wait)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import psycopg
import pytest

from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import CAPTURE_TOKEN, Stack
from tests.e2e.n8n.test_nodes_lifecycle import run

pytestmark = pytest.mark.n8n

CLASSIFY = {"soloBrainClassifyApi": {"id": "sbClassifyServ01", "name": "Solo Brain classify"}}
OUTCOME = {"capture_id", "status_code", "answer", "deferred", "running", "question", "deliver",
           "answer_by"}  # fmt: skip
GHOST = "cap_" + "0" * 26


def filing(operation: str, **parameters: Any) -> dict[str, Any]:
    """A Solo Brain node on classify's filing API."""
    return package_node("soloBrain", CLASSIFY, "filing", operation, **parameters)


def stored_capture(stack: Stack, text: str, *, told: bool = False) -> str:
    """A text capture recorded but not classified yet (as WhatsApp's inbox records one), or,
    `told`, filed and told: one left pending that its test never files, retry-pending's grace
    pass would file minutes later, in another test."""
    note = {"mode": "text", "channel": "api", "text": text} | ({"category": "todo"} if told else {})
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        (capture,) = conn.execute(
            "SELECT assistant.record_capture(%s::jsonb)", (json.dumps(note),)
        ).fetchone()  # type: ignore[misc]
        if told:
            conn.execute("UPDATE assistant.captures SET confirmation = 'answered' WHERE id = %s",
                         (capture["capture_id"],))  # fmt: skip
    return str(capture["capture_id"])


def test_a_request_is_filed_and_answered_with_what_is_left_to_do(
    stack: Stack, editor: Editor
) -> None:
    """File and Answer records, classifies, files and tells the request's note; the item is
    the answer to give and what the workflow still has to do (deliveries), field by field."""
    tag = secrets.token_hex(3)
    action = {"text": f"faire la vidange {tag}", "due_phrase": "vendredi"}
    stack.brain.when("vidange", tag, answer={"category": "todo", "summary": f"Vidange {tag}",
                                             "actions": [action]})  # fmt: skip
    node = filing("file", fields="={{ $json.body }}", authorization=f"Bearer {CAPTURE_TOKEN}",
                  options={"wait": True, "budgetS": 20})  # fmt: skip

    [item] = run(editor, node, text=f"Faire la vidange {tag} vendredi", channel="siri")

    assert item.keys() == OUTCOME
    assert (item["status_code"], item["deferred"], item["running"], item["question"]) == (
        200, False, False, None,
    )  # fmt: skip
    assert isinstance(item["deliver"], bool) and item["answer_by"]
    answer = item["answer"]
    assert (answer["capture_id"], answer["status"], answer["category"]) == (
        item["capture_id"], "filed", "todo",
    )  # fmt: skip
    assert [a["text"] for a in answer["actions"]] == [f"faire la vidange {tag}"]
    assert answer["speech"].startswith("Capté") and answer["tts_url"].startswith(stack.glue_url)
    row = stack.capture_row(item["capture_id"])
    assert (row["channel"], row["status"], row["confirmation"]) == ("siri", "filed", "answered")
    # deliver says whether one was still due when told (the schedule may have taken it already)
    assert [d["kind"] for d in stack.deliveries_of(item["capture_id"], "calendar_event")] == [
        "calendar_event"
    ]


def test_a_stored_capture_is_filed_by_id_then_waited_for(stack: Stack, editor: Editor) -> None:
    """Source "Stored Capture" files a recorded capture by its ID (no time budget); Wait then
    answers the filing's end and, waiting for the told answer, the answer as recorded."""
    cap = stored_capture(stack, f"Note stockée {secrets.token_hex(3)}")
    of_body = "={{ $json.body.capture_id }}"

    [filed] = run(editor, filing("file", source="stored", captureId=of_body), capture_id=cap)
    [ended] = run(editor, filing("wait", captureId=of_body, waitFor="filing"), capture_id=cap)
    [told] = run(editor, filing("wait", captureId=of_body, waitFor="answer"), capture_id=cap)

    assert (filed["capture_id"], filed["status_code"], filed["answer_by"]) == (cap, 200, None)
    assert (filed["answer"]["status"], filed["running"]) == ("filed", False)
    assert (ended["capture_id"], ended["running"], ended["question"], ended["answer"]) == (
        cap, False, None, None,
    )  # fmt: skip
    assert (told["capture_id"], told["status_code"], told["deferred"]) == (cap, 200, False)
    assert told["answer"]["speech"] == filed["answer"]["speech"]
    assert stack.capture_row(cap)["status"] == "filed"


def test_refused_requests_are_items_with_the_answer_to_give(stack: Stack, editor: Editor) -> None:
    """No words, a wrong token, an unknown stored capture: each an item carrying the status and
    error body the caller gets (not a node error), paired with its input; nothing recorded."""
    before = stack.count_captures()
    requests = {"items": [
        {"fields": {"channel": "siri"}, "auth": f"Bearer {CAPTURE_TOKEN}"},
        {"fields": {"text": "Sans le bon jeton"}, "auth": "Bearer pas-le-jeton"},
    ]}  # fmt: skip
    node = filing("file", fields="={{ $json.fields }}", authorization="={{ $json.auth }}")

    with editor.trying(node, split="items") as workflow:
        empty, forbidden = workflow.items(json=requests)
    [unknown] = run(editor, filing("file", source="stored", captureId=GHOST))

    assert (empty["status_code"], empty["answer"]["error"]["code"]) == (400, "invalid_request")
    assert "a field text" in empty["answer"]["error"]["message"]
    assert (forbidden["status_code"], forbidden["answer"]["error"]["code"]) == (403, "forbidden")
    assert (unknown["status_code"], unknown["answer"]["error"]["code"]) == (404, "not_found")
    for item in (empty, forbidden, unknown):
        assert (item["capture_id"], item["running"], item["deliver"]) == (None, False, False)
    assert stack.count_captures() == before


def test_wait_refuses_an_unknown_or_malformed_id_naming_the_item(
    stack: Stack, editor: Editor
) -> None:
    """Wait on the ID of a capture nobody recorded stops the run with a NodeOperationError
    saying so, and on a malformed ID with the service's refusal, each naming the item's index;
    continuing on fail, each of them (and an unknown capture's told answer) is an error item."""
    known = stored_capture(stack, "Rappeler le garage", told=True)
    each = {"captureId": "={{ $json.id }}", "waitFor": "={{ $json.for }}", "until": ""}
    failures = []
    for wrong in (GHOST, "../../healthz"):
        ids = {"items": [{"id": known, "for": "filing"}, {"id": wrong, "for": "filing"}]}
        with editor.trying(filing("wait", **each), split="items") as workflow:
            assert workflow.post(json=ids).status_code == 500
            failures.append(workflow.failure())
    ids = {"items": [{"id": GHOST, "for": "filing"}, {"id": "../../healthz", "for": "filing"},
                     {"id": GHOST, "for": "answer"}]}  # fmt: skip
    lenient = filing("wait", onError="continueRegularOutput", **each)
    with editor.trying(lenient, split="items") as workflow:
        ghost, malformed, untold = workflow.items(json=ids)

    unknown, refused = failures
    assert unknown["name"] == "NodeOperationError" and unknown["context"]["itemIndex"] == 1
    assert unknown["message"] == f"No capture {GHOST} to wait for: it was never recorded"
    assert refused["name"] == "NodeApiError" and refused["context"]["itemIndex"] == 1
    assert refused["message"].startswith("The Solo Brain classify service refused")
    assert (ghost["status"], ghost["code"]) == (404, "not_found")
    assert ghost["error"] == unknown["message"]
    assert malformed["status"] in (400, 404) and malformed["code"]
    assert (untold["status"], untold["code"]) == (404, "not_found")
