"""The sending of a client briefing in Postgres: planned once per event, each destination
leased to one run, retried until done or until the meeting starts."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from solo_brain.catalog import Client, upsert_client
from tests.support.sql import call, rows

ALL = {"push": True, "gotify": True, "whatsapp_to": "33612345678"}
PUSH = {"title": "Rendez-vous avec ACME à 9h20", "body": "Rendez-vous avec ACME dans 20 minutes.",
        "url": "/", "tag": "briefing-e1"}  # fmt: skip


def _briefing(event_id: str = "e1", minutes: int = 20) -> dict[str, Any]:
    """A briefing of a meeting with ACME starting in `minutes`."""
    start = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
    return {"event_id": event_id, "start": start, "client_id": "acme", "title": "Point",
            "speech": PUSH["body"], "push": PUSH}  # fmt: skip


def _plan(db: psycopg.Connection[Any], *briefings: dict[str, Any], conf: Any = None) -> Any:
    upsert_client(db, Client(id="acme", name="ACME", domains=["acme.com"]))
    return call(
        db,
        "plan_client_briefings",
        {"briefings": list(briefings), "configured": ALL if conf is None else conf},
    )


def _claim(db: psycopg.Connection[Any], stage: str) -> list[dict[str, Any]]:
    return rows(db, "claim_client_briefing_sends", {"stage": stage})


def _record(db: psycopg.Connection[Any], sent: dict[str, Any], **answer: Any) -> Any:
    return call(db, "record_client_briefing_send",
                {"event_id": sent["event_id"], "start": sent["start"],
                 "kind": sent["kind"], **answer})  # fmt: skip


def _states(db: psycopg.Connection[Any]) -> dict[str, str]:
    found = db.execute("SELECT kind, state FROM assistant.client_briefing_sends").fetchall()
    return {r["kind"]: r["state"] for r in found}


def test_a_briefing_is_planned_once_per_event_and_start(db: psycopg.Connection[Any]) -> None:
    """The first plan of an (event, start) records a send per configured destination; a repeat
    plans nothing; a moved event is new again."""
    briefing = _briefing()
    first = _plan(db, briefing, conf={"push": True, "gotify": False, "whatsapp_to": None})
    again = _plan(db, briefing)
    moved = _plan(db, _briefing(minutes=25))
    assert (first, again, moved) == ({"planned": ["e1"]}, {"planned": []}, {"planned": ["e1"]})
    kinds = db.execute("SELECT event_start, array_agg(kind ORDER BY kind) AS k FROM "
                       "assistant.client_briefing_sends GROUP BY 1").fetchall()  # fmt: skip
    assert sorted(r["k"] for r in kinds) == [["gotify", "push", "speech", "whatsapp"],
                                             ["push", "speech"]]  # fmt: skip


def test_messages_wait_for_the_speech_and_carry_its_audio(db: psycopg.Connection[Any]) -> None:
    """Before the speech's first attempt no message is claimed; once spoken, the push and Gotify
    carry the audio link and WhatsApp the text."""
    _plan(db, _briefing())
    assert _claim(db, "messages") == []
    (speech,) = _claim(db, "speech")
    assert speech["request"] == {"text": PUSH["body"], "format": "mp3"}
    done = _record(db, speech, status=200, body={"url": "http://glue/audio/a.mp3"})
    assert done["state"] == "done"
    sent = {r["kind"]: r["request"] for r in _claim(db, "messages")}
    assert sent["push"] == {**PUSH, "audio_url": "http://glue/audio/a.mp3"}
    assert sent["gotify"]["message"] == PUSH["body"] + "\n🔊 http://glue/audio/a.mp3"
    assert sent["whatsapp"]["to"] == "33612345678"
    assert sent["whatsapp"]["text"]["body"] == PUSH["body"]
    assert _claim(db, "messages") == []  # leased


def test_a_refused_send_is_retried_by_the_next_run(db: psycopg.Connection[Any]) -> None:
    """A Kokoro down lets the messages go without audio; a push that reached no phone and a
    Gotify 503 are claimed again by the next run; a WhatsApp 400 fails for good."""
    _plan(db, _briefing())
    (speech,) = _claim(db, "speech")
    assert _record(db, speech, error={"message": "connect ECONNREFUSED"})["state"] == "pending"
    sent = {r["kind"]: r for r in _claim(db, "messages")}
    assert "audio_url" not in sent["push"]["request"]
    pushed = _record(db, sent["push"], status=200,
                     body={"subscriptions": 1, "sent": 0, "dropped": 0, "failed": 1})  # fmt: skip
    assert pushed["state"] == "pending" and "no phone received it" in pushed["last_error"]
    assert _record(db, sent["gotify"], status=503, body={"error": "x"})["state"] == "pending"
    refused = _record(db, sent["whatsapp"], status=400, body={"error": {"message": "bad to"}})
    assert refused == {**refused, "state": "failed", "last_error": "HTTP 400: bad to"}
    assert {r["kind"] for r in _claim(db, "messages")} == {"push", "gotify"}
    assert [r["kind"] for r in _claim(db, "speech")] == ["speech"]


def test_sends_are_given_up_once_the_meeting_has_started(db: psycopg.Connection[Any]) -> None:
    """A send still pending when the meeting starts is given up, said in the audit log."""
    _plan(db, _briefing())
    db.execute("UPDATE assistant.client_briefings SET event_start = now() - interval '1 min'")
    assert _claim(db, "speech") == [] and _claim(db, "messages") == []
    assert set(_states(db).values()) == {"given_up"}
    audit = db.execute("SELECT detail FROM assistant.audit_log "
                       "WHERE action = 'client_briefing.given_up'").fetchall()  # fmt: skip
    assert sorted(a["detail"]["kind"] for a in audit) == ["gotify", "push", "speech", "whatsapp"]


def test_overlapping_runs_take_each_send_once(db: psycopg.Connection[Any], pg_dsn: str) -> None:
    """Eight runs planning and claiming the same event at once: one plans it, and each
    destination is leased to exactly one of them."""
    upsert_client(db, Client(id="acme", name="ACME", domains=["acme.com"]))
    briefing = _briefing("e9")
    barrier = threading.Barrier(8)

    def run() -> list[str]:
        with psycopg.connect(pg_dsn, autocommit=True, row_factory=dict_row) as conn:
            barrier.wait()
            call(conn, "plan_client_briefings", {"briefings": [briefing], "configured": ALL})
            taken = _claim(conn, "speech")
            for row in taken:
                _record(conn, row, status=200, body={"url": "http://glue/audio/b.mp3"})
            return [r["kind"] for r in taken + _claim(conn, "messages")]

    with ThreadPoolExecutor(8) as pool:
        taken = [k for kinds in pool.map(lambda _: run(), range(8)) for k in kinds]
    assert sorted(taken) == ["gotify", "push", "speech", "whatsapp"]
    audit = db.execute("SELECT count(*) AS n FROM assistant.audit_log "
                       "WHERE action = 'client_briefing.claimed'").fetchone()  # fmt: skip
    assert audit is not None and audit["n"] == 1
