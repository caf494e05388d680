"""The CC Mesh Trigger and Notify in the real n8n: the trigger starts a workflow on an event the
real hub signs, refuses a forged, unsigned or stale one, and Notify pushes through the hub to a
phone subscribed on the push-service fake."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from solo_brain.mesh.clients.events import SIGNATURE_HEADER, sign
from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack
from tests.fakes.push import Browser
from tests.support.mesh_stack import Api, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.n8n

HUB = {"ccMeshApi": {"id": "sbCcMeshHubApi01", "name": "CC Mesh hub"}}


@pytest.fixture(scope="module")
def phone(stack: Stack) -> Iterator[Browser]:
    """A paired phone subscribed to Web Push on the push-service fake."""
    api = Api(stack.hub.url, create_token(stack.dsn, "full", "iPhone-nodes"))
    browser = stack.push.subscribe()
    saved = api.client.post("/api/push/subscriptions", json=browser.subscription())
    assert saved.status_code == 201, saved.text
    yield browser
    api.client.request("DELETE", "/api/push/subscriptions")


def trigger_workflow(path: str, events: list[str]) -> dict[str, Any]:
    """CC Mesh Trigger on `path` → a Notify that pushes the event's name and agent."""
    trigger = {
        "name": "CC Mesh Trigger",
        "type": "n8n-nodes-solo-brain.ccMeshTrigger",
        "typeVersion": 1,
        "webhookId": str(uuid.uuid4()),
        "parameters": {"path": path, "events": events},
        "credentials": HUB,
    }
    notify = package_node("ccMesh", HUB, "notification", "send",
                          title="={{ 'Événement ' + $json.event }}",
                          body="={{ 'Machine ' + $json.agent }}",
                          options={"tag": "={{ 'trigger-' + $json.agent_id }}",
                                   "urgency": "high"})  # fmt: skip
    nodes = [{"id": str(uuid.uuid4()), "position": [220 * i, 0], **n}
             for i, n in enumerate((trigger, notify))]  # fmt: skip
    return {
        "name": f"Trigger test {path}",
        "nodes": nodes,
        "connections": {
            "CC Mesh Trigger": {"main": [[{"node": "CC Mesh", "type": "main", "index": 0}]]}
        },
        "settings": {"executionOrder": "v1"},
    }


def post_event(stack: Stack, path: str, body: bytes, signature: str | None) -> httpx.Response:
    """POST an event to the trigger's production URL, as the hub does."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return httpx.post(f"{stack.n8n_url}/webhook/{path}", content=body, headers=headers)


def pushes(stack: Stack, phone: Browser, tag: str) -> list[dict[str, Any]]:
    """What the phone received with this tag."""
    return [p for p in stack.push.payloads(phone.id) if p.get("tag") == tag]


def test_trigger_runs_on_a_signed_event_and_notify_reaches_the_phone(
    stack: Stack, editor: Editor, phone: Browser
) -> None:
    """A signed agent_offline starts the workflow once; Notify delivers it as one push."""
    path = f"mesh-{uuid.uuid4().hex[:8]}"
    agent_id = f"agt_{uuid.uuid4().hex[:8]}"
    event = {"event": "agent_offline", "at": "2026-05-13T10:00:00+00:00",
             "agent_id": agent_id, "agent": "gpu-trigger"}  # fmt: skip
    body = json.dumps(event).encode()

    with editor.active_workflow(trigger_workflow(path, ["agent_offline"])):
        answer = post_event(stack, path, body, sign(stack.events_secret, body, int(time.time())))
        [push] = wait_for(lambda: pushes(stack, phone, f"trigger-{agent_id}"), 30, "the push")

    assert answer.status_code == 200, answer.text
    assert (push["title"], push["body"]) == ("Événement agent_offline", "Machine gpu-trigger")


def test_trigger_refuses_bad_signatures_and_skips_other_events(
    stack: Stack, editor: Editor, phone: Browser
) -> None:
    """Forged, missing or stale signatures are 401; an event not chosen runs nothing."""
    path = f"mesh-{uuid.uuid4().hex[:8]}"
    agent_id = f"agt_{uuid.uuid4().hex[:8]}"
    offline = json.dumps({"event": "agent_offline", "agent_id": agent_id, "agent": "x"}).encode()
    other = json.dumps({"event": "terminal_waiting", "agent_id": agent_id, "agent": "x"}).encode()
    now = int(time.time())

    with editor.active_workflow(trigger_workflow(path, ["agent_offline"])):
        forged = post_event(stack, path, offline, sign("not-the-secret", offline, now))
        unsigned = post_event(stack, path, offline, None)
        stale = post_event(stack, path, offline, sign(stack.events_secret, offline, now - 3600))
        tampered = post_event(
            stack, path, offline.replace(b'"x"', b'"y"'), sign(stack.events_secret, offline, now)
        )
        skipped = post_event(stack, path, other, sign(stack.events_secret, other, now))
        time.sleep(2)

    assert [r.status_code for r in (forged, unsigned, stale, tampered)] == [401] * 4
    assert "signature" in forged.json()["error"]["message"]
    assert skipped.status_code == 200 and skipped.json()["accepted"] is False
    assert pushes(stack, phone, f"trigger-{agent_id}") == []


def test_notify_answers_what_the_push_service_did(
    stack: Stack, editor: Editor, phone: Browser
) -> None:
    """Notify sends the fields named in the form and outputs the hub's counts."""
    tag = f"notify-{uuid.uuid4().hex[:8]}"
    node = package_node("ccMesh", HUB, "notification", "send", title="Réunion dans 10 min",
                        body="ACME : préparer le devis",
                        options={"tag": tag, "url": "/#/captures", "ttlS": 600})  # fmt: skip

    with editor.trying(node) as workflow:
        [answer] = workflow.items(json={})
    [push] = wait_for(lambda: pushes(stack, phone, tag), 30, "the push")

    assert answer["sent"] >= 1 and answer["failed"] == 0
    assert (push["title"], push["body"], push["url"]) == (
        "Réunion dans 10 min",
        "ACME : préparer le devis",
        "/#/captures",
    )
