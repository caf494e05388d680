"""Classify's POST /v1/speech, with the body Postgres builds for a capture."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.support.classify import classify_service
from tests.support.sql import call, filed


def test_the_sentence_follows_the_capture_and_its_deliveries(
    db: psycopg.Connection[Any], pg_dsn: str
) -> None:
    """speech_request's body gives the filed sentence; once the event exists it says so."""
    capture_id = filed(db)  # its action is due on Friday 2026-05-15; captured on the Monday
    db.execute("UPDATE assistant.captures SET created_at = '2026-05-11T09:00:00+02:00' "
               "WHERE id = %s", (capture_id,))  # fmt: skip
    request = call(db, "file_capture", {"capture_id": capture_id})["speech_request"]
    (event_id,) = [r["id"] for r in db.execute(
        "SELECT id FROM assistant.deliveries WHERE capture_id = %s", (capture_id,))]  # fmt: skip
    with classify_service(pg_dsn) as http:
        before = http.post("/v1/speech", json=request)
        call(db, "record_delivery", {"delivery_id": event_id, "status": 200, "body": {"id": "e"}})
        after = http.post("/v1/speech", json=call(db, "file_capture", {"capture_id": capture_id})[
            "speech_request"])  # fmt: skip
        on_it = http.post("/v1/speech", json={**request, "deferred": True})
        invalid = http.post("/v1/speech", json={"capture": {"status": "lost"}})
    assert before.status_code == 200, before.text
    assert before.json() == {"speech": "Capté, tâche notée pour vendredi."}
    assert after.json() == {"speech": "Capté, tâche ajoutée à l'agenda pour vendredi."}
    assert on_it.json()["speech"].startswith("C'est noté, je m'en occupe")
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "invalid_request"
