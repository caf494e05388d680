"""Hub: the events webhook is best effort; when it fails or is gone the hub works as usual."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import psycopg

from mesh_protocol import PermissionDecision, PermissionRequest
from solo_brain.mesh.clients.events import EventsWebhook
from tests.fakes.server import free_port
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    recording_webhook,
    running_hub,
    scripted_agent,
)
from tests.support.wait import until

SID = "aa11bb22-cc33-4d44-8e55-ff6677889900"


async def test_failing_webhook_does_not_stop_decisions(db: psycopg.Connection, pg_dsn: str) -> None:
    """With the webhook answering 500 (then unreachable) permissions still flow both ways."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with recording_webhook() as (hook_url, recorder):
        recorder.status = 500
        with running_hub(hub_settings(pg_dsn, events_webhook_url=hook_url)) as url:
            async with (
                scripted_agent(url, agent_token) as agent,
                httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
            ):
                request = PermissionRequest(
                    permission_id="perm-1",
                    session_id=SID,
                    tool_name="Write",
                    input={"file_path": "/tmp/x"},
                    source="sdk",
                )
                await agent.send(request)
                await until(lambda: recorder.events("permission_pending"), what="webhook call")
                approved = await client.post(f"/api/sessions/{SID}/permissions/perm-1/approve")
                assert approved.status_code == 200
                assert (await agent.expect(PermissionDecision)).behavior == "allow"


async def test_events_link_to_the_apps_page_in_path_form(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """An event about a session carries its page (`/sessions/<id>`, what a push opens) and the
    same page under PUBLIC_HUB_URL (what Gotify or WhatsApp opens)."""
    agent_token = issue(pg_dsn, "agent")
    with recording_webhook() as (hook_url, recorder):
        settings = hub_settings(
            pg_dsn, events_webhook_url=hook_url, PUBLIC_HUB_URL="https://hub.example/"
        )
        with running_hub(settings) as url:
            async with scripted_agent(url, agent_token) as agent:
                await agent.send(
                    PermissionRequest(
                        permission_id="perm-2",
                        session_id=SID,
                        tool_name="Bash",
                        input={"command": "ls"},
                        source="hook",
                    )
                )
                [event] = await until(lambda: recorder.events("permission_pending"))
    assert event["url"] == f"/sessions/{SID}"
    assert event["link"] == f"https://hub.example/sessions/{SID}"


async def test_unreachable_webhook_is_counted_and_dropped() -> None:
    """Events to a closed port fail within the time limit, are counted, and emit never blocks."""
    async with httpx.AsyncClient(timeout=0.5) as client:
        webhook = EventsWebhook(f"http://127.0.0.1:{free_port()}/hook", client, max_pending=2)
        webhook.start()
        for n in range(5):
            webhook.emit("agent_offline", agent=f"a{n}")
        assert webhook.dropped == 3
        await until(lambda: webhook.failed == 2, what="two failed posts")
        await webhook.aclose()
    assert webhook.sent == 0


async def test_no_webhook_configured_emits_nothing() -> None:
    """With no URL (MESH_EVENTS_WEBHOOK_URL=off) events are not even queued."""
    async with httpx.AsyncClient() as client:
        webhook = EventsWebhook(None, client)
        webhook.start()
        webhook.emit("prompt_finished", prompt_id="prm_x")
        assert webhook.queue.empty() and webhook.sent == 0
        await webhook.aclose()


async def test_events_are_signed_with_the_shared_secret() -> None:
    """With a secret, each event carries t and an HMAC-SHA256 of "t.body"; without, none."""
    with recording_webhook() as (hook_url, recorder):
        async with httpx.AsyncClient() as client:
            signed = EventsWebhook(hook_url, client, secret="s3cret")
            plain = EventsWebhook(hook_url, client)
            for webhook in (signed, plain):
                webhook.start()
                webhook.emit("agent_offline", agent_id="agt_1", agent="gpu")
                await until(lambda w=webhook: w.sent == 1, what="the event posted")  # type: ignore[misc]
                await webhook.aclose()
    (header, body), (unsigned, _) = recorder.signatures
    assert header is not None and unsigned is None
    at, mac = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(b"s3cret", f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected) and abs(time.time() - int(at)) < 60
    assert json.loads(body)["agent"] == "gpu"
