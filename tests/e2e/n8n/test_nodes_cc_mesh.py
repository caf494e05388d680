"""The CC Mesh node (package n8n-nodes-solo-brain) in the real n8n, on the real hub and the
stack's Postgres (sessions of machines that are offline, as the hub knows them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from solo_brain.mesh.store.tokens import create_token
from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack

pytestmark = pytest.mark.n8n

HUB = {"ccMeshApi": {"id": "sbCcMeshHubApi01", "name": "CC Mesh hub"}}


def cc_mesh(resource: str, operation: str, **parameters: Any) -> dict[str, Any]:
    """A CC Mesh node on the stack's hub."""
    return package_node("ccMesh", HUB, resource, operation, **parameters)


def by_id(session_id: str) -> dict[str, Any]:
    """A session given by ID in the node's session locator."""
    return {"__rl": True, "mode": "id", "value": session_id}


@dataclass
class Machine:
    """An offline machine of the test with two sessions; the first waits for three decisions."""

    agent: str
    radar: str
    sonar: str
    pending: tuple[str, str, str]


@pytest.fixture(scope="module")
def machine(stack: Stack) -> Iterator[Machine]:
    """A machine with sessions `nodesradar` (three pending permissions) and `nodessonar`."""
    agent = f"nodes-{uuid.uuid4().hex[:6]}"
    radar, sonar = str(uuid.uuid4()), str(uuid.uuid4())
    pending = tuple(f"perm-{uuid.uuid4().hex[:8]}" for _ in range(3))
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        (agent_id,) = conn.execute(
            "INSERT INTO assistant.agents (id, name, hostname) "
            "VALUES ('agt_' || assistant.new_ulid(), %s, 'bench') RETURNING id",
            (agent,),
        ).fetchone()  # type: ignore[misc]
        for session_id, project, minutes in ((radar, "nodesradar", 1), (sonar, "nodessonar", 90)):
            conn.execute(
                "INSERT INTO assistant.sessions (id, agent_id, cwd, project, title, last_msg_at) "
                "VALUES (%s, %s, %s, %s, %s, now() - make_interval(mins => %s))",
                (
                    session_id,
                    agent_id,
                    f"/home/solo/{project}",
                    project,
                    f"Travail {project}",
                    minutes,
                ),
            )
        for permission_id, command in zip(
            pending, ("make test", "rm -rf build", "git push"), strict=True
        ):
            conn.execute(
                "INSERT INTO assistant.permissions (id, session_id, tool_name, input, source) "
                "VALUES (%s, %s, 'Bash', jsonb_build_object('command', %s::text), 'hook')",
                (permission_id, radar, command),
            )
    yield Machine(agent, radar, sonar, pending)  # type: ignore[arg-type]
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM assistant.sessions WHERE agent_id = %s", (agent_id,))
        conn.execute("DELETE FROM assistant.agents WHERE id = %s", (agent_id,))


def test_get_many_sessions_with_filters_and_a_limit(editor: Editor, machine: Machine) -> None:
    """Get Many lists the machine's sessions, newest first, filtered and limited as asked."""
    mine = {"machine": machine.agent}
    queries = {
        "all": cc_mesh("session", "getAll", returnAll=True, filters=mine),
        "pending": cc_mesh(
            "session", "getAll", returnAll=True, filters={**mine, "pendingOnly": True}
        ),
        "project": cc_mesh("session", "getAll", returnAll=True, filters={"project": "NodesSonar"}),
        "limited": cc_mesh("session", "getAll", returnAll=False, limit=1, filters=mine),
    }
    found = {}
    for name, node in queries.items():
        with editor.trying(node) as workflow:
            found[name] = [s["id"] for s in workflow.items(json={})]

    assert found["all"] == [machine.radar, machine.sonar]
    assert found["pending"] == [machine.radar]
    assert found["project"] == [machine.sonar]
    assert found["limited"] == [machine.radar]


def test_get_one_session_with_its_pending_permissions(editor: Editor, machine: Machine) -> None:
    """Get answers one session, its pending tool calls included."""
    node = cc_mesh("session", "get", session=by_id(machine.radar))

    with editor.trying(node) as workflow:
        (session,) = workflow.items(json={})

    assert (session["id"], session["project"], session["agent"]) == (
        machine.radar,
        "nodesradar",
        machine.agent,
    )
    assert {p["id"] for p in session["pending_permissions"]} >= set(machine.pending)


def test_find_session_by_spoken_hint(editor: Editor, machine: Machine) -> None:
    """Find answers the session a spoken hint names."""
    node = cc_mesh("session", "find", hint="={{ $json.body.hint }}")

    with editor.trying(node) as workflow:
        (session,) = workflow.items(json={"hint": "la session nodessonar"})

    assert session["id"] == machine.sonar


def test_find_session_without_a_match_stops_or_outputs_nothing(editor: Editor) -> None:
    """No session matching: an error with the hub's message, or no item when the user chose so."""
    strict = cc_mesh("session", "find", hint="xylophone quantique")
    quiet = cc_mesh("session", "find", hint="xylophone quantique", whenNone="nothing")

    with editor.trying(strict) as workflow:
        assert workflow.post(json={}).status_code == 500
        failure = workflow.failure()
    with editor.trying(quiet) as workflow:
        answer = workflow.post(json={})

    assert failure["httpCode"] == "404"
    assert failure["message"] == "The CC Mesh hub refused: no session matches 'xylophone quantique'"
    assert answer.status_code == 200 and answer.content in (b"", b"[]", b"{}")


def test_send_prompt_to_each_session_paired_with_its_item(
    stack: Stack, editor: Editor, machine: Machine
) -> None:
    """Send Prompt records one prompt per item (queued: the machine is offline), paired."""
    node = cc_mesh(
        "session",
        "sendPrompt",
        session=by_id("={{ $json.session }}"),
        text="={{ $json.text }}",
        options={"voiceReply": True},
    )
    asked = {
        "name": "Which prompt was asked",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "parameters": {
            "assignments": {
                "assignments": [
                    {
                        "id": "t",
                        "name": "asked",
                        "type": "string",
                        "value": "={{ $('One item each').item.json.text }}",
                    }
                ]
            },
            "includeOtherFields": True,
            "options": {},
        },
    }
    prompts = [
        {"session": machine.radar, "text": "lance les tests"},
        {"session": machine.sonar, "text": "ajoute un endpoint /health"},
    ]

    with editor.trying(node, split="prompts", then=asked) as workflow:
        answers = workflow.items(json={"prompts": prompts})

    assert [a["asked"] for a in answers] == ["lance les tests", "ajoute un endpoint /health"]
    assert all(a["queued"] and a["warning"] for a in answers)
    rows = stack.rows(
        "SELECT session_id, text, voice_reply FROM assistant.prompts WHERE id = ANY(%s) "
        "ORDER BY text DESC",
        [a["prompt_id"] for a in answers],
    )
    assert rows == [
        {"session_id": machine.radar, "text": "lance les tests", "voice_reply": True},
        {"session_id": machine.sonar, "text": "ajoute un endpoint /health", "voice_reply": True},
    ]


def test_approve_then_deny_pending_permissions(
    stack: Stack, editor: Editor, machine: Machine
) -> None:
    """Approve and Deny decide the pending tool calls; deciding one again is the hub's 409."""
    first, second, _ = machine.pending
    approve = cc_mesh("permission", "approve", session=by_id(machine.radar), permission=first)
    deny = cc_mesh(
        "permission",
        "deny",
        session=by_id(machine.radar),
        permission=second,
        options={"message": "Pas de rm -rf ici."},
    )

    with editor.trying(approve) as workflow:
        (approved,) = workflow.items(json={})
        assert workflow.post(json={}).status_code == 500
        again = workflow.failure()
    with editor.trying(deny) as workflow:
        (denied,) = workflow.items(json={})

    assert approved == {"permission_id": first, "state": "approved", "delivered": False}
    assert denied == {"permission_id": second, "state": "denied", "delivered": False}
    rows = stack.rows(
        "SELECT id, state, message FROM assistant.permissions WHERE id = ANY(%s) ORDER BY id",
        [first, second],
    )
    assert {r["id"]: (r["state"], r["message"]) for r in rows} == {
        first: ("approved", None),
        second: ("denied", "Pas de rm -rf ici."),
    }
    assert again["httpCode"] == "409"
    assert again["message"] == f"The CC Mesh hub refused: permission {first} is already approved"


def test_sessions_and_pending_permissions_load_live(editor: Editor, machine: Machine) -> None:
    """The editor searches the sessions and lists the chosen session's pending tool calls."""
    sessions = editor.search_list("ccMesh", "searchSessions", {}, HUB, "nodesradar")
    parameters = {
        "resource": "permission",
        "operation": "approve",
        "session": {"__rl": True, "mode": "list", "value": machine.radar},
    }
    permissions = editor.load_options("ccMesh", "getPendingPermissions", parameters, HUB)

    assert [s["value"] for s in sessions] == [machine.radar]
    assert sessions[0]["name"].startswith(f"nodesradar — Travail nodesradar ({machine.agent}")
    waiting = machine.pending[2]  # the one the other tests leave pending
    names = {p["value"]: p["name"] for p in permissions}
    assert names[waiting] == 'Bash: {"command":"git push"}'


def test_hub_credential_test_accepts_its_token_and_refuses_others(
    stack: Stack, editor: Editor
) -> None:
    """The editor's credential test: the full token passes; a wrong or capture token fails."""
    credential_id = HUB["ccMeshApi"]["id"]
    with psycopg.connect(stack.dsn) as conn:
        _, capture_token = create_token(conn, "capture", f"nodes-{uuid.uuid4().hex[:6]}")

    good = editor.test_credential(credential_id)
    wrong = editor.test_credential(credential_id, {"token": "not-a-token"})
    capture = editor.test_credential(credential_id, {"token": capture_token})

    assert good == {"status": "OK", "message": "Connection successful!"}
    # n8n 1.x drops the HTTP error's cause, so it says its own words instead of the
    # credential's rule for the status (n8n 2.x applies the rule).
    assert wrong["status"] == "Error"
    assert wrong["message"] in (
        "The hub does not know this token (wrong or revoked)",
        "Authorization failed - please check your credentials",
    )
    assert capture["status"] == "Error"
    assert capture["message"] in (
        "This token lacks scope full: solo-brain token create --scope full --name n8n",
        "Forbidden - perhaps check your credentials?",
    )
