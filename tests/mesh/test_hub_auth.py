"""Hub: tokens are hashed and scoped; every route and the agent socket enforce their scope."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mesh_protocol import agent_ws_url
from solo_brain.mesh.store.tokens import hash_token
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub
from tests.support.processes import run_cli

SID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_token_create_prints_the_token_last_and_stores_only_its_hash(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """`token create` prints the token alone on its last line; the table holds its SHA-256."""
    done = run_cli(pg_dsn, "token", "create", "--scope", "capture", "--name", "siri")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("sbt_") and len(token) >= 4 + 43
    rows = db.execute("SELECT name, scope, hash FROM assistant.tokens").fetchall()
    assert rows == [{"name": "siri", "scope": "capture", "hash": hash_token(token)}]
    listing = run_cli(pg_dsn, "token", "list")
    assert "siri" in listing.stdout and token not in listing.stdout


def test_token_list_says_its_times_in_the_users_zone(db: psycopg.Connection, pg_dsn: str) -> None:
    """`token list` prints when a token was made in SOLO_BRAIN_TZ, and names the zone, whatever
    the server's own zone is."""
    zone = "Asia/Kathmandu"  # +05:45: never mistaken for the server's UTC
    assert run_cli(pg_dsn, "token", "create", "--scope", "capture", "--name", "tz").returncode == 0
    listing = run_cli(pg_dsn, "token", "list", SOLO_BRAIN_TZ=zone, TZ="UTC")
    assert f"(times in {zone})" in listing.stdout.splitlines()[1], listing.stdout
    [line] = [x for x in listing.stdout.splitlines() if x.endswith(" tz")]
    shown = datetime.strptime(line.split()[2] + " " + line.split()[3], "%Y-%m-%d %H:%M")
    now = datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
    assert abs((now - shown).total_seconds()) < 180, (line, now)


def test_token_create_refuses_an_unknown_scope(db: psycopg.Connection, pg_dsn: str) -> None:
    """An unknown scope is refused by the CLI with a clear message and nothing is stored."""
    done = run_cli(pg_dsn, "token", "create", "--scope", "root")
    assert done.returncode != 0 and "invalid choice: 'root'" in done.stderr
    assert db.execute("SELECT count(*) AS n FROM assistant.tokens").fetchone() == {"n": 0}


async def test_revoked_token_is_refused(db: psycopg.Connection, pg_dsn: str) -> None:
    """After `token revoke NAME` the token answers 401; the revocation is audited."""
    full = issue(pg_dsn, "full", "iphone")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/api/sessions", headers=auth(full))).status_code == 200
            done = run_cli(pg_dsn, "token", "revoke", "iphone")
            assert done.returncode == 0, done.stderr
            refused = await client.get("/api/sessions", headers=auth(full))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    actions = [r["action"] for r in db.execute("SELECT action FROM assistant.audit_log")]
    assert actions == ["token.created", "token.revoked"]


async def test_scopes_are_enforced_on_every_route(db: psycopg.Connection, pg_dsn: str) -> None:
    """Agent tokens cannot read, prompt or approve; capture tokens cannot read sessions;
    unknown or missing tokens get 401; each answer uses the error envelope."""
    agent_token, capture = issue(pg_dsn, "agent"), issue(pg_dsn, "capture")
    routes = [
        ("GET", "/api/sessions", None),
        ("GET", "/api/sessions/lookup?hint=orchestrator", None),
        ("GET", f"/api/sessions/{SID}/messages", None),
        ("GET", f"/api/sessions/{SID}/stream", None),
        ("POST", f"/api/sessions/{SID}/prompt", {"text": "rm -rf /", "voice_reply": False}),
        ("POST", f"/api/sessions/{SID}/permissions/p1/approve", None),
        ("POST", f"/api/sessions/{SID}/permissions/p1/deny", {"message": "non"}),
        ("GET", "/api/agents", None),
    ]
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            for method, path, body in routes:
                for token, status, code in (
                    (agent_token, 403, "forbidden"),
                    (capture, 403, "forbidden"),
                    ("sbt_" + "x" * 43, 401, "unauthorized"),
                    (None, 401, "unauthorized"),
                ):
                    headers = auth(token) if token else {}
                    answer = await client.request(method, path, json=body, headers=headers)
                    assert answer.status_code == status, (method, path, token, answer.text)
                    assert answer.json()["error"]["code"] == code


async def test_auth_check_for_nginx(db: psycopg.Connection, pg_dsn: str) -> None:
    """/api/auth/check answers 204 for a capture or full token, 403 for an agent token and
    401 without a valid token; last use is recorded."""
    capture, full, agent_token = (
        issue(pg_dsn, "capture"),
        issue(pg_dsn, "full"),
        issue(pg_dsn, "agent"),
    )
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            check = "/api/auth/check?scope=capture"
            assert (await client.get(check, headers=auth(capture))).status_code == 204
            assert (await client.get(check, headers=auth(full))).status_code == 204
            assert (await client.get(check, headers=auth(agent_token))).status_code == 403
            assert (await client.get(check, headers=auth("sbt_nope"))).status_code == 401
            assert (await client.get(check)).status_code == 401
            bad_scope = await client.get("/api/auth/check?scope=root", headers=auth(full))
            assert bad_scope.status_code == 400
    used = db.execute(
        "SELECT scope FROM assistant.tokens WHERE last_used_at IS NOT NULL ORDER BY scope"
    ).fetchall()
    assert [r["scope"] for r in used] == ["agent", "capture", "full"]


async def test_agent_socket_refuses_bad_tokens_at_the_handshake(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """The agent WebSocket answers 401 without a valid token, 403 for a capture or phone token."""
    capture, full = issue(pg_dsn, "capture"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        for headers, status in (
            (auth("sbt_unknown"), 401),
            ({}, 401),
            (auth(capture), 403),
            (auth(full), 403),
        ):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(agent_ws_url(url), additional_headers=headers):
                    pass
            assert refused.value.response.status_code == status
            assert b'"error"' in refused.value.response.body


async def test_path_traversal_session_ids_are_rejected(db: psycopg.Connection, pg_dsn: str) -> None:
    """Session ids outside [A-Za-z0-9-]{1,64} never reach the database."""
    full = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            for bad in ("..%2F..%2Fetc%2Fpasswd", "a.b", "x" * 65, "%2e%2e", "abc%00"):
                answer = await client.get(f"/api/sessions/{bad}/messages")
                assert answer.status_code in (400, 404), bad
                assert answer.json()["error"]["code"] in ("invalid_request", "not_found")
            answer = await client.get("/api/sessions/a.b/messages")
            assert answer.status_code == 400
            prompt = await client.post("/api/sessions/a.b/prompt", json={"text": "x"})
            assert prompt.status_code == 400
