"""Hub: a tool waiting for permission shows up as pending; the phone's decision flows back to
the agent, is audited, and cannot be given twice."""

from __future__ import annotations

import httpx
import psycopg

from mesh_protocol import (
    DENIED_BY_PHONE,
    NO_DECISION_IN_TIME,
    PermissionDecision,
    PermissionRequest,
    PermissionResolved,
)
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    recording_webhook,
    running_hub,
    scripted_agent,
)
from tests.support.wait import until

SID = "c56a4180-65aa-42ec-a945-5fd21dec0538"


def request(pid: str, source: str = "sdk", command: str = "touch ok") -> PermissionRequest:
    """A Bash permission request."""
    return PermissionRequest(
        permission_id=pid,
        session_id=SID,
        prompt_id=None,
        tool_name="Bash",
        input={"command": command},
        source=source,  # type: ignore[arg-type]
    )


async def pending(client: httpx.AsyncClient) -> list[dict]:
    """The pending permissions of the test session, as the session list shows them."""
    sessions = (await client.get("/api/sessions")).json()
    return [p for s in sessions if s["id"] == SID for p in s["pending_permissions"]]


async def test_approve_and_deny_flow_back_to_the_agent(db: psycopg.Connection, pg_dsn: str) -> None:
    """Pending permissions are listed and announced; approve sends allow, deny sends the
    user's message; both are audited and leave the pending list."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full", "iphone")
    with recording_webhook() as (hook_url, recorder):
        with running_hub(hub_settings(pg_dsn, events_webhook_url=hook_url)) as url:
            async with (
                scripted_agent(url, agent_token) as agent,
                httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
            ):
                await agent.session(SID, cwd="/srv/api", status="waiting_permission")
                await agent.send(request("perm-a"))
                await agent.send(request("perm-b", source="hook", command="rm -rf build"))
                listed = await until(lambda: _two(client), what="two pending permissions")
                base = f"/api/sessions/{SID}/permissions"
                approved = await client.post(f"{base}/perm-a/approve")
                assert approved.json() == {
                    "permission_id": "perm-a",
                    "state": "approved",
                    "delivered": True,
                }
                allow = await agent.expect(PermissionDecision)
                assert (allow.permission_id, allow.behavior) == ("perm-a", "allow")
                denied = await client.post(f"{base}/perm-b/deny", json={"message": "pas ça"})
                assert denied.json()["state"] == "denied"
                deny = await agent.expect(PermissionDecision)
                assert (deny.behavior, deny.message) == ("deny", "pas ça")
                again = await client.post(f"{base}/perm-a/deny")
                unknown = await client.post(f"{base}/nope/approve")
                left = await pending(client)
                announced = await until(lambda: len(recorder.events("permission_pending")) == 2)
    assert [(p["id"], p["tool_name"]) for p in listed] == [("perm-a", "Bash"), ("perm-b", "Bash")]
    assert listed[1]["input"] == {"command": "rm -rf build"} and listed[1]["source"] == "hook"
    assert again.status_code == 409 and again.json()["error"]["state"] == "approved"
    assert unknown.status_code == 404
    assert left == [] and announced
    hooks = recorder.events("permission_pending")
    assert {h["permission_id"] for h in hooks} == {"perm-a", "perm-b"}
    assert hooks[0]["session_id"] == SID and hooks[0]["tool_name"] == "Bash"
    audit = db.execute(
        "SELECT actor, action, subject FROM assistant.audit_log "
        "WHERE action LIKE 'permission.%' ORDER BY id"
    ).fetchall()
    assert audit == [
        {"actor": "token:iphone", "action": "permission.approved", "subject": "perm-a"},
        {"actor": "token:iphone", "action": "permission.denied", "subject": "perm-b"},
    ]


async def _two(client: httpx.AsyncClient) -> list[dict] | None:
    found = await pending(client)
    return found if len(found) == 2 else None


async def test_deny_without_message_uses_the_french_default(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A bare deny tells Claude, in French, that the phone refused."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
        ):
            await agent.send(request("perm-c"))
            await until(lambda: pending(client), what="pending permission")
            await client.post(f"/api/sessions/{SID}/permissions/perm-c/deny")
            deny = await agent.expect(PermissionDecision)
    assert (deny.behavior, deny.message) == ("deny", DENIED_BY_PHONE)


async def test_decision_made_while_agent_away_is_resent(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """An agent re-sending a request the phone decided while it was away gets the decision."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            async with scripted_agent(url, agent_token) as agent:
                await agent.send(request("perm-d"))
                await until(lambda: pending(client), what="pending permission")
            answer = await client.post(f"/api/sessions/{SID}/permissions/perm-d/approve")
            assert answer.json()["delivered"] is False
            async with scripted_agent(url, agent_token) as agent:
                await agent.send(request("perm-d"))
                decision = await agent.expect(PermissionDecision)
    assert (decision.permission_id, decision.behavior) == ("perm-d", "allow")


async def test_resolved_and_stale_permissions_leave_the_pending_list(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """An agent-side timeout removes a permission; one nobody decides in time is expired by
    the hub, which tells the agent it is denied."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn, permission_timeout_s=1.0)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
        ):
            await agent.send(request("perm-e"))
            await agent.send(PermissionResolved(permission_id="perm-e", reason="terminal"))
            await agent.send(request("perm-f"))
            decision = await agent.expect(PermissionDecision)
            left = await pending(client)
            late = await client.post(f"/api/sessions/{SID}/permissions/perm-f/approve")
    assert (decision.permission_id, decision.behavior, decision.message) == (
        "perm-f",
        "deny",
        NO_DECISION_IN_TIME,
    )
    assert left == [] and late.status_code == 409
    states = db.execute("SELECT id, state, message FROM assistant.permissions ORDER BY id")
    assert [(r["id"], r["state"], r["message"]) for r in states] == [
        ("perm-e", "expired", "terminal"),
        ("perm-f", "expired", "timeout"),
    ]
