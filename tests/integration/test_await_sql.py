"""assistant.await_confirmation (migration 0005): the webhook's wait for a capture's outcome."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.e2e.n8n.test_delivery_sql import call, classified

ON_IT = "C'est noté, je m'en occupe."


def _connect(dsn: str) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(dsn, autocommit=True, row_factory=dict_row)


def test_wait_ends_as_soon_as_the_processing_answers(db: psycopg.Connection, pg_dsn: str) -> None:
    """A capture filed during the wait is answered at once, final, and no notification follows."""
    capture_id = classified(db)
    finished: dict[str, Any] = {}

    def finish() -> None:
        time.sleep(0.3)
        with _connect(pg_dsn) as conn:
            call(conn, "claim_routing", {"capture_id": capture_id})
            done = {"capture_id": capture_id, "tts_url": "http://x/a.mp3"}
            finished.update(call(conn, "finish_capture", done))

    worker = threading.Thread(target=finish)
    started = time.monotonic()
    worker.start()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 10,
                                              "speech": ON_IT})  # fmt: skip
    elapsed = time.monotonic() - started
    worker.join()

    assert 0.3 <= elapsed < 2
    assert outcome["deferred"] is False and finished["deliver"] is False
    assert outcome["answer"]["status"] == "filed"
    assert outcome["answer"]["speech"] == "Capté." and outcome["answer"]["tts_url"].endswith(
        "a.mp3"
    )


def test_budget_runs_out_the_answer_is_pending_and_a_notification_will_follow(
    db: psycopg.Connection,
) -> None:
    """Nothing answered in time: 'on it' with the stored status; finishing later must notify."""
    capture_id = call(db, "receive_capture", {"text": "Payer la facture", "channel": "siri"})[
        "capture_id"
    ]
    started = time.monotonic()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 0.4,
                                              "speech": ON_IT})  # fmt: skip
    assert 0.4 <= time.monotonic() - started < 2
    assert outcome["deferred"] is True
    answer = outcome["answer"]
    assert (answer["status"], answer["speech"], answer["tts_url"]) == (
        "pending_classification",
        ON_IT,
        None,
    )
    row = db.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,)).fetchone()
    assert row["confirmation"] == "deferred" and row["speech"] is None  # "on it" is not stored
    call(db, "record_capture", {"capture_id": capture_id, "category": "admin", "speech": "Rangé."})
    call(db, "claim_routing", {"capture_id": capture_id})
    finished = call(db, "finish_capture", {"capture_id": capture_id})
    assert finished["deliver"] is True and finished["answer"]["speech"] == "Rangé."


def test_a_capture_kept_in_the_inbox_is_answered_with_its_inbox_speech(
    db: psycopg.Connection,
) -> None:
    """keep_pending already told the outcome: the wait returns it at once, not 'on it'."""
    capture_id = call(db, "receive_capture", {"audio_ref": "b" * 32, "channel": "siri"})[
        "capture_id"
    ]
    inbox = {"capture_id": capture_id, "status": "pending_transcription",
             "error": "whisper down", "speech": "Gardée dans l'inbox."}  # fmt: skip
    call(db, "keep_pending", inbox)
    started = time.monotonic()
    outcome = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 5,
                                              "speech": ON_IT})  # fmt: skip
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
    captures = [classified(db) for _ in range(12)]

    def wait(capture_id: str) -> bool:
        with _connect(pg_dsn) as conn:
            return bool(call(conn, "await_confirmation", {"capture_id": capture_id,
                                                          "wait_s": 0.2, "poll_s": 0.001})[
                "deferred"
            ])  # fmt: skip

    def finish(capture_id: str, delay: float) -> bool:
        time.sleep(delay)
        with _connect(pg_dsn) as conn:
            return bool(call(conn, "finish_capture", {"capture_id": capture_id})["deliver"])

    with ThreadPoolExecutor(2 * len(captures)) as pool:
        waits = [pool.submit(wait, c) for c in captures]
        finishes = [pool.submit(finish, c, 0.1 + 0.02 * i) for i, c in enumerate(captures)]
        outcomes = [(w.result(), f.result()) for w, f in zip(waits, finishes, strict=True)]

    assert all(deferred == delivered for deferred, delivered in outcomes), outcomes
    confirmations = db.execute(
        "SELECT confirmation FROM assistant.captures WHERE id = ANY(%s)", (captures,)
    ).fetchall()
    assert {r["confirmation"] for r in confirmations} <= {"answered", "notified"}
