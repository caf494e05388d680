"""Hub: a session's SSE stream carries message, status and permission events, resumable by seq."""

from __future__ import annotations

import httpx
import psycopg

from mesh_protocol import PermissionRequest
from solo_brain.mesh.broadcast import Broadcaster
from solo_brain.mesh.store import StreamEvent
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    message,
    running_hub,
    scripted_agent,
    sse,
)

SID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
FILE = "-srv-orchestrator/3f2504e0-4f89-11d3-9a0c-0305e82c3301.jsonl"


async def test_stream_carries_messages_status_and_permissions(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Each kind of event arrives with `id` = its seq, in commit order."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.session(SID, cwd="/srv/orchestrator", title="Orchestrateur")
            async with (
                httpx.AsyncClient(base_url=url, timeout=10) as client,
                sse(client, f"/api/sessions/{SID}/stream", full) as stream,
            ):
                await agent.batch(SID, FILE, 0, 90, [message("u1", "ajoute /health")])
                await agent.session(
                    SID, cwd="/srv/orchestrator", title="Orchestrateur", status="running"
                )
                await agent.send(
                    PermissionRequest(
                        permission_id="perm-1",
                        session_id=SID,
                        tool_name="Bash",
                        input={"command": "touch ok"},
                        source="sdk",
                        prompt_id=None,
                    )
                )
                got = [await stream.next() for _ in range(3)]
    assert [e.event for e in got] == ["message", "status", "permission"]
    assert got[0].data["uuid"] == "u1" and got[0].data["text"] == "ajoute /health"
    assert got[0].id == got[0].data["seq"]
    assert got[1].data["status"] == "running" and got[1].data["title"] == "Orchestrateur"
    assert got[2].data["state"] == "pending" and got[2].data["input"] == {"command": "touch ok"}
    ids = [e.id for e in got]
    assert all(i is not None for i in ids) and ids == sorted(ids)


async def test_stream_resumes_after_last_event_id_without_duplicates(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A client reconnecting with Last-Event-ID gets exactly what it missed, then live events."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    path = f"/api/sessions/{SID}/stream"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            await agent.session(SID, cwd="/srv/orchestrator")
            async with sse(client, path, full) as stream:
                await agent.batch(SID, FILE, 0, 10, [message("u1", "un"), message("u2", "deux")])
                seen = [await stream.next(), await stream.next()]
            # Missed while disconnected: two messages and a status change.
            await agent.batch(SID, FILE, 10, 20, [message("u3", "trois")])
            await agent.session(SID, cwd="/srv/orchestrator", status="running")
            await agent.batch(SID, FILE, 20, 30, [message("u4", "quatre")])
            async with sse(client, path, full, last_event_id=seen[-1].id) as stream:
                resumed = [await stream.next() for _ in range(3)]
                await agent.batch(SID, FILE, 30, 40, [message("u4", "quatre"), message("u5", "5")])
                live = await stream.next()
                await agent.session(SID, cwd="/srv/orchestrator", status="idle")
                after = await stream.next()
    assert [e.data["uuid"] for e in seen] == ["u1", "u2"]
    assert [(e.event, e.data.get("uuid")) for e in resumed] == [
        ("message", "u3"),
        ("status", None),
        ("message", "u4"),
    ]
    assert (live.event, live.data["uuid"]) == ("message", "u5")
    assert after.event == "status" and after.data["status"] == "idle"
    ids = [e.id for e in seen + resumed + [live, after]]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)


async def test_stream_with_after_param_replays_history(db: psycopg.Connection, pg_dsn: str) -> None:
    """`?after=0` replays the whole session (EventSource cannot set headers on first open)."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.batch(SID, FILE, 0, 10, [message("u1", "un"), message("u2", "deux")])
            async with (
                httpx.AsyncClient(base_url=url, timeout=10) as client,
                sse(client, f"/api/sessions/{SID}/stream?after=0", full) as stream,
            ):
                got = [await stream.next(), await stream.next()]
    assert [e.data["uuid"] for e in got] == ["u1", "u2"]


async def test_a_stream_that_falls_behind_catches_up_from_postgres(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A burst larger than a stream's queue is delivered whole and in order (re-read by seq)."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    burst = [message(f"m{i}", f"ligne {i}") for i in range(1500)]
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.session(SID, cwd="/srv/orchestrator")
            async with (
                httpx.AsyncClient(base_url=url, timeout=10) as client,
                sse(client, f"/api/sessions/{SID}/stream", full) as stream,
            ):
                await agent.batch(SID, FILE, 0, 150_000, burst)
                got = [await stream.next() for _ in range(len(burst))]
                await agent.batch(SID, FILE, 150_000, 150_010, [message("last", "fin")])
                tail = await stream.next()
    assert [e.data["uuid"] for e in got] == [m.uuid for m in burst]
    assert tail.data["uuid"] == "last"


async def test_unknown_session_stream_is_404(db: psycopg.Connection, pg_dsn: str) -> None:
    """Streaming a session the hub does not know answers 404 with the error envelope."""
    full = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            answer = await client.get(f"/api/sessions/{SID}/stream")
            bad = await client.get(f"/api/sessions/{SID}/stream", headers={"Last-Event-ID": "x"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert bad.status_code == 400


def test_broadcaster_flags_a_full_queue_instead_of_blocking() -> None:
    """Publishing never blocks: a subscriber past its queue size gets one None marker."""
    broadcaster = Broadcaster(queue_size=2)
    events = [StreamEvent(i, "message", {"n": i}) for i in range(1, 5)]
    with broadcaster.subscribe("s") as slow, broadcaster.subscribe("other") as unrelated:
        broadcaster.publish("s", events)
        queued = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        assert queued == [events[0], events[1], None] and slow.lagged
        slow.reset()
        broadcaster.publish("s", [StreamEvent(9, "status", {})])
        assert slow.queue.get_nowait() == StreamEvent(9, "status", {})
        assert unrelated.queue.empty()
    assert broadcaster.subscribers("s") == 0
