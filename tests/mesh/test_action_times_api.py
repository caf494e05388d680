"""An action's time of day through the hub: shown and edited in the inbox API, and reminded
near it by the routines' API, against a real hub and Postgres."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub


def _capture(db: psycopg.Connection, actions: list[dict[str, Any]]) -> str:
    fields = {"text": "Rappelle-moi demain à 10h d'appeler Martin", "category": "todo",
              "actions": actions}  # fmt: skip
    row = db.execute("SELECT assistant.record_capture(%s::jsonb) AS c", (json.dumps(fields),))
    found = row.fetchone()
    assert found is not None
    return str(found["c"]["capture_id"])


async def test_the_time_is_shown_edited_kept_and_cleared(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """GET shows "10:00"; PATCH sets a time, keeps it when left out, clears it with null."""
    capture_id = _capture(db, [{"text": "appeler Martin", "due": "2026-06-02", "due_time": "10:00"},
                               {"text": "payer l'URSSAF", "due": "2026-06-03"}])  # fmt: skip
    token = issue(pg_dsn, "full")
    path = f"/api/captures/{capture_id}"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            shown = (await client.get(path)).json()["actions"]
            assert [(a["text"], a["due_time"]) for a in shown] == [
                ("appeler Martin", "10:00"), ("payer l'URSSAF", None)]  # fmt: skip
            listed = (await client.get("/api/captures")).json()["captures"][0]["actions"]
            assert [a["due_time"] for a in listed] == ["10:00", None]
            martin, urssaf = (a["id"] for a in shown)
            change = {"actions": [
                {"id": martin, "text": "appeler Martin", "due": "2026-06-04"},
                {"id": urssaf, "text": "payer l'URSSAF", "due": "2026-06-03",
                 "due_time": "18:45"}]}  # fmt: skip
            moved = await client.patch(path, json=change)
            assert moved.status_code == 200, moved.text
            assert [(a["due"], a["due_time"]) for a in moved.json()["actions"]] == [
                ("2026-06-04", "10:00"), ("2026-06-03", "18:45")]  # fmt: skip
            timed = {d["detail"].get("due_time") for d in moved.json()["deliveries"]}
            assert {"10:00", "18:45"} <= timed
            cleared = await client.patch(path, json={"actions": [
                {"id": martin, "text": "appeler Martin", "due": "2026-06-04",
                 "due_time": None}]})  # fmt: skip
            assert [a["due_time"] for a in cleared.json()["actions"]] == [None]


async def test_a_bad_time_is_refused_and_changes_nothing(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A time without a day, or not HH:MM, is a 400 invalid_request naming it; nothing changes."""
    capture_id = _capture(
        db, [{"text": "appeler Martin", "due": "2026-06-02", "due_time": "10:00"}]
    )
    token = issue(pg_dsn, "full")
    path = f"/api/captures/{capture_id}"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            dayless = await client.patch(path, json={"actions": [
                {"text": "appeler Martin", "due": None, "due_time": "10:00"}]})  # fmt: skip
            assert dayless.status_code == 400
            error = dayless.json()["error"]
            assert error["code"] == "invalid_request" and "needs a due day" in error["message"]
            for bad in ("10h", "24:00", "9:30", "10:00:00", 600):
                refused = await client.patch(path, json={"actions": [
                    {"text": "appeler Martin", "due": "2026-06-02", "due_time": bad}]})  # fmt: skip
                assert refused.status_code == 400, bad
                assert refused.json()["error"]["code"] == "invalid_request"
            after = (await client.get(path)).json()["actions"]
    assert [(a["due"], a["due_time"]) for a in after] == [("2026-06-02", "10:00")]


async def test_a_timed_action_is_reminded_within_the_lead(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Claimed once its time in the user's zone is within lead_min, with its time; not before."""
    paris = datetime.now(ZoneInfo("Europe/Paris"))
    soon, later = paris + timedelta(minutes=10), paris + timedelta(minutes=50)
    _capture(db, [
        {"text": "appeler Martin", "due": soon.date().isoformat(),
         "due_time": soon.strftime("%H:%M")},
        {"text": "dîner", "due": later.date().isoformat(), "due_time": later.strftime("%H:%M")},
    ])  # fmt: skip
    token = issue(pg_dsn, "full")
    claim = "/api/lifecycle/reminders/claim"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            first = await client.post(claim, json={"tz": "Europe/Paris"})
            again = await client.post(claim, json={"tz": "Europe/Paris", "lead_min": 15})
            wider = await client.post(claim, json={"tz": "Europe/Paris", "lead_min": 60})
            bad = await client.post(claim, json={"tz": "Europe/Paris", "lead_min": -1})
    assert first.status_code == 200, first.text
    assert [(r["text"], r["due_time"]) for r in first.json()] == [
        ("appeler Martin", soon.strftime("%H:%M"))]  # fmt: skip
    assert again.json() == []
    assert [r["text"] for r in wider.json()] == ["dîner"]
    assert bad.status_code == 400
