"""The Solo Brain node's Note → Answer Question and Note → Write Client Briefings in the real
n8n, on the real classify service and the stack's Postgres (the Ollama fake as the local model):
what each answers, field by field, and how a bad item is refused."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from solo_brain.catalog import Client, upsert_client
from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack
from tests.e2e.n8n.test_nodes_lifecycle import run
from tests.e2e.n8n.test_nodes_routines import text_capture

pytestmark = pytest.mark.n8n

CLASSIFY = {"soloBrainClassifyApi": {"id": "sbClassifyServ01", "name": "Solo Brain classify"}}
MODEL = "qwen3.6:35b"  # the stack's OLLAMA_MODEL (classify's default)


def note(operation: str, **parameters: Any) -> dict[str, Any]:
    """A Solo Brain node on classify's Note resource."""
    return package_node("soloBrain", CLASSIFY, "note", operation, **parameters)


def facts_of(tag: str) -> dict[str, Any]:
    """The facts of a question about tomorrow: one open action of the day."""
    return {"today": "2026-05-13", "period": {"start": "2026-05-14", "end": "2026-05-14"},
            "actions": [{"text": f"rendre le rapport {tag}", "due": "2026-05-14"}]}  # fmt: skip


def test_answer_question_speaks_from_the_facts_and_the_events_only(
    stack: Stack, editor: Editor
) -> None:
    """The local model gets the question, the facts and the calendar events; its sentence and
    who wrote it are the item."""
    tag = secrets.token_hex(3)
    said = f"Demain, le rapport {tag} et la revue {tag} à 9h."
    stack.brain.when("question posée", tag, answer={"speech": said})
    event = {"summary": f"Revue {tag}", "start": {"dateTime": "2026-05-14T09:00:00+02:00"}}
    node = note("answerQuestion", question="={{ $json.body.question }}",
                facts="={{ $json.body.facts }}", events="={{ $json.body.events }}")  # fmt: skip

    [item] = run(editor, node, question=f"Qu'ai-je demain {tag} ?", facts=facts_of(tag),
                 events=[event])  # fmt: skip

    assert item == {"speech": said, "answered_by": f"ollama:{MODEL}"}
    asked = f"Question posée : Qu'ai-je demain {tag}"
    (chat,) = [c["messages"][-1]["content"] for c in stack.ollama.chats
               if c["messages"][-1]["content"].startswith(asked)]  # fmt: skip
    assert f"rendre le rapport {tag}" in chat and f"Revue {tag}" in chat


def test_answer_question_refuses_a_blank_question_and_facts_that_are_not_an_object(
    stack: Stack, editor: Editor
) -> None:
    """A blank question is the service's 400 for that item (continuing on fail); facts that are
    not an object stop the run before any call, naming the item."""
    stack.brain.when("question posée", "qu'ai-je à rendre", answer={"speech": "Le rapport."})
    items = {"items": [{"q": "Qu'ai-je à rendre ?", "facts": facts_of("ok")},
                       {"q": "   ", "facts": facts_of("blank")}]}  # fmt: skip
    each = {"question": "={{ $json.q }}", "facts": "={{ $json.facts }}"}

    lenient = note("answerQuestion", onError="continueRegularOutput", **each)
    with editor.trying(lenient, split="items") as workflow:
        answered, blank = workflow.items(json=items)
    listed = {"items": [{"q": "Qu'ai-je à rendre ?", "facts": ["pas", "un", "objet"]}]}
    with editor.trying(note("answerQuestion", **each), split="items") as workflow:
        assert workflow.post(json=listed).status_code == 500
        failure = workflow.failure()

    assert answered == {"speech": "Le rapport.", "answered_by": f"ollama:{MODEL}"}
    assert (blank["status"], blank["code"]) == (400, "invalid_request")
    assert failure["name"] == "NodeOperationError"
    assert failure["message"] == 'The field "Facts" is not an object'
    assert failure["context"]["itemIndex"] == 0


def client_with_an_open_action(stack: Stack, tag: str) -> str:
    """A client (domain `<tag>.example`) with one filed note and its open action; its id."""
    client = f"client{tag}"
    capture = text_capture(stack, f"Envoyer le chiffrage {tag}", "2031-01-15")
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        upsert_client(conn, Client(id=client, name=f"Société {tag}", domains=[f"{tag}.example"]))
        conn.execute("UPDATE assistant.captures SET status = 'filed', category = 'client',"
                     " client_id = %s, summary = %s WHERE id = %s",
                     (client, f"Chiffrage {tag}", capture))  # fmt: skip
    return client


def test_write_client_briefings_names_the_clients_open_actions(
    stack: Stack, editor: Editor
) -> None:
    """An event 20 minutes ahead with someone at a client's domain is briefed in French with
    its open action; an event with nobody known is not."""
    tag = secrets.token_hex(3)
    client = client_with_an_open_action(stack, tag)
    now = datetime(2026, 5, 13, 8, 0, tzinfo=UTC)
    start = (now + timedelta(minutes=20)).isoformat()
    at = {"dateTime": start}
    events = [{"id": f"evt{tag}", "summary": "Point chiffrage", "start": at,
               "attendees": [{"email": f"marie@{tag}.example"}]},
              {"id": f"other{tag}", "summary": "Dentiste", "start": at}]  # fmt: skip
    node = note("writeClientBriefings", events="={{ $json.body.events }}", leadMin=30,
                options={"now": now.isoformat(), "tz": "Europe/Paris"})  # fmt: skip

    [item] = run(editor, node, events=events)

    [briefing] = item["briefings"]
    assert (briefing["event_id"], briefing["client_id"], briefing["client_name"]) == (
        f"evt{tag}", client, f"Société {tag}",
    )  # fmt: skip
    assert (briefing["title"], briefing["minutes"]) == ("Point chiffrage", 20)
    assert briefing["speech"].startswith(f"Rendez-vous avec Société {tag} dans 20 minutes")
    assert f"Envoyer le chiffrage {tag}" in briefing["speech"]
    assert briefing["push"]["tag"] and briefing["push"]["title"]


def test_write_client_briefings_refuses_a_bad_event_and_events_that_are_not_a_list(
    editor: Editor,
) -> None:
    """An event without an id is the service's 400 for that item (continuing on fail); events
    that are not a list stop the run before any call, naming the item."""
    items = {"items": [{"events": []}, {"events": [{"summary": "Sans identifiant"}]}]}
    each = {"events": "={{ $json.events }}", "leadMin": 30}

    lenient = note("writeClientBriefings", onError="continueRegularOutput", **each)
    with editor.trying(lenient, split="items") as workflow:
        none, bad = workflow.items(json=items)
    with editor.trying(note("writeClientBriefings", **each), split="items") as workflow:
        assert workflow.post(json={"items": [{"events": {"id": "x"}}]}).status_code == 500
        failure = workflow.failure()

    assert none == {"briefings": []}
    assert (bad["status"], bad["code"]) == (400, "invalid_request")
    assert failure["name"] == "NodeOperationError"
    assert failure["message"] == 'The field "Calendar Events" is not a list'
    assert failure["context"]["itemIndex"] == 0
