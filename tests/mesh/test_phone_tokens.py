"""The Siri Shortcut's token made from the phone: capture scope only, shown once, listed without
its secret, revoked at once, every change audited; against a real hub and Postgres."""

from __future__ import annotations

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub


async def _capture_allowed(client: httpx.AsyncClient, token: str) -> int:
    answer = await client.get("/api/auth/check", params={"scope": "capture"}, headers=auth(token))
    return answer.status_code


async def test_a_phone_makes_a_capture_token_shown_once(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """The new token captures and does nothing else; the list never shows a secret."""
    phone = issue(pg_dsn, "full", "iPhone")
    settings = hub_settings(pg_dsn, PUBLIC_HUB_URL="https://hub.example/")
    with running_hub(settings) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await client.post("/api/tokens", json={"name": "Siri"}, headers=auth(phone))
            assert made.status_code == 201, made.text
            body = made.json()
            assert body["scope"] == "capture" and body["name"] == "Siri"
            assert body["token"].startswith("sbt_") and len(body["token"]) > 40
            assert body["capture_url"] == "https://hub.example/api/capture"
            secret = body["token"]
            assert await _capture_allowed(client, secret) == 204
            sessions = await client.get("/api/sessions", headers=auth(secret))
            assert sessions.status_code == 403
            escalate = await client.post("/api/tokens", json={"name": "x"}, headers=auth(secret))
            assert escalate.status_code == 403
            listed = await client.get("/api/tokens?scope=capture", headers=auth(phone))
            assert listed.status_code == 200
            assert [(t["id"], t["name"]) for t in listed.json()] == [(body["id"], "Siri")]
            assert "token" not in listed.text and secret not in listed.text
    stored = db.execute("SELECT hash FROM assistant.tokens WHERE id = %s", (body["id"],)).fetchone()
    assert stored is not None and secret not in str(stored)
    audit = db.execute(
        "SELECT actor, detail FROM assistant.audit_log WHERE action = 'token.created' "
        "AND subject = %s",
        (body["id"],),
    ).fetchall()
    assert audit == [{"actor": "token:iPhone", "detail": {"name": "Siri", "scope": "capture"}}]


async def test_a_revoked_capture_token_is_refused_at_once(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Revoking takes effect on the next capture; only capture tokens can be revoked here."""
    phone = issue(pg_dsn, "full", "iPhone")
    laptop = issue(pg_dsn, "full", "laptop")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await client.post("/api/tokens", json={"name": "Siri"}, headers=auth(phone))
            token_id, secret = made.json()["id"], made.json()["token"]
            gone = await client.delete(f"/api/tokens/{token_id}", headers=auth(phone))
            assert gone.status_code == 204
            assert await _capture_allowed(client, secret) == 401
            again = await client.delete(f"/api/tokens/{token_id}", headers=auth(phone))
            assert again.status_code == 404
            assert (await client.get("/api/tokens", headers=auth(phone))).json() == []
            [me] = [d for d in (await client.get("/api/devices", headers=auth(laptop))).json()
                    if d["name"] == "laptop"]  # fmt: skip
            not_capture = await client.delete(f"/api/tokens/{me['id']}", headers=auth(phone))
            assert not_capture.status_code == 404
            assert (await client.get("/api/devices", headers=auth(laptop))).status_code == 200
    revoked = db.execute(
        "SELECT actor, subject FROM assistant.audit_log WHERE action = 'token.revoked'"
    ).fetchall()
    assert revoked == [{"actor": "token:iPhone", "subject": token_id}]


async def test_bad_token_requests_are_refused_clearly(pg_dsn: str) -> None:
    """A blank or long name, another scope, an extra field: 400 and nothing is made."""
    phone = issue(pg_dsn, "full", "iPhone")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(phone)) as client:
            for body in ({"name": "   "}, {"name": "x" * 101}, {"name": "a", "scope": "full"}):
                refused = await client.post("/api/tokens", json=body)
                assert refused.status_code == 400, body
                assert refused.json()["error"]["code"] == "invalid_request"
            wrong_scope = await client.get("/api/tokens?scope=full")
            assert wrong_scope.status_code == 400
            assert (await client.get("/api/tokens")).json() == []
