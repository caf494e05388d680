"""One refusal per operation of the package whose service can refuse, in the real n8n on the
real services: continuing on fail, the Solo Brain node's item carries the service's status and
code; the CC Mesh node stops with the hub's refusal, its HTTP code and the item's index. (The
happy paths are in the other test_nodes_* modules; Filing, Note → Answer Question and Write
Client Briefings have their refusals next to them.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.test_nodes_lifecycle import CLASSIFIED, HUB, run

pytestmark = pytest.mark.n8n

GLUE = {"soloBrainGlueApi": {"id": "sbGlueService001", "name": "Solo Brain glue"}}
CLASSIFY = {"soloBrainClassifyApi": {"id": "sbClassifyServ01", "name": "Solo Brain classify"}}
GHOST = "cap_" + "0" * 26
SEND = {"eventId": "evt-nobody-planned", "start": "2031-01-01T09:00:00+00:00", "kind": "speech",
        "status": 200, "body": "{}"}  # fmt: skip

# (credentials, resource, operation, parameters, status, code)
SOLO_BRAIN: dict[str, tuple[dict[str, Any], str, str, dict[str, Any], int, str]] = {
    "speak_blank": (GLUE, "audio", "speak", {"text": " ", "output": "url"}, 400,
                    "invalid_request"),
    "classify_blank": (CLASSIFY, "note", "classify", {"text": " "}, 400, "invalid_request"),
    "transcript_of_unknown": (HUB, "capture", "recordTranscript",
                              {"captureId": GHOST, "transcript": "bonjour"}, 404, "not_found"),
    "whatsapp_voice_without_audio": (HUB, "capture", "receiveWhatsApp", {"message": {
                                     "message_id": "wamid.MUTE", "from": "33600000000",
                                     "type": "audio"}, "audioRef": ""}, 400, "invalid_request"),
    "file_unknown": (HUB, "capture", "file", {"captureId": GHOST, "result": CLASSIFIED}, 404,
                     "not_found"),
    "tell_unknown": (HUB, "capture", "tell", {"captureId": GHOST, "speech": "C'est noté."}, 404,
                     "not_found"),
    "claim_retries_none": (HUB, "capture", "claimRetries", {"limit": 0}, 400, "invalid_request"),
    "claim_for_a_fax": (HUB, "delivery", "claim", {"captureId": GHOST, "configured": ["fax"]},
                        400, "invalid_request"),
    "result_of_unknown": (HUB, "delivery", "recordResult", {"deliveryId": "dlv_" + "0" * 26,
                          "status": 200, "body": "{}"}, 404, "not_found"),
    "retry_unknown": (HUB, "delivery", "retry", {"captureId": GHOST}, 404, "not_found"),
    "list_due_none": (HUB, "delivery", "listDue", {"limit": 0}, 400, "invalid_request"),
    "reminders_on_mars": (HUB, "reminder", "claimDue", {"leadDays": 0, "limit": 5,
                          "options": {"timeZone": "Mars/Olympus"}}, 400, "invalid_request"),
    "facts_of_unknown": (HUB, "question", "gatherFacts", {"captureId": GHOST, "options": {}}, 404,
                         "not_found"),
    "answer_unknown": (HUB, "question", "tellAnswer", {"captureId": GHOST,
                       "classification": {"category": "question"}, "speech": "Rien demain."},
                       404, "not_found"),
    "plan_without_start": (HUB, "clientBriefing", "plan", {"briefings": [{"event_id": "e1"}],
                           "push": False, "gotify": False, "whatsappTo": ""}, 400,
                           "invalid_request"),
    "claim_unknown_stage": (HUB, "clientBriefing", "claimSends", {"stage": "fax",
                            "options": {}}, 400, "invalid_request"),
    "send_never_planned": (HUB, "clientBriefing", "recordSend", SEND, 404, "not_found"),
    "failure_of_a_list": (HUB, "audit", "recordFailure", {"workflow": "[1, 2]",
                          "execution": {}, "trigger": "={{ null }}"}, 400, "invalid_request"),
}  # fmt: skip


@pytest.mark.parametrize("case", SOLO_BRAIN)
def test_a_solo_brain_refusal_is_the_items_error_when_continuing(editor: Editor, case: str) -> None:
    """Continuing on fail, the refused item says which service refused, its status and code."""
    credentials, resource, operation, parameters, status, code = SOLO_BRAIN[case]
    node = package_node("soloBrain", credentials, resource, operation,
                        onError="continueRegularOutput", **parameters)  # fmt: skip

    [item] = run(editor, node)

    assert (item.get("status"), item.get("code")) == (status, code), item
    assert " refused: " in item["error"]


UNKNOWN = {"__rl": True, "mode": "id", "value": "00000000-0000-4000-8000-000000000000"}
CC_MESH: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "get_unknown_session": ("session", "get", {"session": UNKNOWN}, "404"),
    "prompt_unknown_session": ("session", "sendPrompt", {"session": UNKNOWN, "text": "git status",
                               "options": {}}, "404"),
    "deny_unknown_permission": ("permission", "deny", {"session": UNKNOWN,
                                "permission": "perm-nobody", "options": {}}, "404"),
    "notify_a_long_title": ("notification", "send", {"title": "x" * 200, "body": "x",
                            "options": {}}, "400"),
}  # fmt: skip


@pytest.mark.parametrize("case", CC_MESH)
def test_a_cc_mesh_refusal_stops_with_the_hubs_words(editor: Editor, case: str) -> None:
    """The hub's refusal stops the run: its message, HTTP code and the item's index."""
    resource, operation, parameters, http_code = CC_MESH[case]
    node = package_node("ccMesh", HUB, resource, operation, **parameters)

    with editor.trying(node) as workflow:
        assert workflow.post(json={}).status_code == 500
        failure = workflow.failure()

    assert failure["httpCode"] == http_code, failure
    assert failure["message"].startswith("The CC Mesh hub refused: ")
    assert failure["context"]["itemIndex"] == 0
