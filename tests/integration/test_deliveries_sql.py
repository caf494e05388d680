"""Deliveries (db/functions/deliveries.sql): planned once, claimed once, retried, failed once."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from solo_brain.mesh.models import PromptIn
from solo_brain.mesh.models.phone import NotifyIn
from tests.support.sql import ALL_CONFIGURED, call, classification, deliveries, filed, rows


def _claim(conn: psycopg.Connection, capture_id: str, **configured: bool) -> list[Any]:
    payload = {"capture_id": capture_id, "configured": {**ALL_CONFIGURED, **configured}}
    return rows(conn, "claim_deliveries", payload)


def _due_now(db: psycopg.Connection, capture_id: str) -> None:
    db.execute("UPDATE assistant.deliveries SET next_attempt_at = now() - interval '1 s' "
               "WHERE capture_id = %s AND state = 'pending'", (capture_id,))  # fmt: skip


def _record(db: psycopg.Connection, delivery_id: str, **answer: Any) -> dict[str, Any]:
    return dict(call(db, "record_delivery", {"delivery_id": delivery_id, **answer}))


def test_a_destination_that_is_not_configured_is_skipped(db: psycopg.Connection) -> None:
    """Without Google Calendar the event is skipped, saying which setting is missing."""
    capture_id = filed(db)
    assert _claim(db, capture_id, calendar=False) == []
    (event,) = deliveries(db, capture_id)
    assert event["state"] == "skipped"
    assert event["last_error"] == "not configured (set GOOGLE_CLIENT_ID)"
    audit = db.execute("SELECT detail FROM assistant.audit_log WHERE action = "
                       "'delivery.skipped'").fetchone()  # fmt: skip
    assert audit["detail"]["delivery_id"] == event["id"]


def test_the_calendar_request_carries_an_id_google_accepts_and_keeps_it(
    db: psycopg.Connection,
) -> None:
    """The event id is base32hex, the same at every attempt: a retry lands on the same event."""
    capture_id = filed(db)
    (first,) = _claim(db, capture_id)
    request = first["request"]
    assert re.fullmatch(r"[a-v0-9]{5,1024}", request["id"])
    assert request["start"] == {"date": "2026-05-15"} and request["end"] == {"date": "2026-05-16"}
    assert request["summary"] == "Acheter des câbles" and capture_id in request["description"]
    assert _claim(db, capture_id) == []  # leased
    _record(db, first["id"], status=503, body={"error": {"message": "Backend Error"}})
    _due_now(db, capture_id)
    (second,) = _claim(db, capture_id)
    assert second["request"]["id"] == request["id"]


def test_overlapping_claims_take_each_delivery_once(db: psycopg.Connection, pg_dsn: str) -> None:
    """Eight concurrent claims of a capture's deliveries: each delivery goes to one of them."""
    capture_id = filed(db)
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Capté."})
    db.execute("UPDATE assistant.captures SET confirmation = 'deferred' WHERE id = %s",
               (capture_id,))  # fmt: skip
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Capté."})

    def claim(_: int) -> list[str]:
        with psycopg.connect(pg_dsn, autocommit=True, row_factory=dict_row) as conn:
            return [r["id"] for r in _claim(conn, capture_id)]

    with ThreadPoolExecutor(8) as pool:
        taken = [i for claimed in pool.map(claim, range(8)) for i in claimed]
    assert sorted(taken) == sorted(d["id"] for d in deliveries(db, capture_id))
    assert len(taken) == 3  # the calendar event and the notification (Gotify, Web Push)


def test_an_answer_makes_it_done_with_the_destinations_name(db: psycopg.Connection) -> None:
    """A 2xx is done with the event id; Google's 409 for our own id is done too (it exists)."""
    capture_id = filed(db)
    (claimed,) = _claim(db, capture_id)
    done = _record(db, claimed["id"], status=409, body={"error": {"code": 409}})
    assert done["state"] == "done"
    (event,) = deliveries(db, capture_id)
    assert event["external_ref"] == claimed["request"]["id"] and event["done_at"] is not None
    again = _record(db, claimed["id"], status=500)
    assert again["state"] == "done" and again["attempts"] == 1  # a late answer changes nothing


def test_transient_failures_back_off_and_end_failed_after_max_attempts(
    db: psycopg.Connection,
) -> None:
    """No answer, 408, 429 and 5xx are retried with doubling waits; the last one fails."""
    capture_id = filed(db)
    (claimed,) = _claim(db, capture_id)
    waits = []
    for answer in ({"error": {"message": "connect ECONNREFUSED"}}, {"status": 429},
                   {"status": 503, "body": "<html>busy</html>"}):  # fmt: skip
        state = _record(db, claimed["id"], backoff_s=10, max_attempts=4, **answer)
        assert state["state"] == "pending"
        waits.append(db.execute("SELECT extract(epoch FROM next_attempt_at - now()) AS s "
                                "FROM assistant.deliveries WHERE id = %s",
                                (claimed["id"],)).fetchone()["s"])  # fmt: skip
    assert [round(w / 10) for w in waits] == [1, 2, 4]
    (event,) = deliveries(db, capture_id)
    assert event["last_error"] == "HTTP 503: <html>busy</html>"
    final = _record(db, claimed["id"], status=408, backoff_s=10, max_attempts=4)
    assert (final["state"], final["attempts"]) == ("failed", 4)


def test_a_permanent_refusal_fails_at_once_and_is_notified_once(db: psycopg.Connection) -> None:
    """Onyx's 400: failed at the first answer, one notification that names it, never two."""
    capture_id = filed(db, "Une longue note " * 50)
    (onyx,) = [r for r in _claim(db, capture_id) if r["kind"] == "onyx_document"]
    failed = _record(db, onyx["id"], status=400, body={"detail": "Invalid document"})
    assert (failed["state"], failed["last_error"]) == ("failed", "HTTP 400: Invalid document")
    _record(db, onyx["id"], status=400)
    notes = [d for d in deliveries(db, capture_id) if d["kind"] in ("gotify", "push")]
    assert [n["kind"] for n in notes] == ["gotify", "push"]  # one on each channel
    assert notes[0]["detail"]["priority"] == 8
    assert "Le document Onyx" in notes[0]["detail"]["message"]
    assert "Invalid document" in notes[0]["detail"]["message"]
    claimed = {r["kind"]: r for r in _claim(db, capture_id)}
    assert claimed["gotify"]["request"]["title"] == "Solo Brain : envoi impossible"
    for kind in ("gotify", "push"):  # a notification that fails notifies nothing
        assert _record(db, claimed[kind]["id"], status=401)["state"] == "failed"
    assert len([d for d in deliveries(db, capture_id) if d["kind"] in ("gotify", "push")]) == 2


def test_a_prompt_is_known_by_its_session_and_id(db: psycopg.Connection) -> None:
    """The hub's answer names the prompt; the delivery keeps session/prompt, the answer cc:."""
    db.execute(
        "INSERT INTO assistant.agents (id, name) VALUES ('agt_' || assistant.new_ulid(), "
        "'pc'); INSERT INTO assistant.sessions (id, agent_id, project) SELECT 's-1', id, "
        "'thermocam' FROM assistant.agents; INSERT INTO assistant.prompts (id, session_id,"
        " text, created_by) VALUES ('prm_01HZZZZZZZZZZZZZZZZZZZZZZZ', 's-1', 't', 'n8n')"
    )
    prompt = {"session_hint": "thermocam", "prompt": "ajoute un test"}
    capture_id = filed(db, cc_prompt=prompt, actions=[])
    (claimed,) = _claim(db, capture_id)
    assert claimed["request"]["hint"] == "thermocam"
    assert claimed["request"]["prompt"]["idempotency_key"] == f"cc_prompt:{capture_id}"
    _record(db, claimed["id"], status=200, body={"prompt_id": "prm_01HZZZZZZZZZZZZZZZZZZZZZZZ"})
    answer = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 0})["answer"]
    assert "cc:s-1/prm_01HZZZZZZZZZZZZZZZZZZZZZZZ" in answer["stored_in"]


def test_due_deliveries_are_listed_for_the_retry_schedule_and_retried_by_hand(
    db: psycopg.Connection,
) -> None:
    """A capture with a delivery whose wait is over is listed; a failed one can be retried."""
    waiting, failing = filed(db), filed(db)
    for capture_id in (waiting, failing):
        (claimed,) = _claim(db, capture_id)
        _record(db, claimed["id"], status=503 if capture_id == waiting else 403)

    def listed() -> list[str]:
        return [r["capture_id"] for r in rows(db, "captures_with_due_deliveries", {})]

    assert listed() == [failing]  # its failure's notification is due now
    _due_now(db, waiting)
    assert listed() == [waiting, failing]
    assert call(db, "retry_deliveries", {"capture_id": failing}) == 1
    retried = next(d for d in deliveries(db, failing) if d["kind"] == "calendar_event")
    assert (retried["state"], retried["attempts"]) == ("pending", 0)


def test_reclassifying_moves_the_calendar_events(db: psycopg.Connection) -> None:
    """A new date cancels the old event and plans a new one; a removed action loses its event."""
    capture_id = filed(db)
    (claimed,) = _claim(db, capture_id)
    _record(db, claimed["id"], status=200, body={"id": claimed["request"]["id"]})
    (action,) = db.execute("SELECT id FROM assistant.actions WHERE capture_id = %s",
                           (capture_id,)).fetchall()  # fmt: skip
    moved = [{"id": action["id"], "text": "Acheter des câbles", "due": "2026-05-20"},
             {"text": "Rappeler Paul", "due": "2026-05-21"}]  # fmt: skip
    db.execute("SELECT assistant.reclassify_capture(%s, %s)",
               (capture_id, Jsonb({"actions": moved})))  # fmt: skip
    planned = [(d["kind"], d["state"], d["detail"].get("due") or d["detail"].get("event_id"))
               for d in deliveries(db, capture_id)]  # fmt: skip
    assert planned == [("calendar_event", "done", "2026-05-15"),
                       ("calendar_event", "pending", "2026-05-20"),
                       ("calendar_event", "pending", "2026-05-21"),
                       ("calendar_cancel", "pending", claimed["request"]["id"])]  # fmt: skip
    cancel = next(r for r in _claim(db, capture_id) if r["kind"] == "calendar_cancel")
    assert cancel["request"] == {"event_id": claimed["request"]["id"]}
    _record(db, cancel["id"], status=204, body="")
    answer = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 0})["answer"]
    assert not [p for p in answer["stored_in"] if p.startswith("gcal:")]
    db.execute("SELECT assistant.reclassify_capture(%s, %s)",
               (capture_id, Jsonb({"actions": [moved[0]]})))  # fmt: skip
    states = {d["detail"].get("due"): d["state"] for d in deliveries(db, capture_id)
              if d["kind"] == "calendar_event"}  # fmt: skip
    assert states == {"2026-05-15": "done", "2026-05-20": "pending", "2026-05-21": "skipped"}


def test_a_push_is_what_the_hubs_notify_accepts(db: psycopg.Connection) -> None:
    """The Web Push request is a valid POST /api/notify body: title and body within the hub's
    limits, a tap opening the capture, the confirmation's audio as its spoken version."""
    capture_id = filed(db)
    call(db, "defer_confirmation", {"capture_id": capture_id})
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Capté. " * 300,
                                "tts_url": "http://glue/audio/a.mp3"})  # fmt: skip
    (push,) = [r for r in _claim(db, capture_id) if r["kind"] == "push"]
    body = NotifyIn.model_validate(push["request"])
    assert body.title == "Solo Brain" and len(body.body) == 1000
    assert body.url == f"/captures/{capture_id}" and body.tag == capture_id
    assert body.audio_url == "http://glue/audio/a.mp3"


def test_a_dictated_prompt_is_answered_aloud_where_it_came_from(db: psycopg.Connection) -> None:
    """The prompt of a voice capture asks for a spoken reply and names its capture, as the
    hub's POST /api/sessions/{id}/prompt accepts it; a typed one is answered in text."""
    prompt = {"session_hint": "thermocam", "prompt": "ajoute un test"}
    typed = filed(db, cc_prompt=prompt, actions=[])
    voice = str(call(db, "record_capture", {"transcript": "ajoute un test", "audio_ref": "r" * 32,
                                            "channel": "siri"})["capture_id"])  # fmt: skip
    call(db, "file_capture", {"capture_id": voice, "result": classification(
        cc_prompt=prompt, actions=[])})  # fmt: skip
    for capture_id, spoken in ((typed, False), (voice, True)):
        (claimed,) = _claim(db, capture_id)
        body = PromptIn.model_validate(claimed["request"]["prompt"])
        assert (body.voice_reply, body.capture_id) == (spoken, capture_id)
        assert body.idempotency_key == f"cc_prompt:{capture_id}"
