"""The assistant schema: migrations, record_capture, re-classification."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from solo_brain.db import MigrationError, apply_migrations
from solo_brain.db.migrate import load_migrations


def record(db: psycopg.Connection, payload: dict) -> dict:
    """Call assistant.record_capture the way n8n does: one jsonb argument."""
    row = db.execute(
        "SELECT assistant.record_capture(%s::jsonb) AS c", (Jsonb(payload),)
    ).fetchone()
    assert row is not None
    return row["c"]


def test_migrations_are_idempotent(pg_dsn: str) -> None:
    """Applying the migrations again applies nothing."""
    assert apply_migrations(pg_dsn) == []


def test_changed_migration_is_refused(pg_dsn: str, tmp_path: Path) -> None:
    """A migration edited after it was applied is refused with a clear error."""
    for migration in load_migrations():
        name = f"{migration.version:04d}_{migration.name}.sql"
        (tmp_path / name).write_text(migration.sql + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        apply_migrations(pg_dsn, tmp_path)


def test_capture_ids_are_sortable_ulids(db: psycopg.Connection) -> None:
    """Capture ids are cap_ + 26 Crockford characters, increasing with time."""
    first = record(db, {"text": "premier", "channel": "pwa"})
    second = record(db, {"text": "second", "channel": "pwa"})
    assert first["capture_id"].startswith("cap_") and len(first["capture_id"]) == 30
    assert first["capture_id"] < second["capture_id"]
    assert first["status"] == "pending_classification"


def test_duplicate_channel_message_files_one_capture(db: psycopg.Connection) -> None:
    """A duplicate WhatsApp delivery files nothing twice."""
    payload = {
        "channel": "whatsapp",
        "channel_message_id": "wamid.ABC",
        "text": "acheter du pain demain",
        "category": "todo",
        "actions": [{"text": "acheter du pain", "due": "2026-05-16", "due_phrase": "demain"}],
    }
    first = record(db, payload)
    second = record(db, payload)
    assert first["created"] is True and second["created"] is False
    assert first["capture_id"] == second["capture_id"]
    assert first["actions"][0]["id"] == second["actions"][0]["id"]
    count = db.execute("SELECT count(*) AS n FROM assistant.captures").fetchone()
    assert count is not None and count["n"] == 1
    actions = db.execute("SELECT count(*) AS n FROM assistant.actions").fetchone()
    assert actions is not None and actions["n"] == 1


def test_pending_capture_is_completed_later(db: psycopg.Connection) -> None:
    """A capture recorded while Whisper was down is finished by a later call with its id."""
    pending = record(db, {"channel": "siri", "audio_ref": "a" * 32, "error": "whisper down"})
    assert pending["status"] == "pending_transcription"
    assert pending["mode"] == "voice"
    done = record(
        db,
        {
            "capture_id": pending["capture_id"],
            "transcript": "idée: benchmarker le NPU",
            "category": "idee_rd",
            "actions": [{"text": "benchmarker le NPU", "due": None}],
        },
    )
    assert done["status"] == "filed" and done["created"] is False
    assert done["audio_ref"] == "a" * 32 and done["transcript"].startswith("idée")


def test_reclassification_is_audited(db: psycopg.Connection) -> None:
    """Re-classifying by hand replaces category and actions and writes the audit log."""
    db.execute("INSERT INTO assistant.clients (id, name) VALUES ('acme', 'ACME')")
    cap = record(
        db,
        {"text": "x", "category": "perso", "actions": [{"text": "a", "due": "2026-01-02"}]},
    )
    row = db.execute(
        "SELECT assistant.reclassify_capture(%s, %s::jsonb, 'pwa:phone') AS c",
        (
            cap["capture_id"],
            Jsonb({"category": "client", "client_id": "acme", "actions": [{"text": "b"}]}),
        ),
    ).fetchone()
    assert row is not None
    after = row["c"]
    assert after["category"] == "client" and after["client_id"] == "acme"
    assert after["classifier"] == "manual"
    assert [a["text"] for a in after["actions"]] == ["b"]
    audit = db.execute(
        "SELECT actor, detail FROM assistant.audit_log WHERE action='capture.reclassified'"
    ).fetchone()
    assert audit is not None and audit["actor"] == "pwa:phone"
    assert audit["detail"]["before"]["category"] == "perso"


def test_existing_capture_takes_a_partial_update(db: psycopg.Connection) -> None:
    """A later call with only the capture id and new fields updates the capture in place."""
    cap = record(db, {"channel": "pwa", "text": "note"})
    updated = record(db, {"capture_id": cap["capture_id"], "category": "perso"})
    assert updated["created"] is False and updated["category"] == "perso"
    assert updated["text"] == "note" and updated["status"] == "filed"


def test_new_capture_without_input_is_refused_clearly(db: psycopg.Connection) -> None:
    """A capture with no text, transcript or audio is refused with a message saying so."""
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="needs text, transcript"):
        record(db, {"channel": "pwa", "category": "todo"})


def test_ids_made_in_one_millisecond_still_sort_in_order(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Ids made one after the other, from one session or two, sort in the order they were made."""
    with psycopg.connect(pg_dsn, autocommit=True, row_factory=dict_row) as other:
        made = []
        for i in range(400):
            conn = db if i % 2 else other
            made.append(conn.execute("SELECT assistant.new_ulid(%s) AS u",
                                     ("2026-05-13T10:00:00.123Z",)).fetchone()["u"])  # fmt: skip
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(u[:10] == made[0][:10] for u in made)  # all in the same millisecond
