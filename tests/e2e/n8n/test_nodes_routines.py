"""The Solo Brain node's routines in the real n8n, through the real hub to the stack's Postgres:
the reminders claimed once, the morning briefing's day in n8n's own time zone, a question's
facts, answer and keeping, a client briefing planned once and sent, a failed execution audited;
a bad zone named."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from solo_brain.settings import DEFAULT_TZ
from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack
from tests.e2e.n8n.test_nodes_lifecycle import lifecycle, run
from tests.support.clock import clear_of_midnight

pytestmark = pytest.mark.n8n

CLIENT_BRIEFING = "sbClientBriefing"  # the shipped workflow's id
CLASSIFY = {"soloBrainClassifyApi": {"id": "sbClassifyServ01", "name": "Solo Brain classify"}}


def text_capture(stack: Stack, text: str, due: str | None = None, *, reminded: bool = True) -> str:
    """A text capture, with one open action due on `due` (YYYY-MM-DD) if given (marked
    reminded unless told, so that the reminders schedule leaves it alone); one with an action
    is filed and told, so that retry-pending never files it again (minutes later, in another
    test, dropping its action from every fact that test compares)."""
    note = {"mode": "text", "channel": "api", "text": text} | ({"category": "todo"} if due else {})
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        (capture,) = conn.execute(
            "SELECT assistant.record_capture(%s::jsonb)", (json.dumps(note),)
        ).fetchone()  # type: ignore[misc]
        if due:
            conn.execute("UPDATE assistant.captures SET confirmation = 'answered' WHERE id = %s",
                         (capture["capture_id"],))  # fmt: skip
            conn.execute(
                "INSERT INTO assistant.actions (capture_id, position, text, due, reminded_at)"
                " VALUES (%s, 0, %s, %s, CASE WHEN %s THEN now() END)",
                (capture["capture_id"], text, due, reminded),
            )
    return str(capture["capture_id"])


def test_reminders_within_the_days_ahead_are_claimed_once(stack: Stack, editor: Editor) -> None:
    """Claim Due takes an action due in three days once Days Ahead reaches it, one item each
    with its fields, and never again (the schedule, 0 days ahead, leaves it alone)."""
    clear_of_midnight(DEFAULT_TZ)  # the test's day is n8n's
    soon = (datetime.now(ZoneInfo(DEFAULT_TZ)) + timedelta(days=3)).date().isoformat()
    cap = text_capture(stack, "renouveler l'assurance du local", soon, reminded=False)
    claim = lifecycle("reminder", "claimDue", leadDays="={{ $json.body.days }}", limit=200,
                      options={})  # fmt: skip

    early = run(editor, claim, days=1)
    taken = run(editor, claim, days=3)
    again = run(editor, claim, days=3)

    assert cap not in [r["capture_id"] for r in early]
    [mine] = [r for r in taken if r["capture_id"] == cap]
    assert mine.keys() == {"action_id", "capture_id", "text", "due", "due_time", "overdue",
                           "today", "due_said", "at_said"}  # fmt: skip
    assert (mine["text"], mine["due"], mine["due_time"], mine["overdue"], mine["today"]) == (
        "renouveler l'assurance du local", soon, None, False, False,
    )  # fmt: skip
    assert mine["at_said"] == ""
    assert cap not in [r["capture_id"] for r in again]


def test_briefing_day_is_n8ns_today_and_a_bad_zone_is_named(stack: Stack, editor: Editor) -> None:
    """Get Day answers today's date in n8n's zone with today's actions; Mars/Olympus is refused."""
    clear_of_midnight(DEFAULT_TZ)  # the test's day is n8n's
    today = datetime.now(ZoneInfo(DEFAULT_TZ)).date().isoformat()
    text_capture(stack, "déposer le dossier routines", today)

    [day] = run(editor, lifecycle("briefing", "getDay", options={}))
    [refused] = run(editor, lifecycle("briefing", "getDay", options={"timeZone": "Mars/Olympus"},
                                      onError="continueRegularOutput"))  # fmt: skip

    assert day["date"] == today
    assert "déposer le dossier routines" in [a["text"] for a in day["today"]]
    assert refused["status"] == 400 and "Mars/Olympus" in refused["error"]


def test_a_question_is_answered_from_its_facts_and_kept(stack: Stack, editor: Editor) -> None:
    """Gather Facts, Answer Question (the model gets those facts) and Tell Answer, by field."""
    clear_of_midnight(DEFAULT_TZ)  # the test's day is n8n's
    tomorrow = (datetime.now(ZoneInfo(DEFAULT_TZ)) + timedelta(days=1)).date().isoformat()
    text_capture(stack, "rendre la clé du local B", tomorrow)
    cap = text_capture(stack, "qu'est-ce que j'ai demain ?")
    period = {"period_phrase": "demain", "start": tomorrow, "end": tomorrow}

    [facts] = run(editor, lifecycle("question", "gatherFacts", captureId="={{ $json.body.id }}",
                  period="={{ $json.body.period }}", project="", clientId="", options={}),
                  id=cap, period=period)  # fmt: skip
    [answer] = run(editor, package_node("soloBrain", CLASSIFY, "note", "answerQuestion",
                   question="={{ $json.body.question }}", facts="={{ $json.body.facts }}",
                   events="[]"), question=facts["question"], facts=facts["facts"])  # fmt: skip
    [told] = run(editor, lifecycle("question", "tellAnswer", captureId=cap,
                 classification="={{ $json.body.classification }}",
                 speech="={{ $json.body.speech }}"),
                 classification={"category": "question", "question": period},
                 speech=answer["speech"])  # fmt: skip

    assert "rendre la clé du local B" in [a["text"] for a in facts["facts"]["actions"]]
    assert answer["speech"] and told["capture_id"] == cap
    with psycopg.connect(stack.dsn) as conn:
        row = conn.execute(
            "SELECT category, (SELECT count(*) FROM assistant.actions WHERE capture_id = c.id)"
            " FROM assistant.captures c WHERE id = %s",
            (cap,),
        ).fetchone()
    assert row == ("question", 0)


def test_a_client_briefing_is_planned_once_and_its_speech_recorded(editor: Editor) -> None:
    """Plan twice plans once; Claim Sends takes the speech; Record Send makes it done."""
    start = (datetime.now(ZoneInfo("UTC")) + timedelta(hours=3)).isoformat()
    briefing: dict[str, Any] = {
        "event_id": f"evt-routines-{start}", "start": start, "title": "Point routines",
        "speech": "Point routines dans trois heures.",
        "push": {"title": "Point routines", "body": "Rien d'ouvert."},
    }  # fmt: skip
    plan = lifecycle("clientBriefing", "plan", briefings="={{ $json.body.briefings }}",
                     push=False, gotify=False, whatsappTo="")  # fmt: skip

    # The shipped client-briefing schedule (every 10 s here) claims every pending speech too.
    with editor.paused(CLIENT_BRIEFING):
        [first] = run(editor, plan, briefings=[briefing])
        [again] = run(editor, plan, briefings=[briefing])
        speeches = run(editor, lifecycle("clientBriefing", "claimSends", stage="speech",
                                         options={}))  # fmt: skip
    [speech] = [s for s in speeches if s["event_id"] == briefing["event_id"]]
    [recorded] = run(editor, lifecycle("clientBriefing", "recordSend",
                     eventId="={{ $json.body.event_id }}", start="={{ $json.body.start }}",
                     kind="speech", status=200, body='{"url": "http://glue/a.mp3"}'),
                     **speech)  # fmt: skip

    assert first == {"planned": [briefing["event_id"]]} and again == {"planned": []}
    assert speech["request"] == {"text": "Point routines dans trois heures.", "format": "mp3"}
    assert recorded["state"] == "done"


def test_a_failed_execution_is_audited(stack: Stack, editor: Editor) -> None:
    """Record Workflow Failure keeps the Error Trigger's failure and words its notification."""
    execution = {"id": "99", "lastNodeExecuted": "Send", "error": {"message": "boom"}}
    [kept] = run(editor, lifecycle("audit", "recordFailure", workflow="={{ $json.body.workflow }}",
                 execution="={{ $json.body.execution }}", trigger="={{ null }}"),
                 workflow={"id": "wf1", "name": "routines"}, execution=execution)  # fmt: skip

    assert kept["title"] == "Solo Brain : échec du workflow routines"
    assert "« Send » : boom" in kept["message"]
    with psycopg.connect(stack.dsn) as conn:
        row = conn.execute(
            "SELECT action, subject FROM assistant.audit_log WHERE id = %s", (kept["audit_id"],)
        ).fetchone()
    assert row == ("workflow.failed", "routines")
