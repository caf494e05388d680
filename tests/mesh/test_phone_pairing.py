"""Pairing a phone and managing devices, against a real hub and Postgres."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import psycopg

from solo_brain.mesh.store.pairing import ALPHABET, normalize
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub, scripted_agent, sse
from tests.support.processes import run_cli


async def _code(client: httpx.AsyncClient, token: str, **body: str) -> dict[str, str]:
    answer = await client.post("/api/pairing-codes", json=body or None, headers=auth(token))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_a_code_pairs_once_and_the_device_token_works(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A code gives a full token once; a second use is refused with a clear message."""
    full = issue(pg_dsn, "full", "laptop")
    with running_hub(hub_settings(pg_dsn, PUBLIC_HUB_URL="https://hub.example")) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await _code(client, full, device_name="iPhone")
            assert len(made["code"]) == 9 and made["code"][4] == "-"
            assert made["url"] == f"https://hub.example/pair?code={made['code']}"
            typed = made["code"].lower().replace("-", " ")
            paired = await client.post("/api/pair", json={"code": typed})
            assert paired.status_code == 201, paired.text
            body = paired.json()
            assert body["device"]["name"] == "iPhone" and body["token"].startswith("sbt_")
            sessions = await client.get("/api/sessions", headers=auth(body["token"]))
            assert sessions.status_code == 200
            again = await client.post("/api/pair", json={"code": made["code"]})
            assert again.status_code == 400
            assert again.json()["error"]["code"] == "invalid_pairing_code"
            assert "already used" in again.json()["error"]["message"]
            assert again.json()["error"]["reason"] == "used"
    stored = db.execute("SELECT hash, used_at FROM assistant.pairing_codes").fetchall()
    assert len(stored) == 1 and stored[0]["used_at"] is not None
    assert made["code"].replace("-", "") not in str(stored)
    audit = [r["action"] for r in db.execute("SELECT action FROM assistant.audit_log")]
    assert "device.paired" in audit and "pairing_code.created" in audit


async def test_an_expired_or_unknown_code_is_refused(db: psycopg.Connection, pg_dsn: str) -> None:
    """A code past its life, or one never issued, gets 400 and issues no token."""
    full = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn, PAIRING_CODE_TTL_S=0.5)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await _code(client, full)
            await asyncio.sleep(0.7)  # the code's life is the behaviour under test
            expired = await client.post(
                "/api/pair", json={"code": made["code"], "device_name": "x"}
            )
            assert expired.status_code == 400 and "expired" in expired.json()["error"]["message"]
            unknown = await client.post("/api/pair", json={"code": "ABCD-EFGH"})
            assert "unknown" in unknown.json()["error"]["message"]
            malformed = await client.post("/api/pair", json={"code": "0O1I"})
            assert malformed.status_code == 400
            reasons = [r.json()["error"]["reason"] for r in (expired, unknown, malformed)]
            assert reasons == ["expired", "unknown", "malformed"]
    tokens = db.execute("SELECT count(*) AS n FROM assistant.tokens WHERE paired").fetchone()
    assert tokens is not None and tokens["n"] == 0


async def test_pairing_attempts_are_limited_per_address(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """After the allowed attempts from one address, even a good code waits (429)."""
    full = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn, PAIR_MAX_ATTEMPTS=3, PAIR_WINDOW_S=60)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await _code(client, full)
            for _ in range(3):
                wrong = await client.post("/api/pair", json={"code": "WXYZ-2345"})
                assert wrong.status_code == 400
            limited = await client.post("/api/pair", json={"code": made["code"]})
            assert limited.status_code == 429
            assert limited.json()["error"]["code"] == "too_many_requests"
            assert limited.json()["error"]["retry_after_s"] > 0


async def test_a_revoked_device_gets_401_at_once(db: psycopg.Connection, pg_dsn: str) -> None:
    """Devices list the caller as current; a revoked one is refused on its next request."""
    laptop = issue(pg_dsn, "full", "laptop")
    issue(pg_dsn, "capture", "siri")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            made = await _code(client, laptop)
            body = {"code": made["code"], "device_name": "iPad"}
            paired = await client.post("/api/pair", json=body, headers={"User-Agent": "Safari/17"})
            phone = paired.json()["token"]
            listed = (await client.get("/api/devices", headers=auth(phone))).json()
            assert [(d["name"], d["current"], d["paired"]) for d in listed] == [
                ("iPad", True, True),
                ("laptop", False, False),
            ]
            assert listed[0]["user_agent"] == "Safari/17"
            device_id = listed[0]["id"]
            gone = await client.delete(f"/api/devices/{device_id}", headers=auth(laptop))
            assert gone.status_code == 204
            refused = await client.get("/api/devices", headers=auth(phone))
            assert refused.status_code == 401
            again = await client.delete(f"/api/devices/{device_id}", headers=auth(laptop))
            assert again.status_code == 404


async def test_a_revoked_device_loses_its_open_stream(db: psycopg.Connection, pg_dsn: str) -> None:
    """A session stream opened before the revocation ends on its own shortly after it."""
    agent_token, laptop = issue(pg_dsn, "agent"), issue(pg_dsn, "full", "laptop")
    phone = issue(pg_dsn, "full", "phone")
    sid = "ab12cd34-0000-4000-8000-00000000beef"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):
            await agent.session(sid, cwd="/tmp/x")
            async with sse(client, f"/api/sessions/{sid}/stream", phone) as stream:
                [me] = [d for d in (await client.get("/api/devices", headers=auth(laptop))).json()
                        if d["name"] == "phone"]  # fmt: skip
                revoked = await client.delete(f"/api/devices/{me['id']}", headers=auth(laptop))
                assert revoked.status_code == 204
                try:
                    await stream.next(wait_s=15)
                    raise AssertionError("the stream sent an event after the revocation")
                except EOFError:
                    pass  # the hub closed it


def test_normalize_accepts_what_a_user_types() -> None:
    """Lower case, spaces and dashes are fine; look-alike characters are never in a code."""
    assert normalize(" abcd-efgh ") == "ABCDEFGH"
    assert normalize("ABCDEFG") is None and normalize("ABCD-EFG0") is None
    assert not set("01OIL") & set(ALPHABET)


def test_pair_command_prints_a_code_and_a_qr_code(pg_dsn: str) -> None:
    """`solo-brain pair` prints the QR code, the code and the URL to open."""
    done = run_cli(pg_dsn, "pair", "--name", "iPhone", PUBLIC_HUB_URL="https://hub.example")
    assert done.returncode == 0, done.stderr
    assert "█" in done.stdout or "▀" in done.stdout
    assert "https://hub.example/pair?code=" in done.stdout
    assert "Home Screen" in done.stdout and "on the phone." in done.stdout


def test_pair_command_on_the_default_loopback_url_says_how_to_reach_a_phone(pg_dsn: str) -> None:
    """With PUBLIC_HUB_URL on 127.0.0.1 (the default), the URL is for this machine's browser,
    and the command says which setting makes it reachable from a phone."""
    done = run_cli(pg_dsn, "pair", "--no-qr", PUBLIC_HUB_URL="http://127.0.0.1:8100")
    assert done.returncode == 0, done.stderr
    assert "http://127.0.0.1:8100/pair?code=" in done.stdout
    assert "on the phone." not in done.stdout
    assert "a phone cannot reach 127.0.0.1: set PUBLIC_HUB_URL" in done.stdout


def test_pair_command_says_the_expiry_in_the_users_zone(pg_dsn: str) -> None:
    """The code's expiry is printed in SOLO_BRAIN_TZ and names it, whatever the server's zone."""
    zone = "Asia/Kathmandu"  # +05:45: never mistaken for the server's UTC
    done = run_cli(
        pg_dsn, "pair", "--no-qr", SOLO_BRAIN_TZ=zone, TZ="UTC", PAIRING_CODE_TTL_S="300"
    )
    assert done.returncode == 0, done.stderr
    shown = re.search(r"valid until (\d\d):(\d\d):(\d\d) (\S+)\)", done.stdout)
    assert shown, done.stdout
    assert shown[4] == zone
    expected = datetime.now(ZoneInfo(zone)) + timedelta(seconds=300)
    seconds = int(shown[1]) * 3600 + int(shown[2]) * 60 + int(shown[3])
    drift = (expected.hour * 3600 + expected.minute * 60 + expected.second - seconds) % 86400
    assert min(drift, 86400 - drift) < 90, (done.stdout, expected)
