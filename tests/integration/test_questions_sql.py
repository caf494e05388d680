"""question_facts and answer_question: the facts a question is answered from, and its keeping."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.support.classify import seed_catalog
from tests.support.clock import clear_of_midnight
from tests.support.sql import call, classification, deliveries, filed, received

TZ = "Europe/Paris"


@pytest.fixture(autouse=True)
def _one_paris_day() -> None:
    """Each test sees one Paris day: it waits out midnight when midnight is under 2 min away."""
    clear_of_midnight()


def _today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


def _todo(db: psycopg.Connection[Any], text: str, due: date | None, **extra: Any) -> str:
    actions = [{"text": text, "due": due.isoformat() if due else None, "due_phrase": None}]
    return filed(db, text, actions=actions, summary=text, **extra)


def _question(db: psycopg.Connection[Any], text: str, **extra: Any) -> str:
    return received(db, text, **extra)


def test_a_period_keeps_the_open_actions_due_in_it_and_a_calendar_window(
    db: psycopg.Connection[Any],
) -> None:
    """ "Demain": tomorrow's open actions only, and the calendar listed for tomorrow local time."""
    tomorrow = _today() + timedelta(days=1)
    _todo(db, "Envoyer le devis", tomorrow)
    _todo(db, "Relancer la banque", tomorrow + timedelta(days=2))
    done = _todo(db, "Déjà fait", tomorrow)
    db.execute("UPDATE assistant.actions SET done = true WHERE capture_id = %s", (done,))
    asked = _question(db, "Qu'est-ce que j'ai demain ?")
    period = {"start": tomorrow.isoformat(), "end": tomorrow.isoformat()}
    question = {"period_phrase": "demain", **period}
    got = call(db, "question_facts", {"capture_id": asked, "tz": TZ, "question": question})
    assert got["question"] == "Qu'est-ce que j'ai demain ?"
    assert got["facts"]["period"] == period and got["facts"]["today"] == _today().isoformat()
    assert [a["text"] for a in got["facts"]["actions"]] == ["Envoyer le devis"]
    assert got["facts"]["captures"] == []
    start = datetime.combine(tomorrow, datetime.min.time(), ZoneInfo(TZ))
    expected_min = start.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert got["calendar"]["timeMin"] == expected_min and "q" not in got["calendar"]
    assert (got["calendar"]["singleEvents"], got["calendar"]["orderBy"]) == (True, "startTime")


def test_a_client_keeps_its_actions_notes_and_a_calendar_search(
    db: psycopg.Connection[Any],
) -> None:
    """A client question: its open actions (its projects' too) and latest notes, nothing else."""
    seed_catalog(db)
    _todo(db, "Livrer la fusion lidar", None, project="lidar-fusion", client_id="acme")
    _todo(db, "Envoyer la démo ACME", _today() + timedelta(days=20), client_id="acme")
    _todo(db, "Benchmark NPU", _today(), project="imx8mp-vision")
    asked = _question(db, "Qu'est-ce que j'ai promis à ACME ?")
    got = call(db, "question_facts", {"capture_id": asked, "tz": TZ, "client_id": "acme",
                                      "question": {"period_phrase": None}})  # fmt: skip
    facts = got["facts"]
    assert facts["client"] == {"id": "acme", "name": "Acme Industries"}
    assert {a["text"] for a in facts["actions"]} == {
        "Livrer la fusion lidar",
        "Envoyer la démo ACME",
    }
    assert {c["summary"] for c in facts["captures"]} == {
        "Livrer la fusion lidar", "Envoyer la démo ACME"}  # fmt: skip
    assert got["calendar"]["q"] == "Acme Industries" and facts["period"] is None


def test_a_project_keeps_only_its_own_actions(db: psycopg.Connection[Any]) -> None:
    """Where a project stands: its actions and notes; no calendar window without a client."""
    seed_catalog(db)
    _todo(db, "Benchmark NPU", None, project="imx8mp-vision")
    _todo(db, "Livrer la fusion lidar", None, project="lidar-fusion", client_id="acme")
    asked = _question(db, "Où en est le projet imx8 ?")
    got = call(db, "question_facts", {"capture_id": asked, "tz": TZ, "project": "imx8mp-vision",
                                      "question": {}})  # fmt: skip
    assert [a["text"] for a in got["facts"]["actions"]] == ["Benchmark NPU"]
    assert got["facts"]["project"] == {"id": "imx8mp-vision", "name": "IMX8MP vision"}
    assert got["calendar"]["q"] == "IMX8MP vision"


def test_the_answered_question_is_kept_as_one_and_plans_nothing(
    db: psycopg.Connection[Any],
) -> None:
    """Category 'question', status filed, no action, told to the waiting webhook; no delivery."""
    asked = _question(db, "Qu'est-ce que j'ai demain ?")
    question = {"period_phrase": "demain", "start": None, "end": None}
    result = classification(actions=[], summary="Agenda de demain", question=question)
    told = call(
        db,
        "answer_question",
        {
            "capture_id": asked,
            "classification": result,
            "speech": "Demain, rien.",
            "tts_url": "http://t/a.mp3",
        },
    )
    row = db.execute("SELECT * FROM assistant.captures WHERE id = %s", (asked,)).fetchone()
    assert row is not None
    assert (row["category"], row["status"], row["confirmation"]) == (
        "question",
        "filed",
        "answered",
    )
    assert (row["speech"], row["tts_url"]) == ("Demain, rien.", "http://t/a.mp3")
    assert row["question"]["period_phrase"] == "demain" and row["summary"] == "Agenda de demain"
    assert told == {"capture_id": asked, "status": "filed", "deliver": False}
    assert deliveries(db, asked) == []
    assert db.execute("SELECT count(*) AS n FROM assistant.actions WHERE capture_id = %s",
                      (asked,)).fetchone() == {"n": 0}  # fmt: skip


def test_a_whatsapp_question_plans_one_reply_only(db: psycopg.Connection[Any]) -> None:
    """By WhatsApp the answer is one text reply, the question's only delivery."""
    asked = received(db, "Qu'est-ce que j'ai demain ?", channel="whatsapp",
                     channel_message_id="wamid.Q1", reply_to="33600000000")  # fmt: skip
    result = classification(actions=[], question={"period_phrase": "demain"}, capture_id=asked)
    told = call(db, "answer_question", {"classification": result, "speech": "Demain, une démo."})
    assert told["deliver"] is True
    assert [(d["kind"], d["detail"]["text"]) for d in deliveries(db, asked)] == [
        ("whatsapp_text", "Demain, une démo.")]  # fmt: skip


def test_without_a_sentence_nothing_is_recorded(db: psycopg.Connection[Any]) -> None:
    """No speech (classify failed): the question stays pending, to be taken again."""
    asked = _question(db, "Qu'est-ce que j'ai demain ?")
    call(db, "answer_question", {"capture_id": asked, "classification": classification()})
    row = db.execute("SELECT status, category FROM assistant.captures WHERE id = %s",
                     (asked,)).fetchone()  # fmt: skip
    assert row == {"status": "pending_classification", "category": None}


def test_a_question_filed_by_hand_as_a_note_is_no_longer_one(db: psycopg.Connection[Any]) -> None:
    """Re-classified by hand, the question's mark goes and the note's action is planned."""
    asked = _question(db, "Qu'est-ce que j'ai demain ?")
    call(db, "answer_question", {"capture_id": asked, "speech": "Demain, rien.",
                                 "classification": classification(question={})})  # fmt: skip
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    by_hand = {"category": "todo", "actions": [{"text": "Préparer demain", "due": tomorrow}]}
    db.execute("SELECT assistant.reclassify_capture(%s, %s::jsonb)", (asked, json.dumps(by_hand)))
    row = db.execute("SELECT category, question FROM assistant.captures WHERE id = %s",
                     (asked,)).fetchone()  # fmt: skip
    assert row == {"category": "todo", "question": None}
    assert [d["kind"] for d in deliveries(db, asked)] == ["calendar_event"]


def test_the_facts_give_each_action_its_time_soonest_first(db: psycopg.Connection[Any]) -> None:
    """ "Demain": a whole day's action first, then the timed ones by time, each with its time."""
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    actions = [{"text": "Dîner", "due": tomorrow, "due_time": "20:00"},
               {"text": "Appeler Martin", "due": tomorrow, "due_time": "10:00"},
               {"text": "Payer l'URSSAF", "due": tomorrow}]  # fmt: skip
    filed(db, "Demain", actions=actions, summary="Demain")
    asked = _question(db, "Qu'est-ce que j'ai demain ?")
    question = {"period_phrase": "demain", "start": tomorrow, "end": tomorrow}
    got = call(db, "question_facts", {"capture_id": asked, "tz": TZ, "question": question})
    assert [(a["text"], a["due_time"]) for a in got["facts"]["actions"]] == [
        ("Payer l'URSSAF", None), ("Appeler Martin", "10:00"), ("Dîner", "20:00")]  # fmt: skip
