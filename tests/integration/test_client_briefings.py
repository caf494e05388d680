"""Classify's POST /v1/client-briefings: which meetings are briefed, and how (the sending of
each briefing: tests/integration/test_client_briefing_sends.py)."""

from __future__ import annotations

from typing import Any

import psycopg

from solo_brain.catalog import Client, Project, upsert_client, upsert_project
from tests.support.classify import classify_service
from tests.support.sql import filed

# A Friday morning in Paris; the filed capture's action is due that day (2026-05-15).
NOW = "2026-05-15T09:00:00+02:00"


def _event(event_id: str, summary: str, start: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "calendar#event", "id": event_id, "status": "confirmed", "summary": summary,
            "start": {"dateTime": start, "timeZone": "Europe/Paris"},
            "end": {"dateTime": start}, **extra}  # fmt: skip


def _seed(db: psycopg.Connection[Any]) -> None:
    upsert_client(db, Client(id="acme", name="ACME Robotics", domains=["acme.com"]))
    upsert_project(db, Project(slug="lidar-fusion", name="Fusion lidar", client_id="acme"))
    cables = filed(db, "Acheter des câbles pour Acme", client_id="acme",
                   summary="Câbles pour la démo")  # fmt: skip
    later = [{"text": "Relancer Paul", "due": None, "due_phrase": None}]
    kick_off = filed(db, "Kick-off lidar", project="lidar-fusion",
                     summary="Réunion de lancement", actions=later)  # fmt: skip
    filed(db, "Autre chose", summary="Note perso sans client")
    for capture_id, at in ((cables, "2026-05-11T18:00:00+02:00"),
                           (kick_off, "2026-05-14T23:30:00+02:00")):  # fmt: skip
        db.execute("UPDATE assistant.captures SET created_at = %s WHERE id = %s", (at, capture_id))


def test_only_coming_meetings_with_a_known_client_are_briefed(
    db: psycopg.Connection[Any], pg_dsn: str
) -> None:
    """An event with a known client within the lead time gets a briefing of its facts; unknown,
    later, cancelled and all-day events get none."""
    _seed(db)
    events = [
        _event("e1", "Point mensuel", "2026-05-15T09:20:00+02:00",
               attendees=[{"email": "solo@example.com", "self": True},
                          {"email": "paul@acme.com"}]),
        _event("e2", "Dentiste", "2026-05-15T09:10:00+02:00"),
        _event("e3", "Démo ACME", "2026-05-15T10:30:00+02:00"),
        _event("e4", "ACME annulé", "2026-05-15T09:15:00+02:00", status="cancelled"),
        {"id": "e5", "summary": "Salon ACME", "start": {"date": "2026-05-15"}},
        _event("e6", "ACME déjà commencé", "2026-05-15T08:50:00+02:00"),
    ]  # fmt: skip
    with classify_service(pg_dsn) as http:
        answer = http.post("/v1/client-briefings", json={"events": events, "now": NOW,
                                                         "lead_min": 30})  # fmt: skip
        invalid = http.post("/v1/client-briefings", json={"events": [{"id": "x"}]})
    assert answer.status_code == 200, answer.text
    (briefing,) = answer.json()["briefings"]
    assert briefing["event_id"] == "e1" and briefing["client_id"] == "acme"
    assert briefing["minutes"] == 20 and briefing["push"]["title"] == (
        "Rendez-vous avec ACME Robotics à 9h20"
    )
    assert briefing["speech"] == (
        "Rendez-vous avec ACME Robotics dans 20 minutes : « Point mensuel ». "
        "Promis et dû : Acheter des câbles, pour aujourd'hui. "
        "Action ouverte : Relancer Paul. "
        "Dernières notes : hier, Réunion de lancement ; le 11 mai, Câbles pour la démo."
    )
    assert briefing["push"] == {"title": "Rendez-vous avec ACME Robotics à 9h20", "url": "/",
                                "body": briefing["speech"], "tag": "briefing-e1"}  # fmt: skip
    assert invalid.status_code == 400
