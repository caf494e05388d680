"""The client briefings' API against a real hub and Postgres: planned once per event, sends
leased speech first, answers recorded by the SQL function's rules; bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub


def _briefing(start: datetime) -> dict[str, object]:
    return {
        "event_id": "evt-acme-1",
        "start": start.isoformat(),
        "client_id": "acme",
        "title": "Point ACME",
        "speech": "Dans vingt minutes, point avec ACME.",
        "push": {"title": "Point ACME", "body": "Deux actions ouvertes."},
        "extra_from_classify": True,
    }


async def test_a_briefing_is_planned_once_and_sent_speech_first(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Two plans of one event plan it once; the speech is leased first, then the messages carry
    its audio link; a 503 leaves a message pending, a 200 makes it done."""
    db.execute("INSERT INTO assistant.clients (id, name) VALUES ('acme', 'ACME')")
    start = datetime.now(UTC) + timedelta(minutes=20)
    plan = {"briefings": [_briefing(start)], "configured": {"push": True, "gotify": True}}
    token = issue(pg_dsn, "full")
    base = "/api/lifecycle/client-briefings"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            first = await client.post(f"{base}/plan", json=plan)
            again = await client.post(f"{base}/plan", json=plan)
            waiting = (await client.post(f"{base}/sends/claim", json={"stage": "messages"})).json()
            [speech] = (await client.post(f"{base}/sends/claim", json={"stage": "speech"})).json()
            spoken = await client.post(f"{base}/sends/result", json={
                **{k: speech[k] for k in ("event_id", "start", "kind")},
                "status": 200, "body": {"url": "http://glue/audio/a.mp3"}})  # fmt: skip
            messages = (await client.post(f"{base}/sends/claim", json={"stage": "messages"})).json()
            by_kind = {m["kind"]: m for m in messages}
            down = await client.post(f"{base}/sends/result", json={
                **{k: by_kind["gotify"][k] for k in ("event_id", "start", "kind")},
                "status": 503, "body": "upstream down"})  # fmt: skip
            pushed = await client.post(f"{base}/sends/result", json={
                **{k: by_kind["push"][k] for k in ("event_id", "start", "kind")},
                "status": 200, "body": {"sent": 1, "failed": 0}})  # fmt: skip
    assert first.status_code == 200, first.text
    assert first.json() == {"planned": ["evt-acme-1"]} and again.json() == {"planned": []}
    assert waiting == []
    assert speech["request"] == {"text": "Dans vingt minutes, point avec ACME.", "format": "mp3"}
    assert spoken.json()["state"] == "done"
    assert by_kind["push"]["request"]["audio_url"] == "http://glue/audio/a.mp3"
    assert (down.json()["state"], pushed.json()["state"]) == ("pending", "done")


async def test_bad_briefings_and_unknown_sends_are_refused(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A start without its offset or a wrong stage is a 400; an unknown send a 404; no write."""
    token = issue(pg_dsn, "full")
    base = "/api/lifecycle/client-briefings"
    naive = {**_briefing(datetime(2030, 5, 2, 9)), "start": "2030-05-02T09:00:00"}
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            plan = await client.post(f"{base}/plan", json={"briefings": [naive]})
            stage = await client.post(f"{base}/sends/claim", json={"stage": "later"})
            unknown = await client.post(f"{base}/sends/result", json={
                "event_id": "nope", "start": "2030-05-02T09:00:00Z", "kind": "push",
                "status": 200})  # fmt: skip
    assert (plan.status_code, stage.status_code, unknown.status_code) == (400, 400, 404)
    assert unknown.json()["error"]["code"] == "not_found"
    planned = db.execute("SELECT count(*) AS n FROM assistant.client_briefings").fetchone()
    assert planned == {"n": 0}
