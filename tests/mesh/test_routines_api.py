"""The scheduled routines' API against a real hub and Postgres: reminders taken once, the
morning briefing in the user's zone, a failed execution audited; bad zones refused."""

from __future__ import annotations

import json

import httpx
import psycopg
import pytest

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub
from tests.support.clock import clear_of_midnight


@pytest.fixture(autouse=True)
def _one_paris_day() -> None:
    """Each test sees one Paris day: it waits out midnight when midnight is under 2 min away."""
    clear_of_midnight()


def _capture_with_actions(db: psycopg.Connection, *dues: str) -> str:
    row = db.execute(
        "SELECT assistant.record_capture(%s::jsonb) AS c",
        (json.dumps({"mode": "text", "channel": "api", "text": "à faire"}),),
    ).fetchone()
    assert row is not None
    cap = str(row["c"]["capture_id"])
    for n, due in enumerate(dues):
        db.execute(
            "INSERT INTO assistant.actions (capture_id, position, text, due)"
            " VALUES (%s, %s, %s, (now() AT TIME ZONE 'Europe/Paris')::date + %s::int)",
            (cap, n, f"action {due}", int(due)),
        )
    return cap


async def test_due_actions_are_reminded_once(db: psycopg.Connection, pg_dsn: str) -> None:
    """Today's and the overdue actions are claimed once; tomorrow's only with a lead of a day."""
    cap = _capture_with_actions(db, "-2", "0", "1")
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            first = await client.post("/api/lifecycle/reminders/claim", json={"tz": "Europe/Paris"})
            again = await client.post("/api/lifecycle/reminders/claim", json={"tz": "Europe/Paris"})
            ahead = await client.post(
                "/api/lifecycle/reminders/claim", json={"tz": "Europe/Paris", "lead_days": 1}
            )
    assert first.status_code == 200, first.text
    assert [(r["text"], r["overdue"], r["today"]) for r in first.json()] == [
        ("action -2", True, False),
        ("action 0", False, True),
    ]
    assert {r["capture_id"] for r in first.json()} == {cap}
    assert again.json() == []
    assert [r["text"] for r in ahead.json()] == ["action 1"]


async def test_briefing_lists_today_and_overdue(db: psycopg.Connection, pg_dsn: str) -> None:
    """The briefing names today's open actions and the overdue ones, not the coming ones."""
    _capture_with_actions(db, "-1", "0", "3")
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            answer = await client.get("/api/lifecycle/briefing", params={"tz": "Europe/Paris"})
    assert answer.status_code == 200, answer.text
    briefing = answer.json()
    assert [a["text"] for a in briefing["today"]] == ["action 0"]
    assert [a["text"] for a in briefing["overdue"]] == ["action -1"]


async def test_an_unknown_time_zone_is_a_clear_400(db: psycopg.Connection, pg_dsn: str) -> None:
    """A zone Postgres does not know is refused, naming it, and reminds nothing."""
    _capture_with_actions(db, "0")
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            claim = await client.post("/api/lifecycle/reminders/claim", json={"tz": "Mars/Olympus"})
            brief = await client.get("/api/lifecycle/briefing", params={"tz": "Mars/Olympus"})
    assert (claim.status_code, brief.status_code) == (400, 400)
    assert "Mars/Olympus" in claim.json()["error"]["message"]
    reminded = db.execute(
        "SELECT count(*) AS n FROM assistant.actions WHERE reminded_at IS NOT NULL"
    )
    assert reminded.fetchone() == {"n": 0}


async def test_a_failed_execution_is_audited(db: psycopg.Connection, pg_dsn: str) -> None:
    """The failure is one audit line; the notification names the workflow, step and error."""
    token = issue(pg_dsn, "full")
    failure = {
        "workflow": {"id": "sbDeliverCapture", "name": "deliver"},
        "execution": {"id": "42", "url": "http://n8n/execution/42", "mode": "trigger",
                      "lastNodeExecuted": "Send the note to Onyx", "error": {"message": "boom"}},
    }  # fmt: skip
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            kept = await client.post("/api/lifecycle/workflow-failures", json=failure)
    assert kept.status_code == 200, kept.text
    assert kept.json()["title"] == "Solo Brain : échec du workflow deliver"
    assert "Send the note to Onyx" in kept.json()["message"] and "boom" in kept.json()["message"]
    row = db.execute(
        "SELECT action, subject, detail->>'execution_id' AS execution FROM assistant.audit_log"
        " WHERE id = %s",
        (kept.json()["audit_id"],),
    ).fetchone()
    assert row == {"action": "workflow.failed", "subject": "deliver", "execution": "42"}
