"""assistant.await_confirmation: the capture webhook's wait for a capture's outcome."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support.sql import call, classification, deliveries, filed, received


def _connect(dsn: str) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(dsn, autocommit=True, row_factory=dict_row)


def _notified(db: psycopg.Connection, capture_id: str) -> bool:
    return any(d["kind"] == "gotify" for d in deliveries(db, capture_id))


def test_wait_ends_as_soon_as_the_processing_answers(db: psycopg.Connection, pg_dsn: str) -> None:
    """A capture told during the wait is answered at once, final, and no notification follows."""
    capture_id = filed(db)

    def finish() -> None:
        time.sleep(0.3)
        with _connect(pg_dsn) as conn:
            call(conn, "finish_capture", {"capture_id": capture_id, "speech": "Capté.",
                                          "tts_url": "http://x/a.mp3"})  # fmt: skip

    worker = threading.Thread(target=finish)
    started = time.monotonic()
    worker.start()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 10})
    elapsed = time.monotonic() - started
    worker.join()

    assert 0.3 <= elapsed < 2
    assert outcome["deferred"] is False and not _notified(db, capture_id)
    answer = outcome["answer"]
    assert (answer["status"], answer["speech"], answer["tts_url"]) == (
        "filed", "Capté.", "http://x/a.mp3")  # fmt: skip


def test_budget_runs_out_the_answer_is_pending_and_a_notification_will_follow(
    db: psycopg.Connection,
) -> None:
    """Nothing told in time: deferred, with what to ask the speech for; filing later notifies."""
    capture_id = call(db, "receive_capture", {"text": "Payer la facture", "channel": "siri"})[
        "capture_id"
    ]
    started = time.monotonic()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 0.4})
    assert 0.4 <= time.monotonic() - started < 2
    assert outcome["deferred"] is True
    assert (outcome["answer"]["status"], outcome["answer"]["tts_url"]) == (
        "pending_classification", None)  # fmt: skip
    assert outcome["speech_request"]["deferred"] is True
    row = db.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,)).fetchone()
    assert row["confirmation"] == "deferred" and row["speech"] is None  # "on it" is not stored
    call(db, "file_capture", {"capture_id": capture_id, "result": classification()})
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Rangé."})
    (note,) = [d for d in deliveries(db, capture_id) if d["kind"] == "gotify"]
    assert note["detail"]["message"] == "Rangé."


def test_filed_but_untold_at_the_deadline_is_answered_pending_never_filed(
    db: psycopg.Connection,
) -> None:
    """Filed, sentence not made yet when the budget ends: a pending answer, then one push."""
    capture_id = filed(db)
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 0.1})
    assert outcome["deferred"] is True and outcome["speech_request"]["deferred"] is True
    answer = outcome["answer"]
    assert (answer["status"], answer["speech"], answer["tts_url"]) == (
        "pending_confirmation", None, None)  # fmt: skip
    assert answer["category"] is not None  # what is stored so far is still given
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Rangé.",
                                "tts_url": "http://x/a.mp3"})  # fmt: skip
    row = db.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,)).fetchone()
    assert (row["status"], row["confirmation"]) == ("filed", "notified")
    (note,) = [d for d in deliveries(db, capture_id) if d["kind"] == "gotify"]
    assert note["detail"]["message"].startswith("Rangé.")


def test_until_is_an_absolute_deadline(db: psycopg.Connection) -> None:
    """The webhook passes the moment it must answer by; a past moment answers at once."""
    capture_id = received(db)
    started = time.monotonic()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id,
                                              "until": "2000-01-01T00:00:00Z"})  # fmt: skip
    assert time.monotonic() - started < 1 and outcome["deferred"] is True


def test_a_capture_kept_in_the_inbox_is_answered_with_its_inbox_speech(
    db: psycopg.Connection,
) -> None:
    """A pending outcome already told: the wait returns it at once, not 'on it'."""
    capture_id = call(db, "receive_capture", {"audio_ref": "b" * 32, "channel": "siri"})[
        "capture_id"
    ]
    call(db, "file_capture", {"capture_id": capture_id, "result": {"error": "whisper down"}})
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Gardée dans l'inbox."})
    started = time.monotonic()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 5})
    assert time.monotonic() - started < 1
    assert outcome["deferred"] is False
    assert outcome["answer"]["speech"] == "Gardée dans l'inbox."
    assert outcome["answer"]["status"] == "pending_transcription"


def test_unknown_capture_is_an_error(db: psycopg.Connection) -> None:
    """Waiting for a capture that does not exist fails at once instead of waiting."""
    with pytest.raises(psycopg.errors.NoDataFound, match="unknown capture"):
        call(db, "await_confirmation", {"capture_id": "cap_nope", "wait_s": 5})


def test_deadline_and_finish_racing_tell_the_user_exactly_once(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """When the budget ends as the processing finishes, either the answer or a push says it."""
    captures = [filed(db) for _ in range(12)]

    def wait(capture_id: str) -> bool:
        with _connect(pg_dsn) as conn:
            payload = {"capture_id": capture_id, "wait_s": 0.2, "poll_s": 0.001}
            return bool(call(conn, "await_confirmation", payload)["deferred"])

    def finish(capture_id: str, delay: float) -> None:
        time.sleep(delay)
        with _connect(pg_dsn) as conn:
            call(conn, "finish_capture", {"capture_id": capture_id, "speech": "Capté."})

    with ThreadPoolExecutor(2 * len(captures)) as pool:
        waits = [pool.submit(wait, c) for c in captures]
        finishes = [pool.submit(finish, c, 0.1 + 0.02 * i) for i, c in enumerate(captures)]
        deferred = [w.result() for w in waits]
        for f in finishes:
            f.result()

    outcomes = [(d, _notified(db, c)) for d, c in zip(deferred, captures, strict=True)]
    assert all(was_deferred == notified for was_deferred, notified in outcomes), outcomes
    confirmations = db.execute(
        "SELECT confirmation FROM assistant.captures WHERE id = ANY(%s)", (captures,)
    ).fetchall()
    assert {r["confirmation"] for r in confirmations} <= {"answered", "notified"}


@pytest.mark.parametrize(
    ("header", "ago", "expected_left"),
    [
        (None, 0.0, 7.4),  # no proxy in front: from now
        ("t={:.3f}", 3.0, 4.4),  # the hub saw it 3 s ago
        ("t={:.3f} d=2.000", 1.0, 4.4),  # nginx: proxied 1 s ago, its first byte 2 s before
        ("t={:.3f}", 60.0, -0.6),  # an absurd start: never more than the whole budget ago
        ("t={:.3f}", -30.0, 7.4),  # a start in the future: now
        ("garbage{:.0f}", 3.0, 7.4),  # not t=<epoch seconds>: ignored
    ],
)
def test_the_budget_runs_from_the_requests_arrival(
    db: psycopg.Connection, header: str | None, ago: float, expected_left: float
) -> None:
    """answer_by is budget - 0.6 s after X-Request-Start (set by nginx and the hub), else now."""
    headers = {"x-request-start": header.format(time.time() - ago)} if header else {}
    webhook = {"body": {"text": "Payer la facture", "channel": "siri"}, "headers": headers}
    row = db.execute(
        "SELECT extract(epoch FROM (r->>'answer_by')::timestamptz - clock_timestamp()) AS left_s,"
        " r->'capture'->>'capture_id' AS capture_id"
        " FROM assistant.receive_webhook_capture(%s::jsonb) AS r",
        (json.dumps({"webhook": webhook, "budget_s": "8"}),),
    ).fetchone()
    assert abs(float(row["left_s"]) - expected_left) < 0.3, row
    assert row["capture_id"].startswith("cap_")
