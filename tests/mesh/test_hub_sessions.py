"""Hub: agents stream sessions and messages over the WebSocket; the phone lists and pages them."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from mesh_protocol import ErrorFrame, Messages, ToolResult, ToolUse, ack_key
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    message,
    running_hub,
    scripted_agent,
)

SID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
FILE = "-home-me-d-v-l-op-ment-projet-r-seau/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.jsonl"
CWD = "/home/me/dévéloppement/projet réseau"


def at(minute: int) -> datetime:
    """A timestamp on the test day."""
    return datetime(2026, 5, 14, 9, minute, tzinfo=UTC)


async def test_sessions_are_listed_with_their_metadata(db: psycopg.Connection, pg_dsn: str) -> None:
    """A session sent by an agent is listed with its cwd (accents, spaces), title and branch."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token, "gpu-server") as agent:
            assert agent.welcome is not None and agent.welcome.acks == {}
            await agent.session(
                SID,
                cwd=CWD,
                project="projet réseau",
                title="Orchestrateur: ajoute /health",
                git_branch="feat/santé",
                status="idle",
                last_msg_at=at(3),
            )
            await agent.batch(SID, FILE, 0, 120, [message("u1", "bonjour", timestamp=at(3))])
            async with httpx.AsyncClient(base_url=url) as client:
                listed = (await client.get("/api/sessions", headers=auth(full))).json()
                agents = (await client.get("/api/agents", headers=auth(full))).json()
    assert len(listed) == 1
    session = listed[0]
    assert session["id"] == SID and session["cwd"] == CWD and session["project"] == "projet réseau"
    assert session["title"] == "Orchestrateur: ajoute /health"
    assert session["git_branch"] == "feat/santé" and session["agent"] == "gpu-server"
    assert session["status"] == "idle" and session["pending_permissions"] == []
    assert datetime.fromisoformat(session["last_msg_at"]) == at(3)
    assert [(a["name"], a["online"], a["sessions"]) for a in agents] == [("gpu-server", True, 1)]


async def test_a_session_outside_a_git_repository_has_no_branch(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Claude Code's "HEAD" (no git repository, or a detached HEAD) is listed as no branch, in
    the list and in the session's live status events alike."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token, "gpu-server") as agent:
            await agent.session(SID, cwd="/tmp/scratch", git_branch="HEAD", last_msg_at=at(3))
            async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
                [listed] = (await client.get("/api/sessions")).json()
                await agent.session(SID, cwd="/tmp/scratch", git_branch="main", last_msg_at=at(4))
                [moved] = (await client.get("/api/sessions")).json()
    assert listed["git_branch"] is None
    assert moved["git_branch"] == "main"
    events = db.execute(
        "SELECT data->>'git_branch' AS branch FROM assistant.mesh_events WHERE session_id = %s "
        "AND kind = 'status' ORDER BY seq",
        (SID,),
    ).fetchall()
    assert [e["branch"] for e in events] == [None, "main"]


async def test_messages_are_paged_newest_last(db: psycopg.Connection, pg_dsn: str) -> None:
    """Messages come back oldest first, in pages that walk back with next_before."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.session(SID, cwd=CWD)
            tool = ToolUse(id="toolu_1", name="Bash", input={"command": "ls"})
            batch = [message(f"u{i}", f"message {i}", timestamp=at(i)) for i in range(5)]
            batch.append(message("a5", "", role="assistant", tool_uses=[tool]))
            result = ToolResult(tool_use_id="toolu_1", content="README.md", is_error=False)
            batch.append(message("u6", "", tool_results=[result]))
            await agent.batch(SID, FILE, 0, 700, batch)
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            last = (await client.get(f"/api/sessions/{SID}/messages?limit=3")).json()
            middle = (
                await client.get(
                    f"/api/sessions/{SID}/messages?limit=3&before={last['next_before']}"
                )
            ).json()
            first = (
                await client.get(
                    f"/api/sessions/{SID}/messages?limit=3&before={middle['next_before']}"
                )
            ).json()
    assert [m["uuid"] for m in last["messages"]] == ["u4", "a5", "u6"]
    assert [m["uuid"] for m in middle["messages"]] == ["u1", "u2", "u3"]
    assert [m["uuid"] for m in first["messages"]] == ["u0"] and first["next_before"] is None
    assert last["messages"][1]["tool_uses"] == [
        {"id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}
    ]
    assert last["messages"][2]["tool_results"][0]["content"] == "README.md"
    seqs = [m["seq"] for m in first["messages"] + middle["messages"] + last["messages"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 7


async def test_a_resent_batch_adds_no_duplicate(db: psycopg.Connection, pg_dsn: str) -> None:
    """The same batch sent twice (after a lost ack) is acked twice and stored once."""
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            batch = [message("u1", "un"), message("u2", "deux")]
            await agent.batch(SID, FILE, 0, 200, batch)
            await agent.batch(SID, FILE, 0, 200, batch)
            await agent.batch(SID, FILE, 200, 300, [message("u2", "deux"), message("u3", "trois")])
    rows = db.execute(
        "SELECT uuid FROM assistant.messages WHERE session_id = %s ORDER BY seq", (SID,)
    ).fetchall()
    assert [r["uuid"] for r in rows] == ["u1", "u2", "u3"]


async def test_hub_restart_resumes_from_acked_offsets(db: psycopg.Connection, pg_dsn: str) -> None:
    """After a hub restart the welcome carries every committed offset, per file."""
    agent_token = issue(pg_dsn, "agent")
    sub = "-home-me-proj/" + SID + "/subagents/agent-a1.jsonl"
    settings = hub_settings(pg_dsn)
    with running_hub(settings) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.batch(SID, FILE, 0, 310, [message("u1", "un")])
            await agent.batch(SID, sub, 0, 95, [message("s1", "sous-agent", is_sidechain=True)])
            await agent.batch(SID, FILE, 310, 400, [])
    with running_hub(settings) as url:
        async with scripted_agent(url, agent_token) as agent:
            assert agent.welcome is not None
            assert agent.welcome.acks == {ack_key(SID, FILE): 400, ack_key(SID, sub): 95}
            await agent.batch(SID, FILE, 400, 480, [message("u2", "deux")])
    count = db.execute("SELECT count(*) AS n FROM assistant.messages").fetchone()
    assert count is not None and count["n"] == 3


async def test_a_gap_in_offsets_is_refused(db: psycopg.Connection, pg_dsn: str) -> None:
    """A batch starting after the stored offset is refused (offset_gap) and the socket closed."""

    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.batch(SID, FILE, 0, 100, [message("u1", "un")])
            gap = Messages(session_id=SID, file=FILE, start_offset=150, end_offset=200, messages=[])
            await agent.send(gap)
            error = await agent.expect(ErrorFrame)
            assert error.code == "offset_gap"
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    stored = db.execute('SELECT "offset" FROM assistant.mesh_offsets').fetchone()
    assert stored is not None and stored["offset"] == 100


async def test_invalid_frames_get_an_error_and_the_socket_stays(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Garbage and unknown frame types are answered with invalid_frame; later frames work."""
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.ws.send("{not json")
            assert (await agent.expect(ErrorFrame)).code == "invalid_frame"
            await agent.ws.send('{"type": "teleport", "where": "mars"}')
            assert (await agent.expect(ErrorFrame)).code == "invalid_frame"
            bad_id = '{"type": "session", "session_id": "../../etc/passwd"}'
            await agent.ws.send(bad_id)
            assert (await agent.expect(ErrorFrame)).code == "invalid_frame"
            await agent.batch(SID, FILE, 0, 10, [message("u1", "toujours là")])
    assert db.execute("SELECT count(*) AS n FROM assistant.sessions").fetchone() == {"n": 1}
