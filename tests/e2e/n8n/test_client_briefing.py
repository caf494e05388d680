"""The briefing before a meeting with a client, through the real n8n (client-briefing) from the
calendar fake to the phone's Web Push, Gotify, WhatsApp and Kokoro: once per event and
destination, retried while a destination is down, never for an unknown client."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from solo_brain.catalog import Client, upsert_client
from tests.e2e.n8n.stack import NOTIFY_WHATSAPP_TO, Stack
from tests.fakes.push import Browser
from tests.support.mesh_stack import Api, create_token
from tests.support.wait import wait_for

pytestmark = [pytest.mark.n8n, pytest.mark.mesh]

CALENDAR = "solo@example.com"
INITECH = {"category": "client", "client": "initech", "summary": "Devis Initech",
           "actions": [{"text": "Envoyer le devis à Initech", "due_phrase": "aujourd'hui"},
                       {"text": "Préparer la démo Initech", "due_phrase": None}]}  # fmt: skip


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    """A paired phone subscribed to Web Push on the push-service fake."""
    api = Api(stack.hub.url, create_token(stack.dsn, "full", "iPhone-briefing"))
    browser = stack.push.subscribe()
    saved = api.client.post("/api/push/subscriptions", json=browser.subscription())
    assert saved.status_code == 201, saved.text
    yield browser
    api.client.request("DELETE", "/api/push/subscriptions")


@pytest.fixture(autouse=True)
def _calendar_emptied_after(stack: Stack) -> Iterator[None]:
    """The fake calendar's events go with the test that added them: left in it, the schedule
    (every 10 s in the stack) would keep planning and claiming every pending briefing send,
    racing other tests' claims of their own."""
    before = {calendar: list(events) for calendar, events in stack.calendar.events.items()}
    yield
    for calendar, events in stack.calendar.events.items():
        events[:] = before.get(calendar, [])


def _meeting(summary: str, minutes: int, *emails: str) -> dict[str, Any]:
    """An event starting in `minutes`, added to the calendar fake; the user attends it."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)
    event = {"kind": "calendar#event", "id": secrets.token_hex(10), "status": "confirmed",
             "summary": summary, "start": {"dateTime": start.isoformat()},
             "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
             "attendees": [{"email": CALENDAR, "self": True},
                           *({"email": e} for e in emails)]}  # fmt: skip
    return event


def _briefings(stack: Stack, browser: Browser, event: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in stack.push.payloads(browser.id) if p.get("tag") == f"briefing-{event['id']}"]


def _on_gotify(stack: Stack, title: str) -> list[dict[str, Any]]:
    return [m for m in stack.gotify.messages if m["title"] == title]


def _on_whatsapp(stack: Stack, body: str) -> list[dict[str, Any]]:
    return [m for m in stack.graph.sent if m.get("text", {}).get("body") == body]


def _sends(stack: Stack, event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    query = "SELECT kind, state, attempts, last_error FROM assistant.client_briefing_sends"
    found = stack.rows(query + " WHERE event_id = %s", event["id"])
    return {r["kind"]: r for r in found}


def _tried(stack: Stack, event: dict[str, Any], *kinds: str) -> bool:
    sends = _sends(stack, event)
    return all(sends.get(k, {}).get("attempts", 0) >= 1 for k in kinds)


def test_meeting_with_a_known_client_is_briefed_once(stack: Stack, browser: Browser) -> None:
    """An event 20 minutes ahead with someone at a client's domain: one push naming its open
    actions, spoken by Kokoro, also on Gotify; later runs send nothing more; an unknown client's
    event, nothing."""
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        upsert_client(conn, Client(id="initech", name="Initech", domains=["initech.fr"]))
    stack.brain.when("initech", "devis", answer=INITECH)
    filed = stack.capture(text="Initech : envoyer le devis aujourd'hui et préparer la démo")
    assert filed.status_code == 200 and filed.json()["client_id"] == "initech", filed.text
    meeting = _meeting("Réunion d'avancement", 20, "marie@initech.fr")
    stranger = _meeting("Point Initechnologies", 15, "bob@notinitech.fr")
    stack.calendar.events.setdefault(CALENDAR, []).extend([meeting, stranger])

    (push,) = wait_for(lambda: _briefings(stack, browser, meeting), 60, "the briefing push")
    assert push["title"].startswith("Rendez-vous avec Initech à ")
    assert push["body"].startswith("Rendez-vous avec Initech dans ")
    assert "« Réunion d'avancement »" in push["body"]
    assert "Envoyer le devis à Initech, pour aujourd'hui" in push["body"]
    assert "Préparer la démo Initech" in push["body"] and "Devis Initech" in push["body"]
    assert push["url"] == "/" and push["audio_url"]
    assert [r.input for r in stack.kokoro.requests].count(push["body"]) == 1
    (gotify,) = wait_for(lambda: _on_gotify(stack, push["title"]), 30, "the briefing on Gotify")
    assert gotify["message"] == f"{push['body']}\n🔊 {push['audio_url']}"
    (whatsapp,) = wait_for(lambda: _on_whatsapp(stack, push["body"]), 30, "it on WhatsApp")
    assert whatsapp["to"] == NOTIFY_WHATSAPP_TO and whatsapp["type"] == "text"

    # Another meeting briefed proves later runs of the schedule went by.
    later = _meeting("Initech : revue", 25)
    stack.calendar.events[CALENDAR].append(later)
    wait_for(lambda: _briefings(stack, browser, later), 60, "a later run's briefing")
    assert len(_briefings(stack, browser, meeting)) == 1
    assert len(_on_gotify(stack, push["title"])) == 1
    assert len(_on_whatsapp(stack, push["body"])) == 1
    assert _briefings(stack, browser, stranger) == []
    # (other tests of the shared stack plan briefings of their own)
    mine = [meeting["id"], stranger["id"], later["id"]]
    claimed = stack.rows("SELECT event_id FROM assistant.client_briefings "
                         "WHERE event_id = ANY(%s)", mine)  # fmt: skip
    assert {r["event_id"] for r in claimed} == {meeting["id"], later["id"]}
    assert {k: r["state"] for k, r in _sends(stack, meeting).items()} == dict.fromkeys(
        ("speech", "push", "gotify", "whatsapp"), "done"
    )


def test_a_destination_down_is_retried_without_blocking_the_others(
    stack: Stack, browser: Browser
) -> None:
    """The push service refusing and Gotify down on the first runs: WhatsApp goes at once, the
    push once the push service accepts (Gotify still down), Gotify once it is back; each once."""
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        upsert_client(conn, Client(id="globex", name="Globex", domains=["globex.io"]))
    stack.push.answer, stack.gotify.fail_with = 503, 503
    try:
        meeting = _meeting("Point Globex", 20, "hank@globex.io")
        stack.calendar.events.setdefault(CALENDAR, []).append(meeting)
        wait_for(lambda: _tried(stack, meeting, "push", "gotify"), 60, "the refused sends")
        sends = _sends(stack, meeting)
        assert sends["push"]["state"] == "pending" and _briefings(stack, browser, meeting) == []
        assert "no phone received it" in sends["push"]["last_error"]
        assert sends["gotify"]["state"] == "pending" and "503" in sends["gotify"]["last_error"]
        wait_for(lambda: _sends(stack, meeting)["whatsapp"]["state"] == "done", 30, "WhatsApp")
        stack.push.answer = 201
        (push,) = wait_for(lambda: _briefings(stack, browser, meeting), 60, "the retried push")
        assert _on_gotify(stack, push["title"]) == []
    finally:
        stack.push.answer, stack.gotify.fail_with = 201, None
    wait_for(lambda: _on_gotify(stack, push["title"]), 60, "the retried Gotify message")
    later = _meeting("Globex : suite", 25)
    stack.calendar.events[CALENDAR].append(later)
    wait_for(lambda: _briefings(stack, browser, later), 60, "a later run's briefing")
    assert len(_briefings(stack, browser, meeting)) == 1
    assert len(_on_gotify(stack, push["title"])) == 1
    assert len(_on_whatsapp(stack, push["body"])) == 1
    query = "SELECT detail FROM assistant.audit_log WHERE action = 'client_briefing.sent'"
    sent = stack.rows(query + " AND detail->>'event_id' = %s", meeting["id"])
    assert sorted(r["detail"]["kind"] for r in sent) == ["gotify", "push", "speech", "whatsapp"]


def test_a_calendar_outage_is_logged_not_raised(stack: Stack) -> None:
    """When the calendar answers 503 the run logs it and ends; no execution fails."""
    said = b"client briefing: Google Calendar did not answer"
    logged = stack.log_path.stat().st_size  # what n8n logs from now on, not an earlier outage
    stack.calendar.fail_with = 503
    try:
        wait_for(lambda: said in stack.log_path.read_bytes()[logged:], 60,
                 what="the calendar outage in n8n's log")  # fmt: skip
    finally:
        stack.calendar.fail_with = None
    failed = stack.rows("SELECT detail FROM assistant.audit_log WHERE action = "
                        "'workflow.failed' AND subject = 'client-briefing'")  # fmt: skip
    assert failed == []
