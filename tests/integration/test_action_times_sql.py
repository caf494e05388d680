"""An action's time of day in SQL: stored, shown, reminded near it, timed in the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.support.sql import ALL_CONFIGURED, call, classification, deliveries, received, rows


def _timed(db: psycopg.Connection[Any], *actions: dict[str, Any]) -> str:
    capture_id = received(db, "Rappelle-moi demain à 10h d'appeler Martin")
    call(db, "file_capture", {"capture_id": capture_id,
                              "result": classification(actions=list(actions))})  # fmt: skip
    return capture_id


def _actions(db: psycopg.Connection[Any], capture_id: str) -> list[dict[str, Any]]:
    row = db.execute("SELECT assistant.capture_json(%s) AS c", (capture_id,)).fetchone()
    return list(row["c"]["actions"])  # type: ignore[index]


def test_a_time_is_stored_shown_kept_and_cleared(db: psycopg.Connection) -> None:
    """A classified time shows as HH:MM (the answer too); left out it stays, null clears it."""
    capture_id = _timed(db, {"text": "appeler Martin", "due": "2026-05-14", "due_time": "10:00",
                             "due_phrase": "demain à 10h"})  # fmt: skip
    [action] = _actions(db, capture_id)
    assert (action["due"], action["due_time"]) == ("2026-05-14", "10:00")
    answer = db.execute("SELECT assistant.capture_answer(%s) AS a", (capture_id,)).fetchone()
    assert answer["a"]["actions"] == [  # type: ignore[index]
        {"text": "appeler Martin", "due": "2026-05-14", "due_time": "10:00"}]  # fmt: skip
    moved = {"id": action["id"], "text": "appeler Martin", "due": "2026-05-15"}
    call(db, "record_capture", {"capture_id": capture_id, "actions": [moved]})
    assert [(a["due"], a["due_time"]) for a in _actions(db, capture_id)] == [
        ("2026-05-15", "10:00")]  # fmt: skip
    call(db, "record_capture", {"capture_id": capture_id,
                                "actions": [{**moved, "due_time": None}]})  # fmt: skip
    assert [a["due_time"] for a in _actions(db, capture_id)] == [None]


def test_a_time_without_a_day_is_refused(db: psycopg.Connection) -> None:
    """A time given without its day is refused (22023), and a day cleared takes its time along."""
    capture_id = _timed(db, {"text": "appeler Martin", "due": "2026-05-14", "due_time": "10:00"})
    [action] = _actions(db, capture_id)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="needs its due day"):
        call(db, "record_capture", {"capture_id": capture_id, "actions": [
            {"id": action["id"], "text": "x", "due": None, "due_time": "09:00"}]})  # fmt: skip
    db.rollback()
    call(db, "record_capture", {"capture_id": capture_id, "actions": [
        {"id": action["id"], "text": "appeler Martin", "due": None}]})  # fmt: skip
    assert [(a["due"], a["due_time"]) for a in _actions(db, capture_id)] == [(None, None)]


def _in_utc(minutes: int) -> dict[str, str]:
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    return {"due": at.date().isoformat(), "due_time": at.strftime("%H:%M")}


def test_a_timed_action_is_reminded_near_its_time_and_once(db: psycopg.Connection) -> None:
    """Within lead_min of its time it is claimed, not before; once only; all-day ones as before."""
    today = datetime.now(UTC).date().isoformat()
    capture_id = _timed(
        db,
        {"text": "bientôt", **_in_utc(10)},
        {"text": "plus tard", **_in_utc(40)},
        {"text": "passé", **_in_utc(-90)},
        {"text": "toute la journée", "due": today},
    )
    first = rows(db, "claim_reminders", {"tz": "UTC", "lead_min": 15})
    assert sorted(r["text"] for r in first) == ["bientôt", "passé", "toute la journée"]
    said = {r["text"]: (r["due_time"], r["at_said"]) for r in first}
    assert said["toute la journée"] == (None, "")
    assert said["bientôt"][1].startswith(" à ") and said["bientôt"][0] is not None
    assert rows(db, "claim_reminders", {"tz": "UTC", "lead_min": 15}) == []
    later = rows(db, "claim_reminders", {"tz": "UTC", "lead_min": 45})
    assert [r["text"] for r in later] == ["plus tard"]
    [moved] = [a for a in _actions(db, capture_id) if a["text"] == "plus tard"]
    assert moved["reminded_at"] is not None


def test_a_time_is_taken_in_the_users_zone(db: psycopg.Connection) -> None:
    """The same wall-clock time is near in one zone and hours away in another."""
    at = datetime.now(UTC) + timedelta(minutes=5)
    _timed(db, {"text": "appel", "due": at.date().isoformat(), "due_time": at.strftime("%H:%M")})
    # That wall-clock time in Honolulu (UTC-10) is 10 hours from now.
    assert rows(db, "claim_reminders", {"tz": "Pacific/Honolulu", "lead_min": 15}) == []
    assert [r["text"] for r in rows(db, "claim_reminders", {"tz": "UTC"})] == ["appel"]


@pytest.mark.parametrize(
    ("at", "said"),
    [("10:00", "10h"), ("10:30", "10h30"), ("09:05", "9h05"), ("12:00", "midi"),
     ("00:00", "minuit"), ("00:30", "0h30")],
)  # fmt: skip
def test_times_and_days_are_said_in_french(db: psycopg.Connection, at: str, said: str) -> None:
    """The reminder's words: "10h", "midi", "minuit" and "lundi 1 juin", as speech says them."""
    row = db.execute("SELECT assistant.french_time(%s::time) AS t, "
                     "assistant.french_day('2026-06-01') AS d", (at,)).fetchone()  # fmt: skip
    assert row == {"t": said, "d": "lundi 1 juin"}


def test_a_timed_action_becomes_a_timed_calendar_event(db: psycopg.Connection) -> None:
    """With a time: start/end dateTime in the user's zone, 30 minutes; without: the whole day."""
    capture_id = _timed(
        db,
        {"text": "appeler Martin", "due": "2026-05-14", "due_time": "10:00"},
        {"text": "payer l'URSSAF", "due": "2026-05-15"},
        {"text": "dîner", "due": "2026-05-15", "due_time": "23:45"},
    )
    claimed = rows(db, "claim_deliveries", {"capture_id": capture_id, "tz": "Europe/Paris",
                                            "configured": ALL_CONFIGURED})  # fmt: skip
    spans = {d["request"]["summary"]: (d["request"]["start"], d["request"]["end"])
             for d in claimed if d["kind"] == "calendar_event"}  # fmt: skip
    paris = "Europe/Paris"
    assert spans == {
        "appeler Martin": ({"dateTime": "2026-05-14T10:00:00", "timeZone": paris},
                           {"dateTime": "2026-05-14T10:30:00", "timeZone": paris}),
        "payer l'URSSAF": ({"date": "2026-05-15"}, {"date": "2026-05-16"}),
        "dîner": ({"dateTime": "2026-05-15T23:45:00", "timeZone": paris},
                  {"dateTime": "2026-05-16T00:15:00", "timeZone": paris}),
    }  # fmt: skip


def test_a_new_time_replans_the_event(db: psycopg.Connection) -> None:
    """Moving an action to another time skips its pending event and plans a new one."""
    capture_id = _timed(db, {"text": "appeler Martin", "due": "2026-05-14", "due_time": "10:00"})
    [action] = _actions(db, capture_id)
    call(db, "record_capture", {"capture_id": capture_id, "actions": [
        {"id": action["id"], "text": "appeler Martin", "due": "2026-05-14",
         "due_time": "11:30"}]})  # fmt: skip
    db.execute("SELECT assistant.plan_deliveries(%s, NULL)", (capture_id,))
    events = [(d["state"], d["detail"].get("due_time")) for d in deliveries(db, capture_id)]
    assert events == [("skipped", "10:00"), ("pending", "11:30")]
