"""The questions' API against a real hub and Postgres: the facts of a period gathered from the
user's own actions, the question kept as one with no action; unknown captures refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub


def _capture(db: psycopg.Connection, text: str) -> str:
    row = db.execute(
        "SELECT assistant.record_capture(%s::jsonb) AS c",
        (json.dumps({"mode": "text", "channel": "api", "text": text}),),
    ).fetchone()
    assert row is not None
    return str(row["c"]["capture_id"])


async def test_a_question_is_answered_from_its_period_and_kept(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Tomorrow's actions are the facts; the question is kept as one, without any action."""
    tomorrow = date.today() + timedelta(days=1)
    note = _capture(db, "appeler Dupont demain")
    db.execute(
        "INSERT INTO assistant.actions (capture_id, position, text, due) VALUES (%s, 0, %s, %s)",
        (note, "appeler Dupont", tomorrow),
    )
    cap = _capture(db, "qu'est-ce que j'ai demain ?")
    period = {"period_phrase": "demain", "start": tomorrow.isoformat()}
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            gathered = await client.post(
                f"/api/lifecycle/questions/{cap}/facts",
                json={"question": period, "tz": "Europe/Paris"},
            )
            told = await client.post(f"/api/lifecycle/questions/{cap}/answer", json={
                "classification": {"category": "question", "question": period,
                                   "summary": "Demain ?", "classifier": "local"},
                "speech": "Demain, tu dois appeler Dupont."})  # fmt: skip
    assert gathered.status_code == 200, gathered.text
    facts = gathered.json()
    assert facts["question"] == "qu'est-ce que j'ai demain ?" and facts["voice_format"] == "mp3"
    assert [a["text"] for a in facts["facts"]["actions"]] == ["appeler Dupont"]
    assert facts["calendar"]["singleEvents"] is True
    assert told.status_code == 200, told.text
    assert told.json()["capture_id"] == cap
    row = db.execute(
        "SELECT category, question->>'period_phrase' AS asked,"
        " (SELECT count(*) FROM assistant.actions WHERE capture_id = %s) AS actions"
        " FROM assistant.captures WHERE id = %s",
        (cap, cap),
    ).fetchone()
    assert row == {"category": "question", "asked": "demain", "actions": 0}


async def test_unknown_captures_and_bad_periods_are_refused(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """An unknown capture is a 404; a period that is not a date a 400."""
    cap = _capture(db, "qu'est-ce que j'ai demain ?")
    ghost = "cap_01JC0000000000000000000000"
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            unknown = await client.post(
                f"/api/lifecycle/questions/{ghost}/facts", json={"tz": "Europe/Paris"}
            )
            not_told = await client.post(
                f"/api/lifecycle/questions/{ghost}/answer", json={"speech": "Rien."}
            )
            bad = await client.post(
                f"/api/lifecycle/questions/{cap}/facts",
                json={"question": {"start": "demain"}, "tz": "Europe/Paris"},
            )
    assert (unknown.status_code, not_told.status_code, bad.status_code) == (404, 404, 400)
    assert unknown.json()["error"]["code"] == "not_found"
