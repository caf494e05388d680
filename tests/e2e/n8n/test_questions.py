"""Questions answered by voice, end to end: real n8n, classify, glue, Postgres, loopback fakes."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solo_brain.classify.facts import Facts, fact_lines
from tests.e2e.n8n.stack import Stack, wait_for
from tests.fakes.gcal import _moment
from tests.fakes.graph import meta_delivery, text_message

pytestmark = pytest.mark.n8n

TZ = "Europe/Paris"
CALENDAR = "solo@example.com"
QUESTION = "Qu'est-ce que j'ai demain ?"


def _seed_action(
    stack: Stack, text: str, due: date, *, done: bool = False, client_id: str | None = None
) -> None:
    """A filed, already told capture with one open (or done) action; no delivery planned."""
    payload = {"text": text, "channel": "api", "category": "todo", "summary": text,
               "classifier": "heuristic", "client_id": client_id,
               "actions": [{"text": text, "due": due.isoformat(), "due_phrase": None}]}  # fmt: skip
    (row,) = stack.rows("SELECT assistant.record_capture(%s::jsonb) AS c", json.dumps(payload))
    stack.rows("UPDATE assistant.captures SET confirmation = 'answered' WHERE id = %s "
               "RETURNING id", row["c"]["capture_id"])  # fmt: skip
    if done:
        stack.rows("UPDATE assistant.actions SET done = true WHERE capture_id = %s RETURNING id",
                   row["c"]["capture_id"])  # fmt: skip


def _seed_event(stack: Stack, summary: str, start: datetime) -> None:
    """An event already in the user's Google Calendar."""
    stack.calendar.events.setdefault(CALENDAR, []).append({
        "kind": "calendar#event", "id": secrets.token_hex(8), "status": "confirmed",
        "summary": summary, "start": {"dateTime": start.isoformat(), "timeZone": TZ},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": TZ},
    })  # fmt: skip


def _tomorrow_seeded(stack: Stack, tag: str) -> date:
    """Tomorrow's seeded actions and events, and others that must not be told; tomorrow."""
    # Seeded for the day after the Paris day now; a run across midnight is caught below.
    tomorrow = datetime.now(ZoneInfo(TZ)).date() + timedelta(days=1)
    _seed_action(stack, f"Envoyer le devis {tag}", tomorrow)
    _seed_action(stack, f"Relancer la banque {tag}", tomorrow + timedelta(days=3))
    _seed_action(stack, f"Déjà fait {tag}", tomorrow, done=True)
    at_ten = datetime.combine(tomorrow, datetime.min.time(), ZoneInfo(TZ)).replace(hour=10)
    _seed_event(stack, f"Démo {tag}", at_ten)
    _seed_event(stack, f"Atelier {tag}", at_ten + timedelta(days=3))
    return tomorrow


def _expected_facts(stack: Stack, capture_id: str, tomorrow: date) -> list[str]:
    """The facts the model must get: every open action due tomorrow, tomorrow's events."""
    actions = stack.rows(
        "SELECT a.text, a.due, p.name AS project, cl.name AS client FROM assistant.actions a "
        "JOIN assistant.captures c ON c.id = a.capture_id "
        "LEFT JOIN assistant.projects p ON p.slug = c.project "
        "LEFT JOIN assistant.clients cl ON cl.id = COALESCE(c.client_id, p.client_id) "
        "WHERE NOT a.done AND a.due = %s AND c.id <> %s ORDER BY a.id",
        tomorrow,
        capture_id,
    )
    # What the calendar lists for the day, as Google (and its fake) does: overlapping events.
    low = datetime.combine(tomorrow, datetime.min.time(), ZoneInfo(TZ))
    high = low + timedelta(days=1)
    events = [
        e
        for e in stack.calendar.events[CALENDAR]
        if (_moment(e["end"]) or low) > low and (_moment(e["start"]) or high) < high
    ]
    events.sort(key=lambda e: _moment(e["start"]) or low)
    facts = Facts.model_validate({
        "today": tomorrow - timedelta(days=1),
        "period": {"start": tomorrow, "end": tomorrow},
        "actions": actions, "events": events,
    })  # fmt: skip
    return fact_lines(facts, TZ)


def _answered(stack: Stack, response: Any) -> dict[str, Any]:
    """The capture API answer once the question was answered: the webhook's own answer, or,
    on a machine too slow for the time budget, the stored one its notification tells (then
    `late`)."""
    assert response.status_code == 200, response.text
    body = response.json()
    if body["status"] == "filed":
        return dict(body) | {"late": False}
    told = ("answered", "notified")
    wait_for(lambda: stack.capture_row(body["capture_id"])["confirmation"] in told,
             what="the answer after the time budget")  # fmt: skip
    return stack.answer_of(body["capture_id"]) | {"late": True}


def _only_the_answer_was_delivered(stack: Stack, answer: dict[str, Any]) -> None:
    """No delivery but, for a late answer, its one notification on each channel."""
    kinds = sorted(d["kind"] for d in stack.deliveries_of(answer["capture_id"]))
    assert kinds == (["gotify", "push"] if answer["late"] else [])


def _answer_chat(stack: Stack, question: str) -> dict[str, Any]:
    asked = f"Question posée : {question}"
    (chat,) = [c for c in stack.ollama.chats
               if c["messages"][-1]["content"].startswith(asked)]  # fmt: skip
    return chat


def test_a_question_by_the_siri_shortcut_is_answered_from_the_users_facts(stack: Stack) -> None:
    """Tomorrow's open actions and events reach the local model, only them; nothing is filed."""
    tag = secrets.token_hex(3)
    tomorrow = _tomorrow_seeded(stack, tag)
    stack.brain.when("qu'est-ce que j'ai demain", answer={
        "category": "todo", "summary": "Agenda de demain", "actions": [],
        "question": {"period_phrase": "demain"}})  # fmt: skip
    said = f"Demain à 10h, démo {tag}, et le devis {tag} à envoyer."
    stack.brain.when("question posée", "demain", answer={"speech": said})

    body = _answered(stack, stack.capture(text=QUESTION, channel="siri"))

    row = stack.capture_row(body["capture_id"])
    assert row["created_at"].astimezone(ZoneInfo(TZ)).date() == tomorrow - timedelta(days=1)
    assert (body["status"], body["category"], body["actions"]) == ("filed", "question", [])
    assert body["speech"] == said and body["tts_url"].startswith(stack.glue_url)
    assert row["question"]["start"] == row["question"]["end"] == tomorrow.isoformat()
    chat = _answer_chat(stack, QUESTION)
    facts = chat["messages"][-1]["content"].split("\n\nFaits :\n", 1)[1].splitlines()
    assert facts == _expected_facts(stack, body["capture_id"], tomorrow)
    assert f"- à 10h : Démo {tag}" in facts
    assert f"- Envoyer le devis {tag} (pour demain)" in facts
    assert not [line for line in facts if f"Relancer la banque {tag}" in line
                or f"Atelier {tag}" in line or f"Déjà fait {tag}" in line]  # fmt: skip
    assert stack.rows("SELECT id FROM assistant.actions WHERE capture_id = %s",
                      body["capture_id"]) == []  # fmt: skip
    _only_the_answer_was_delivered(stack, body)
    assert not [e for e in stack.calendar.requests if QUESTION in json.dumps(e)]


def test_a_question_by_whatsapp_gets_one_reply(stack: Stack) -> None:
    """By WhatsApp the answer comes back as one text reply, and nothing else is delivered."""
    number = "336" + "".join(secrets.choice("0123456789") for _ in range(8))
    tag = secrets.token_hex(3)
    _tomorrow_seeded(stack, tag)
    question = f"Qu'est-ce que j'ai demain {tag} ?"
    stack.brain.when(question.lower()[:-2], answer={
        "category": "todo", "summary": "Agenda de demain", "actions": [],
        "question": {"period_phrase": "demain"}})  # fmt: skip
    said = f"Demain, la démo {tag}."
    stack.brain.when("question posée", tag, answer={"speech": said})
    message = text_message(question, sender=number)

    response = stack.whatsapp(meta_delivery([message], contact=(number, "Solo")))

    assert response.status_code == 200, response.text
    replies = wait_for(lambda: [m for m in stack.graph.sent if m["to"] == number],
                       what="the WhatsApp reply")  # fmt: skip
    (row,) = stack.rows("SELECT * FROM assistant.captures WHERE channel_message_id = %s",
                        message["id"])  # fmt: skip
    stack.wait_idle()
    assert [(m["type"], m["text"]["body"]) for m in replies] == [("text", said)]
    assert (row["category"], row["speech"]) == ("question", said)
    assert [(d["kind"], d["state"]) for d in stack.deliveries_of(row["id"])] == [
        ("whatsapp_text", "done")]  # fmt: skip
    assert f"Démo {tag}" in _answer_chat(stack, question)["messages"][-1]["content"]


def test_a_question_about_a_client_is_answered_from_its_actions_and_events(stack: Stack) -> None:
    """ "What did I promise ACME?": its open actions and its coming events, no one else's."""
    tag = secrets.token_hex(3)
    client_id, name = f"acme-{tag}", f"Acme {tag}"
    stack.rows("INSERT INTO assistant.clients (id, name) VALUES (%s, %s) RETURNING id",
               client_id, name)  # fmt: skip
    in_five_days = datetime.now(ZoneInfo(TZ)).replace(microsecond=0) + timedelta(days=5)
    _seed_action(stack, f"Livrer le rapport {tag}", in_five_days.date(), client_id=client_id)
    _seed_action(stack, f"Payer l'URSSAF {tag}", in_five_days.date())
    _seed_event(stack, f"Démo {name}", in_five_days)
    _seed_event(stack, f"Dentiste {tag}", in_five_days)
    question = f"Qu'est-ce que j'ai promis à {name} ?"
    stack.brain.when(f"promis à {name}", answer={
        "category": "client", "client": client_id, "summary": f"Promesses à {name}",
        "actions": [], "question": {"period_phrase": None}})  # fmt: skip
    said = f"Pour {name}, tu as promis le rapport, avant la démo."
    stack.brain.when("question posée", f"promis à {name}", answer={"speech": said})

    body = _answered(stack, stack.capture(text=question, channel="siri"))

    assert (body["category"], body["client_id"], body["speech"]) == ("question", client_id, said)
    facts = _answer_chat(stack, question)["messages"][-1]["content"]
    assert f"Client demandé : {name}." in facts
    assert f"Livrer le rapport {tag}" in facts and f"Démo {name}" in facts
    assert f"URSSAF {tag}" not in facts and f"Dentiste {tag}" not in facts
    _only_the_answer_was_delivered(stack, body)
