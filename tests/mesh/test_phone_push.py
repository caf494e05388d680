"""Web Push from the hub to a loopback push service that checks VAPID and decrypts like a
browser would: subscriptions, /api/notify, gone subscriptions, the kept VAPID key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from solo_brain.mesh.clients.webpush import endpoint_allowed
from tests.fakes.push import PushState, running_push_service
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub


@pytest.fixture
def push_service() -> Iterator[tuple[str, PushState]]:
    """A push service fake on loopback."""
    with running_push_service() as running:
        yield running


def _settings(pg_dsn: str, origin: str, **extra: Any) -> Any:
    return hub_settings(pg_dsn, PUSH_ENDPOINT_ALLOW=f"{origin}/push/", **extra)


async def test_notify_reaches_each_device_encrypted_and_signed(
    db: psycopg.Connection, pg_dsn: str, push_service: tuple[str, PushState]
) -> None:
    """Two subscribed devices each get the payload; VAPID aud is the service, sub a mailto."""
    origin, state = push_service
    phone, tablet, n8n = (
        issue(pg_dsn, "full", "phone"),
        issue(pg_dsn, "full", "tab"),
        issue(pg_dsn, "full", "n8n"),
    )
    settings = _settings(pg_dsn, origin, VAPID_SUBJECT="mailto:solo@example.org")
    with running_hub(settings) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            key = (await client.get("/api/push/key", headers=auth(phone))).json()["public_key"]
            browsers = [state.subscribe(), state.subscribe()]
            for token, browser in zip((phone, tablet), browsers, strict=True):
                saved = await client.post(
                    "/api/push/subscriptions", json=browser.subscription(), headers=auth(token)
                )
                assert saved.status_code == 201, saved.text
            message = {"title": "Claude Code", "body": "Bash `npm test` (session orchestrator)",
                       "url": "/sessions/abc", "tag": "perm-1"}  # fmt: skip
            sent = await client.post("/api/notify", json=message, headers=auth(n8n))
            assert sent.status_code == 200, sent.text
            assert sent.json() == {"subscriptions": 2, "sent": 2, "dropped": 0, "failed": 0}
    for browser in browsers:
        [payload] = state.payloads(browser.id)
        assert {k: payload[k] for k in message} == message
    delivered = state.received[0]
    assert delivered.jwt_claims["aud"] == origin
    assert delivered.jwt_claims["sub"] == "mailto:solo@example.org"
    assert delivered.headers["authorization"].endswith(f"k={key}")
    assert int(delivered.headers["ttl"]) > 0 and delivered.headers["topic"] == "perm-1"
    assert state.refused == []


async def test_gone_subscriptions_are_dropped_and_failures_kept(
    db: psycopg.Connection, pg_dsn: str, push_service: tuple[str, PushState]
) -> None:
    """404 and 410 drop the device's subscription; any other refusal keeps it, counted."""
    origin, state = push_service
    tokens = [issue(pg_dsn, "full", f"d{n}") for n in range(3)]
    with running_hub(_settings(pg_dsn, origin)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            browsers = [state.subscribe() for _ in tokens]
            for token, browser in zip(tokens, browsers, strict=True):
                await client.post(
                    "/api/push/subscriptions", json=browser.subscription(), headers=auth(token)
                )
            state.gone.add(browsers[0].id)
            sent = await client.post("/api/notify", json={"title": "t"}, headers=auth(tokens[1]))
            assert sent.json() == {"subscriptions": 3, "sent": 2, "dropped": 1, "failed": 0}
            state.answer = 404
            sent = await client.post("/api/notify", json={"title": "t"}, headers=auth(tokens[1]))
            assert sent.json() == {"subscriptions": 2, "sent": 0, "dropped": 2, "failed": 0}
    assert db.execute("SELECT count(*) AS n FROM assistant.push_subscriptions").fetchone() == {
        "n": 0
    }


async def test_an_unreachable_push_service_counts_a_failure(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A push service that is down: failed, the subscription kept with the error."""
    with running_push_service() as (origin, state):
        browser = state.subscribe()
    token = issue(pg_dsn, "full")
    with running_hub(_settings(pg_dsn, origin, PUSH_TIMEOUT_S=2)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            await client.post("/api/push/subscriptions", json=browser.subscription())
            sent = await client.post("/api/notify", json={"title": "t", "body": "b"})
            assert sent.json()["failed"] == 1
    row = db.execute("SELECT failures, last_error FROM assistant.push_subscriptions").fetchone()
    assert row is not None and row["failures"] == 1 and "unreachable" in row["last_error"]


async def test_subscriptions_are_one_per_device_and_endpoints_checked(
    db: psycopg.Connection, pg_dsn: str, push_service: tuple[str, PushState]
) -> None:
    """Re-posting replaces; an endpoint outside the push services is refused; DELETE forgets."""
    origin, state = push_service
    token = issue(pg_dsn, "full")
    with running_hub(_settings(pg_dsn, origin)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            first, second = state.subscribe(), state.subscribe()
            made = await client.post("/api/push/subscriptions", json=first.subscription())
            assert made.status_code == 201
            again = await client.post("/api/push/subscriptions", json=second.subscription())
            assert again.status_code == 200 and again.json()["created"] is False
            evil = {**first.subscription(), "endpoint": "https://evil.example/push/x"}
            refused = await client.post("/api/push/subscriptions", json=evil)
            assert refused.status_code == 400
            assert refused.json()["error"]["code"] == "push_endpoint_refused"
            sent = await client.post("/api/notify", json={"title": "un seul"})
            assert (
                sent.json()["sent"] == 1
                and state.payloads(second.id)
                and not state.payloads(first.id)
            )
            gone = await client.request("DELETE", "/api/push/subscriptions")
            assert gone.status_code == 204
            assert (await client.post("/api/notify", json={"title": "x"})).json()[
                "subscriptions"
            ] == 0


def test_vapid_key_is_kept_across_restarts(db: psycopg.Connection, pg_dsn: str) -> None:
    """The public key a device subscribed with stays the same after the hub restarts."""
    token = issue(pg_dsn, "full")
    keys = []
    for _ in range(2):
        with running_hub(hub_settings(pg_dsn)) as url:
            answer = httpx.get(f"{url}/api/push/key", headers=auth(token))
            keys.append(answer.json()["public_key"])
    assert keys[0] == keys[1] and len(keys[0]) == 87


def test_oversized_notification_is_refused(db: psycopg.Connection, pg_dsn: str) -> None:
    """A payload over 3 KB is a 400: pushes carry ids and a short text only."""
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        big = {"title": "🔔" * 120, "body": "😀" * 1000}
        answer = httpx.post(f"{url}/api/notify", json=big, headers=auth(token))
        assert answer.status_code == 400 and "3000" in answer.json()["error"]["message"]
        capture_token = issue(pg_dsn, "capture")
        denied = httpx.post(f"{url}/api/notify", json={"title": "x"}, headers=auth(capture_token))
        assert denied.status_code == 403


def test_only_real_push_services_are_allowed_by_default() -> None:
    """https on the browsers' push services; lookalike hosts and plain http are not."""
    allowed = [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/x",
        "https://web.push.apple.com/QO1",
        "https://wns2-par02p.notify.windows.com/w/?token=x",
    ]
    refused = [
        "http://fcm.googleapis.com/fcm/send/abc",
        "https://fcm.googleapis.com.evil.example/x",
        "https://evilnotify.windows.com/x",
        "https://user@fcm.googleapis.com/x",
        "https://fcm.googleapis.com:8443/x",
        "http://127.0.0.1:9/push/x",
    ]
    assert all(endpoint_allowed(e, []) for e in allowed)
    assert not any(endpoint_allowed(e, []) for e in refused)
    assert endpoint_allowed("http://127.0.0.1:9/push/x", ["http://127.0.0.1:9/push/"])
    assert not endpoint_allowed("http://127.0.0.1:99/push/x", ["http://127.0.0.1:9/push/"])
