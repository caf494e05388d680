"""The hub fed the bad-input corpus on every route, enumerated from the app itself: wrong,
revoked and missing tokens, hostile ids, hostile strings and broken bodies are refused with a
clear 4xx and leave every table as it was."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mesh_protocol import agent_ws_url
from solo_brain.mesh.app import create_app
from tests.fakes.server import serve
from tests.mesh.hub_harness import auth, hub_settings, issue
from tests.support.corpus import (
    EVIL_BODIES,
    EVIL_IDS,
    EVIL_STRINGS,
    assert_clear_refusal,
    assert_no_server_error,
    state,
)

ULID = "01JC0000000000000000000000"
# A well-formed value of every path parameter the hub has (a new name must be added here).
PATH_VALUES = {
    "session_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "permission_id": "p1",
    "device_id": f"tok_{ULID}",
    "capture_id": f"cap_{ULID}",
    "slug": "site-x",
    "client_id": "dupont",
    "token_id": f"tok_{ULID}",
    "delivery_id": f"dlv_{ULID}",
}
# A valid body of every route that reads one (a new route with a body must be added here).
KEY = "A" * 87
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/sessions/{session_id}/prompt"): {"text": "bonjour", "voice_reply": False},
    ("POST", "/api/sessions/{session_id}/permissions/{permission_id}/deny"): {"message": "non"},
    ("POST", "/api/pairing-codes"): {"device_name": "ipad"},
    ("POST", "/api/pair"): {"code": "ABCD-EFGH", "device_name": "iphone"},
    ("PATCH", "/api/captures/{capture_id}"): {"summary": "résumé"},
    ("POST", "/api/projects"): {"slug": "site-y", "name": "Site Y", "aliases": ["sy"]},
    ("PATCH", "/api/projects/{slug}"): {"name": "Site X bis"},
    ("POST", "/api/clients"): {"id": "durand", "name": "Durand", "aliases": ["dd"]},
    ("PATCH", "/api/clients/{client_id}"): {"name": "Dupont SA"},
    ("POST", "/api/push/subscriptions"): {
        "endpoint": "https://push.example.net/send/abc",
        "keys": {"p256dh": KEY, "auth": "B" * 22},
    },
    ("DELETE", "/api/push/subscriptions"): {"endpoint": "https://push.example.net/send/abc"},
    ("POST", "/api/notify"): {"title": "Rappel", "body": "Appeler Dupont"},
    ("POST", "/api/tokens"): {"name": "Raccourci Siri"},
    ("POST", "/api/lifecycle/captures/{capture_id}/transcript"): {"transcript": "bonjour"},
    ("POST", "/api/lifecycle/captures/{capture_id}/filing"): {"result": {"category": "todo"}},
    ("POST", "/api/lifecycle/whatsapp/captures"): {
        "message": {"message_id": "wamid.1", "from": "33600000000", "type": "text", "text": "x"}
    },
    ("POST", "/api/lifecycle/captures/{capture_id}/outcome"): {"speech": "C'est noté."},
    ("POST", "/api/lifecycle/captures/{capture_id}/deliveries/retry"): {},
    ("POST", "/api/lifecycle/retries/claim"): {"limit": 5},
    ("POST", "/api/lifecycle/deliveries/claim"): {
        "capture_id": f"cap_{ULID}",
        "configured": ["calendar"],
    },
    ("POST", "/api/lifecycle/deliveries/{delivery_id}/result"): {"status": 200, "body": {}},
    ("POST", "/api/lifecycle/reminders/claim"): {"tz": "Europe/Paris", "lead_days": 1},
    ("POST", "/api/lifecycle/client-briefings/plan"): {
        "briefings": [
            {
                "event_id": "evt1",
                "start": "2030-05-02T09:00:00+02:00",
                "client_id": "dupont",
                "title": "Point Dupont",
                "speech": "Rendez-vous avec Dupont.",
                "push": {"title": "Dupont", "body": "Rendez-vous"},
            }
        ],
        "configured": {"push": True, "gotify": False, "whatsapp_to": "33612345678"},
    },
    ("POST", "/api/lifecycle/client-briefings/sends/claim"): {"stage": "speech"},
    ("POST", "/api/lifecycle/client-briefings/sends/result"): {
        "event_id": "evt1",
        "start": "2030-05-02T09:00:00+02:00",
        "kind": "speech",
        "status": 200,
        "body": {"url": "http://x/a.mp3"},
    },
    ("POST", "/api/lifecycle/questions/{capture_id}/facts"): {
        "question": {"period_phrase": "demain", "start": "2030-05-02", "end": "2030-05-02"},
        "project": "site-x",
        "tz": "Europe/Paris",
    },
    ("POST", "/api/lifecycle/questions/{capture_id}/answer"): {
        "classification": {"category": "question", "summary": "Demain ?"},
        "speech": "Demain, rien de prévu.",
    },
    ("POST", "/api/lifecycle/workflow-failures"): {
        "workflow": {"id": "w1", "name": "deliver"},
        "execution": {"id": "7", "lastNodeExecuted": "Send", "error": {"message": "boom"}},
    },
}
# Routes any caller may reach (they check what they are given themselves).
PUBLIC = {"/healthz", "/readyz", "/api/auth/check", "/api/pair"}


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, set[str]]]:
    """(method, path template, path parameters) of every HTTP route, included routers too."""
    stack: list[Any] = list(app.routes)
    while stack:
        route = stack.pop(0)
        if type(route).__name__ == "_IncludedRouter":  # FastAPI >= 0.16x includes lazily
            stack[:0] = list(route.effective_candidates())
            continue
        methods = getattr(route, "methods", None)
        dependant = getattr(route, "dependant", None)
        if methods is None or dependant is None or not route.path.startswith(("/api", "/h", "/r")):
            continue
        for method in sorted(methods - {"HEAD"}):
            yield method, route.path, {p.name for p in dependant.path_params}


ROUTES = sorted(
    set((m, p) for m, p, _ in api_routes(create_app(hub_settings("postgresql://x@127.0.0.1:1/x"))))
)


def fill(path: str, **override: str) -> str:
    """The path with every parameter given a well-formed value (or the override)."""
    return re.sub(r"\{(\w+)\}", lambda m: override.get(m[1], PATH_VALUES[m[1]]), path)


def seed(db: psycopg.Connection) -> None:
    """A client and a project, so that PATCH and DELETE have something to hit."""
    db.execute("INSERT INTO assistant.clients (id, name) VALUES ('dupont', 'Dupont')")
    db.execute(
        "INSERT INTO assistant.projects (slug, name, client_id)"
        " VALUES ('site-x', 'Site X', 'dupont')"
    )


def test_every_route_is_listed_with_its_parameters_and_bodies() -> None:
    """The enumeration finds the hub's routes, and every id and body of them is known here."""
    assert ("GET", "/api/sessions") in ROUTES and ("POST", "/api/notify") in ROUTES
    for _, path in ROUTES:
        fill(path)  # KeyError: a new path parameter needs a value in PATH_VALUES
    body_routes = {(m, p) for m, p in ROUTES if m in ("POST", "PATCH", "PUT")}
    missing = (
        body_routes
        - set(BODIES)
        - {
            ("POST", "/api/sessions/{session_id}/permissions/{permission_id}/approve"),
            ("POST", "/api/captures/{capture_id}/retry"),
            ("POST", "/api/capture"),
        }
    )
    assert not missing, f"give these routes a valid body in BODIES: {missing}"


async def test_every_route_refuses_missing_unknown_revoked_and_wrong_scope_tokens(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """No token, an unknown, a malformed or a revoked token → 401; an agent token → 403, and a
    capture token → 403 everywhere but the capture path; nothing is written."""
    seed(db)
    agent_token, capture = issue(pg_dsn, "agent"), issue(pg_dsn, "capture")
    revoked = issue(pg_dsn, "full", "old-phone")
    db.execute("UPDATE assistant.tokens SET revoked_at = now() WHERE name = 'old-phone'")
    unauthorized = [
        {},
        auth("sbt_" + "x" * 43),
        auth(revoked),
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer " + "x" * 8000},
    ]
    with serve(create_app(hub_settings(pg_dsn))) as url:
        before = state(db)  # after the lifespan wrote its VAPID key
        async with httpx.AsyncClient(base_url=url) as client:
            for method, path in ROUTES:
                if path in PUBLIC:
                    continue
                body = BODIES.get((method, path))
                target = fill(path)
                for headers in unauthorized:
                    answer = await client.request(method, target, json=body, headers=headers)
                    assert_clear_refusal(answer, 401)
                wrong = [agent_token] + ([] if path == "/api/capture" else [capture])
                for token in wrong:
                    answer = await client.request(method, target, json=body, headers=auth(token))
                    assert_clear_refusal(answer, 403)
    assert state(db) == before


async def test_agent_socket_refuses_revoked_and_malformed_tokens(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """The agent WebSocket refuses a revoked agent token and malformed headers at the handshake."""
    revoked = issue(pg_dsn, "agent", "old-laptop")
    db.execute("UPDATE assistant.tokens SET revoked_at = now() WHERE name = 'old-laptop'")
    with serve(create_app(hub_settings(pg_dsn))) as url:
        before = state(db)
        for headers in (auth(revoked), {"Authorization": "Bearer"}, {"Authorization": "Token x"}):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(agent_ws_url(url), additional_headers=headers):
                    pass
            assert refused.value.response.status_code == 401
    assert state(db) == before


async def test_hostile_ids_in_every_path_are_refused(db: psycopg.Connection, pg_dsn: str) -> None:
    """Traversal (plain, encoded, NUL), SQL and odd bytes in any id → a clear 4xx, no write."""
    seed(db)
    full = issue(pg_dsn, "full")
    with serve(create_app(hub_settings(pg_dsn))) as url:
        before = state(db)
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            for method, path in ROUTES:
                for name in re.findall(r"\{(\w+)\}", path):
                    for evil in EVIL_IDS.values():
                        target = fill(path, **{name: evil})
                        body = BODIES.get((method, path))
                        answer = await client.request(method, target, json=body)
                        assert_clear_refusal(answer, 400, 404, 405)
    assert state(db) == before


async def test_broken_bodies_are_refused_on_every_route_that_reads_one(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Truncated, deeply nested, non-UTF-8 or mistyped JSON → 400 (or 413), nothing written."""
    seed(db)
    full = issue(pg_dsn, "full")
    headers = {**auth(full), "Content-Type": "application/json"}
    broken = {k: v for k, v in EVIL_BODIES.items() if k not in ("empty", "null")}
    with serve(create_app(hub_settings(pg_dsn))) as url:
        before = state(db)
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            for method, path in BODIES:
                for raw in broken.values():
                    answer = await client.request(method, fill(path), content=raw)
                    assert_clear_refusal(answer, 400, 404, 413, 429)
            assert state(db) == before
            # No body at all, or a body of the wrong type: valid where every field is optional.
            for method, path in BODIES:
                for raw in (b"", b"null"):
                    assert_no_server_error(await client.request(method, fill(path), content=raw))
                wrong_type = await client.request(
                    method,
                    fill(path),
                    content=json.dumps(BODIES[(method, path)]),
                    headers={"Content-Type": "text/plain"},
                )
                assert_no_server_error(wrong_type)


@pytest.mark.parametrize("evil", sorted(EVIL_STRINGS))
async def test_hostile_strings_in_every_field_never_break_the_hub(
    db: psycopg.Connection, pg_dsn: str, evil: str
) -> None:
    """NUL, lone surrogates, SQL, RTL overrides, zalgo, control bytes and 100 k characters in any
    string field: stored as given or refused with a clear 4xx that writes nothing."""
    seed(db)
    full = issue(pg_dsn, "full")
    value = EVIL_STRINGS[evil]
    with serve(create_app(hub_settings(pg_dsn))) as url:
        state(db)
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            for (method, path), body in BODIES.items():
                for field, _ in _string_fields(body):
                    before = state(db)
                    hostile = _replace(body, field, value)
                    content = json.dumps(hostile).encode()
                    answer = await client.request(
                        method,
                        fill(path),
                        content=content,
                        headers={"Content-Type": "application/json"},
                    )
                    assert_no_server_error(answer)
                    if answer.status_code >= 400:
                        assert state(db) == before, (method, path, field, answer.text[:200])


Field = tuple[Any, ...]


def _string_fields(body: Any, prefix: Field = ()) -> Iterator[tuple[Field, str]]:
    if isinstance(body, str):
        yield prefix, body
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from _string_fields(value, (*prefix, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _string_fields(value, (*prefix, index))


def _replace(body: Any, field: tuple[Any, ...], value: str) -> Any:
    if not field:
        return value
    copy = json.loads(json.dumps(body))
    node = copy
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    return copy


async def test_a_pairing_code_replayed_at_once_pairs_one_device(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Five simultaneous uses of one code and a later replay: exactly one device is paired."""
    full = issue(pg_dsn, "full")
    with serve(create_app(hub_settings(pg_dsn))) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await client.post("/api/pairing-codes", json={}, headers=auth(full))
            code = made.json()["code"]
            tries = [
                client.post("/api/pair", json={"code": code, "device_name": f"phone-{n}"})
                for n in range(5)
            ]
            answers = await asyncio.gather(*tries)
            replay = await client.post("/api/pair", json={"code": code, "device_name": "late"})
    assert sorted(a.status_code for a in answers) == [201, 400, 400, 400, 400]
    for refused in [a for a in answers if a.status_code == 400] + [replay]:
        assert_clear_refusal(refused, 400)
    paired = db.execute("SELECT count(*) AS n FROM assistant.tokens WHERE scope = 'full'")
    assert paired.fetchone()["n"] == 2  # the test's own token and the one device
