"""The SQL functions the workflows call (migration 0003), on a real Postgres."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg.rows import dict_row


def call(conn: psycopg.Connection, function: str, payload: dict[str, Any]) -> Any:
    """`SELECT assistant.<function>($1::jsonb)` as the n8n Postgres node sends it."""
    return conn.execute(
        f"SELECT assistant.{function}(%s::jsonb) AS r", (json.dumps(payload),)
    ).fetchone()["r"]


def classified(conn: psycopg.Connection, **extra: Any) -> str:
    """A classified capture with one action due on 2026-05-15; its id."""
    capture = call(conn, "receive_capture", {"text": "Acheter des câbles", "channel": "pwa"})
    call(
        conn,
        "record_capture",
        {
            "capture_id": capture["capture_id"],
            "text": "Acheter des câbles",
            "category": "todo",
            "speech": "Capté.",
            **extra,
            "actions": [{"text": "Acheter des câbles", "due": "2026-05-15"}],
        },
    )
    return str(capture["capture_id"])


def test_routing_is_claimed_by_exactly_one_of_many_concurrent_callers(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Eight concurrent claims of one capture's routing: exactly one wins, with its due actions."""
    capture_id = classified(db)

    def claim(_: int) -> dict[str, Any]:
        with psycopg.connect(pg_dsn, autocommit=True, row_factory=dict_row) as conn:
            return call(conn, "claim_routing", {"capture_id": capture_id})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(8)))
    winners = [r for r in results if r["claimed"]]
    assert len(winners) == 1
    assert [a["text"] for a in winners[0]["due_actions"]] == ["Acheter des câbles"]
    assert all(r["due_actions"] == [] for r in results if not r["claimed"])


def test_long_note_flag_follows_the_threshold(db: psycopg.Connection) -> None:
    """A note is long when its text reaches long_note_chars."""
    capture_id = classified(db)
    routing = call(db, "claim_routing", {"capture_id": capture_id, "long_note_chars": 10})
    assert routing["long_note"] is True
    other = classified(db)
    assert (
        call(db, "claim_routing", {"capture_id": other, "long_note_chars": 500})["long_note"]
        is False
    )


def test_pending_capture_backs_off_then_fails_after_max_attempts(db: psycopg.Connection) -> None:
    """Each failure doubles the wait before the next try; the last allowed one marks it failed."""
    capture_id = call(db, "receive_capture", {"audio_ref": "a" * 32, "channel": "siri"})[
        "capture_id"
    ]
    waits = []
    for _ in range(3):
        outcome = call(
            db,
            "keep_pending",
            {
                "capture_id": capture_id,
                "status": "pending_transcription",
                "error": "whisper down",
                "backoff_s": 10,
                "max_attempts": 4,
            },
        )
        waits.append(
            db.execute(
                "SELECT extract(epoch FROM next_attempt_at - now()) AS s "
                "FROM assistant.captures WHERE id = %s",
                (capture_id,),
            ).fetchone()["s"]
        )
        assert outcome["answer"]["status"] == "pending_transcription"
    assert [round(w / 10) for w in waits] == [1, 2, 4]
    final = call(
        db,
        "keep_pending",
        {
            "capture_id": capture_id,
            "status": "pending_transcription",
            "error": "still down",
            "backoff_s": 10,
            "max_attempts": 4,
        },
    )
    assert final["answer"]["status"] == "failed"
    row = db.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,)).fetchone()
    assert (row["attempts"], row["last_error"], row["confirmation"]) == (
        4,
        "still down",
        "deferred",
    )


def test_retries_skip_captures_on_their_first_pass_and_lease_the_others(
    db: psycopg.Connection,
) -> None:
    """A fresh capture is never retried; a due pending one is claimed once per lease."""
    fresh = call(db, "receive_capture", {"audio_ref": "b" * 32})["capture_id"]
    due = call(db, "receive_capture", {"audio_ref": "c" * 32})["capture_id"]
    call(
        db,
        "keep_pending",
        {"capture_id": due, "status": "pending_transcription", "error": "x", "backoff_s": 0.1},
    )
    db.execute(
        "UPDATE assistant.captures SET next_attempt_at = now() - interval '1 s' WHERE id = %s",
        (due,),
    )

    def claimed() -> list[str]:
        rows = db.execute(
            "SELECT * FROM assistant.claim_retries(%s::jsonb)", (json.dumps({"lease_s": 60}),)
        ).fetchall()
        return [r["capture_id"] for r in rows]

    assert claimed() == [due]
    assert claimed() == []  # leased
    assert fresh not in claimed()


def test_confirmation_goes_by_notification_only_when_the_answer_was_deferred(
    db: psycopg.Connection,
) -> None:
    """Finish after a deferral: deliver; defer after finishing: too late, the answer is final."""
    late = classified(db)
    assert call(db, "defer_confirmation", {"capture_id": late})["deferred"] is True
    assert (
        call(db, "finish_capture", {"capture_id": late, "tts_url": "http://x/a.mp3"})["deliver"]
        is True
    )

    early = classified(db)
    finished = call(db, "finish_capture", {"capture_id": early, "tts_url": "http://x/b.mp3"})
    assert finished["deliver"] is False
    deferred = call(db, "defer_confirmation", {"capture_id": early})
    assert deferred["deferred"] is False
    assert deferred["answer"]["tts_url"] == "http://x/b.mp3"


def test_capture_answer_has_the_api_shape(db: psycopg.Connection) -> None:
    """The answer carries exactly the capture API fields, stored_in naming the Postgres rows."""
    capture_id = classified(db)
    call(db, "claim_routing", {"capture_id": capture_id})
    call(db, "add_stored_in", {"capture_id": capture_id, "place": "onyx://solo-brain-x"})
    answer = call(db, "finish_capture", {"capture_id": capture_id})["answer"]
    assert set(answer) == {
        "capture_id",
        "status",
        "transcript",
        "category",
        "project",
        "client_id",
        "actions",
        "stored_in",
        "speech",
        "tts_url",
    }
    assert answer["status"] == "filed"
    assert answer["actions"] == [{"text": "Acheter des câbles", "due": "2026-05-15"}]
    assert answer["stored_in"][0] == f"pg:captures/{capture_id}"
    assert (
        answer["stored_in"][1].startswith("pg:actions/")
        and "onyx://solo-brain-x" in answer["stored_in"]
    )


def test_undelivered_prompt_keeps_the_capture_in_the_inbox(db: psycopg.Connection) -> None:
    """finish_capture with file=false leaves a routed capture classified (still in the inbox)."""
    capture_id = classified(db)
    call(db, "claim_routing", {"capture_id": capture_id})
    assert (
        call(db, "finish_capture", {"capture_id": capture_id, "file": False})["answer"]["status"]
        == "classified"
    )


def test_due_actions_are_reminded_once(db: psycopg.Connection) -> None:
    """claim_reminders hands each open due action out once; done and future ones are left."""
    capture_id = call(db, "receive_capture", {"text": "x"})["capture_id"]
    call(
        db,
        "record_capture",
        {
            "capture_id": capture_id,
            "text": "x",
            "category": "todo",
            "actions": [
                {"text": "hier", "due": "2020-01-01"},
                {"text": "plus tard", "due": "2999-01-01"},
                {"text": "fait", "due": "2020-01-02"},
            ],
        },
    )
    db.execute("UPDATE assistant.actions SET done = true WHERE text = 'fait'")

    def claim() -> list[dict[str, Any]]:
        return db.execute(
            "SELECT * FROM assistant.claim_reminders(%s::jsonb)",
            (json.dumps({"tz": "Europe/Paris"}),),
        ).fetchall()

    first = claim()
    assert [(r["text"], r["due"], r["overdue"]) for r in first] == [("hier", "2020-01-01", True)]
    assert claim() == []
    briefing = call(db, "briefing", {"tz": "Europe/Paris"})
    assert briefing["overdue"] == [{"text": "hier", "due": "2020-01-01"}]


def test_workflow_failure_is_written_to_the_audit_log(db: psycopg.Connection) -> None:
    """record_workflow_failure keeps the workflow name as subject and the details."""
    audit_id = call(
        db, "record_workflow_failure", {"workflow": "briefing", "node": "Speak", "message": "boom"}
    )
    row = db.execute("SELECT * FROM assistant.audit_log WHERE id = %s", (audit_id,)).fetchone()
    assert (row["actor"], row["action"], row["subject"]) == ("n8n", "workflow.failed", "briefing")
    assert row["detail"]["message"] == "boom"
