"""Hub: what a terminal decided or waits for reaches the phone (states, 409, session fields and
the terminal_waiting event)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import psycopg

from mesh_protocol import RESOLVED_ANSWERED, PermissionRequest, PermissionResolved
from tests.mesh.hub_harness import (
    ScriptedAgent,
    auth,
    hub_settings,
    issue,
    recording_webhook,
    running_hub,
    scripted_agent,
)
from tests.support.wait import until

SID = "0d9b3c1e-7f51-4c2a-9a1e-3b2f4d5c6e7f"


def _request(pid: str) -> PermissionRequest:
    return PermissionRequest(
        permission_id=pid,
        session_id=SID,
        tool_name="Bash",
        input={"command": "touch x"},
        source="hook",
    )


@asynccontextmanager
async def _connected(
    pg_dsn: str, name: str = "gpu-server", **settings: Any
) -> AsyncIterator[tuple[ScriptedAgent, httpx.AsyncClient]]:
    """A running hub with a scripted agent connected and the phone's client."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn, **settings)) as url:
        async with (
            scripted_agent(url, agent_token, name=name) as agent,
            httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
        ):
            yield agent, client


async def _session(client: httpx.AsyncClient) -> dict:
    return dict((await client.get(f"/api/sessions/{SID}")).json())


async def test_answered_in_the_terminal_is_shown_and_refuses_decisions(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A permission the terminal answered leaves the pending list with how it was answered;
    approving or denying it afterwards is a 409 saying so."""
    async with _connected(pg_dsn) as (agent, client):
        await agent.send(_request("perm-t1"))
        await until(lambda: _pending(client), what="the pending permission")
        answered = PermissionResolved(
            permission_id="perm-t1", reason=RESOLVED_ANSWERED, behavior="allow"
        )
        await agent.send(answered)
        await agent.sync()
        session = await _session(client)
        approve = await client.post(f"/api/sessions/{SID}/permissions/perm-t1/approve")
        deny = await client.post(f"/api/sessions/{SID}/permissions/perm-t1/deny")
    assert session["pending_permissions"] == []
    for late in (approve, deny):
        assert late.status_code == 409
        error = late.json()["error"]
        assert (
            error["message"] == "permission perm-t1 was already answered in the terminal (allowed)"
        )
        assert error["state"] == "answered_in_terminal"
    [row] = db.execute("SELECT state, terminal_decision, decided_by FROM assistant.permissions")
    assert dict(row) == {
        "state": "answered_in_terminal",
        "terminal_decision": "allow",
        "decided_by": "terminal",
    }


async def test_a_phone_decision_the_agent_no_longer_waited_for_is_corrected(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """The phone approved after the terminal answered (the agent ignored the late decision):
    the agent's report wins, so the phone does not believe the tool ran on its word."""
    async with _connected(pg_dsn) as (agent, client):
        await agent.send(_request("perm-t2"))
        await agent.send(_request("perm-t3"))
        await until(lambda: _pending(client, 2), what="two pending permissions")
        for pid in ("perm-t2", "perm-t3"):
            ok = await client.post(f"/api/sessions/{SID}/permissions/{pid}/approve")
            assert ok.status_code == 200
        answered = PermissionResolved(
            permission_id="perm-t2", reason=RESOLVED_ANSWERED, behavior="deny"
        )
        await agent.send(answered)
        await agent.send(PermissionResolved(permission_id="perm-t3", reason="terminal"))
        await agent.sync()
    rows = db.execute("SELECT id, state, terminal_decision FROM assistant.permissions ORDER BY id")
    assert [tuple(r.values()) for r in rows] == [
        ("perm-t2", "answered_in_terminal", "deny"),
        ("perm-t3", "expired", None),
    ]


async def test_terminal_waiting_and_permission_mode_reach_the_phone(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A session's permission mode is listed; a terminal starting to wait for a person is
    flagged and announced once to the events webhook; an absent mode keeps the known one."""
    with recording_webhook() as (hook_url, recorder):
        async with _connected(pg_dsn, "atelier", events_webhook_url=hook_url) as (agent, client):
            common = {"cwd": "/srv/app", "title": "Refonte", "live": True}
            await agent.session(SID, permission_mode="plan", **common)
            first = await _session(client)
            await agent.session(SID, terminal_waiting=True, **common)
            await agent.session(SID, terminal_waiting=True, **common)
            waiting = await _session(client)
            await agent.session(SID, terminal_waiting=False, permission_mode="auto", **common)
            done = await _session(client)
            [event] = await until(
                lambda: recorder.events("terminal_waiting"), what="the terminal_waiting event"
            )
    assert (first["permission_mode"], first["terminal_waiting"]) == ("plan", False)
    assert (waiting["permission_mode"], waiting["terminal_waiting"]) == ("plan", True)
    assert (done["permission_mode"], done["terminal_waiting"]) == ("auto", False)
    fields = ("session_id", "session_title", "session_label", "agent", "permission_mode")
    assert {k: event[k] for k in fields} == {
        "session_id": SID,
        "session_title": "Refonte",
        "session_label": "app",  # the folder of its cwd, as the other pushes name it
        "agent": "atelier",
        "permission_mode": "plan",
    }
    assert len(recorder.events("terminal_waiting")) == 1


async def _pending(client: httpx.AsyncClient, count: int = 1) -> bool:
    response = await client.get(f"/api/sessions/{SID}")
    return response.status_code == 200 and len(response.json()["pending_permissions"]) == count
