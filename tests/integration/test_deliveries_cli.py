"""`solo-brain deliveries`: where captures went, its times in the user's zone."""

from __future__ import annotations

import psycopg

from tests.support.processes import run_cli


def test_deliveries_are_listed_in_the_users_zone(db: psycopg.Connection, pg_dsn: str) -> None:
    """A failed delivery changed at 09:03 UTC is listed at 14:48 in Asia/Kathmandu (+05:45), on
    a server whose own zone is UTC, and the table says which zone its times are in."""
    capture = db.execute(
        "INSERT INTO assistant.captures (id, text) VALUES ('cap_' || assistant.new_ulid(), "
        "'note') RETURNING id"
    ).fetchone()["id"]
    db.execute(
        "INSERT INTO assistant.deliveries (id, capture_id, kind, state, idempotency_key, "
        "attempts, last_error, updated_at) VALUES ('dlv_' || assistant.new_ulid(), %s, "
        "'onyx_document', 'failed', 'onyx_document:' || %s, 3, 'HTTP 400', "
        "'2026-05-14 09:03:00+00')",
        (capture, capture),
    )
    done = run_cli(pg_dsn, "deliveries", "--failed", SOLO_BRAIN_TZ="Asia/Kathmandu", TZ="UTC")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "(times in Asia/Kathmandu)"
    [row] = [x for x in lines if capture in x]
    assert row.startswith("2026-05-14 14:48 ") and "onyx_document" in row and "HTTP 400" in row
