"""Hub: a message with two children is marked `fork` in pages, and the stream says so once."""

from __future__ import annotations

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, message, running_hub, scripted_agent
from tests.mesh.hub_harness import sse as open_sse

SID = "3f2504e0-4f89-11d3-9a0c-0305e82c3302"
FILE = "-srv-orchestrator/3f2504e0-4f89-11d3-9a0c-0305e82c3302.jsonl"


async def test_a_second_child_marks_the_fork_and_streams_it_once(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """The terminal's turn after a forced phone turn forks: one `fork` event after the new
    child, the fork marker on the message both continue only, nothing again on a resend."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    path = f"/api/sessions/{SID}/stream"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            await agent.session(SID, cwd="/srv/orchestrator")
            base = [
                message("u1", "bonjour"),
                message("a1", "Salut.", "assistant", parent_uuid="u1"),
                message("side", "sous-agent", parent_uuid="a1", is_sidechain=True),
                message("note", "Outil refusé.", "system", parent_uuid="a1"),
            ]
            await agent.batch(SID, FILE, 0, 30, base)
            async with open_sse(client, path, full) as stream:
                phone = [
                    message("p1", "du téléphone", parent_uuid="dur", thread_parent_uuid="a1"),
                    message("p2", "Réponse.", "assistant", parent_uuid="p1"),
                ]
                await agent.batch(SID, FILE, 30, 60, phone)
                # Both name the same line ("dur", a turn duration: no message) and continue a1.
                terminal = [
                    message("t1", "du terminal", parent_uuid="dur", thread_parent_uuid="a1")
                ]
                await agent.batch(SID, FILE, 60, 80, terminal)
                await agent.batch(SID, FILE, 60, 80, terminal)  # resent after a reconnect
                await agent.batch(SID, FILE, 80, 90, [message("t2", "ok", parent_uuid="t1")])
                got = [await stream.next() for _ in range(5)]
            page = (await client.get(f"/api/sessions/{SID}/messages", headers=auth(full))).json()
    assert [e.event for e in got] == ["message", "message", "message", "fork", "message"]
    fork = got[3]
    assert fork.data == {"uuid": "a1", "children": ["p1", "t1"]}
    assert fork.id is not None and got[2].id is not None and fork.id > got[2].id
    assert all(e.data.get("fork") is False for e in got if e.event == "message")
    marked = {m["uuid"]: m["fork"] for m in page["messages"]}
    assert marked == {
        "u1": False,
        "a1": True,
        "side": False,
        "note": False,
        "p1": False,
        "p2": False,
        "t1": False,
        "t2": False,
    }


async def test_the_fork_event_is_replayed_after_last_event_id(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A phone that was offline when the fork happened gets the fork event on resume (an older
    agent that sends no thread_parent_uuid: parent_uuid decides)."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    path = f"/api/sessions/{SID}/stream"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            await agent.session(SID, cwd="/srv/orchestrator")
            await agent.batch(SID, FILE, 0, 10, [message("r", "racine")])
            # Both children in one batch: still one fork, announced once.
            twins = [message("x", "un", parent_uuid="r"), message("y", "deux", parent_uuid="r")]
            await agent.batch(SID, FILE, 10, 20, twins)
            async with open_sse(client, f"{path}?after=0", full) as stream:
                got = [e for _ in range(5) if (e := await stream.next()).event != "status"]
    assert [e.event for e in got] == ["message", "message", "message", "fork"]
    assert got[3].data == {"uuid": "r", "children": ["x", "y"]}
