"""Hub: the agent socket's limits (frame size, text only, hello first), heartbeats, and the
agent-offline event sent to the webhook only when an agent stays away."""

from __future__ import annotations

import base64
import json

import psycopg
import pytest
import zstandard
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mesh_protocol import (
    MAX_RUN_BYTES,
    ErrorFrame,
    Hello,
    HistoryRun,
    Messages,
    Ping,
    RunLine,
    agent_ws_url,
    dump_frame,
)
from mesh_protocol.runs import pack
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    message,
    recording_webhook,
    running_hub,
    scripted_agent,
)
from tests.support.wait import until

SID = "e7d9a0b1-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
FILE = "-srv-x/e7d9a0b1-2c3d-4e5f-8a9b-0c1d2e3f4a5b.jsonl"


async def test_oversized_frame_closes_with_1009(db: psycopg.Connection, pg_dsn: str) -> None:
    """A frame over MESH_MAX_FRAME_BYTES closes the socket with 1009 and stores nothing."""
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn, max_frame_bytes=64 * 1024)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.batch(SID, FILE, 0, 10, [message("u1", "petit")])
            huge = [message("u2", "é" * 40_000)]  # 80 KB once UTF-8 encoded
            await agent.send(
                Messages(session_id=SID, file=FILE, start_offset=10, end_offset=99, messages=huge)
            )
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    uuids = [r["uuid"] for r in db.execute("SELECT uuid FROM assistant.messages")]
    assert uuids == ["u1"]


async def test_binary_frames_and_missing_hello_are_refused(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A first frame that is not hello, or a hello of another protocol version, closes with
    1008; a second hello is an error; a binary frame closes with 1003."""
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with connect(agent_ws_url(url), additional_headers=auth(agent_token)) as ws:
            await ws.send(dump_frame(Ping(ts=1.0)))
            error = await ws.recv()
            assert '"invalid_frame"' in str(error) and "hello" in str(error)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        async with connect(agent_ws_url(url), additional_headers=auth(agent_token)) as ws:
            await ws.send(dump_frame(Hello(agent="gpu-server", protocol=99)))
            error = await ws.recv()
            assert '"unsupported_protocol"' in str(error)
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        async with scripted_agent(url, agent_token) as agent:
            await agent.send(Hello(agent="gpu-server"))
            assert (await agent.expect(ErrorFrame)).message == "hello was already sent"
            await agent.ws.send(b"\x00\x01")
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


async def test_hub_pings_and_closes_a_silent_agent(db: psycopg.Connection, pg_dsn: str) -> None:
    """The hub pings every MESH_HEARTBEAT_S and closes (1001) an agent silent for longer than
    MESH_AGENT_OFFLINE_AFTER_S, marking it offline."""
    agent_token = issue(pg_dsn, "agent")
    settings = hub_settings(pg_dsn, heartbeat_s=0.2, agent_offline_after_s=1.0)
    with running_hub(settings) as url:
        async with scripted_agent(url, agent_token) as agent:
            frame = await agent.ws.recv(decode=True)
            assert '"type":"ping"' in str(frame)
            with pytest.raises(ConnectionClosed) as closed:
                while True:  # never answer: the hub must give up on us
                    await agent.ws.recv()
        await until(
            lambda: (
                db.execute("SELECT online FROM assistant.agents").fetchone() == {"online": False}
            ),
            what="agent offline",
        )
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


async def test_agent_offline_event_only_when_it_stays_away(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A quick reconnect sends nothing; an agent away longer than MESH_AGENT_OFFLINE_AFTER_S
    is announced once as agent_offline."""
    agent_token = issue(pg_dsn, "agent")
    with recording_webhook() as (hook_url, recorder):
        settings = hub_settings(pg_dsn, events_webhook_url=hook_url, agent_offline_after_s=1.0)
        with running_hub(settings) as url:
            async with scripted_agent(url, agent_token, "pc-maison"):
                pass
            async with scripted_agent(url, agent_token, "pc-maison") as agent:
                await agent.batch(SID, FILE, 0, 10, [message("u1", "revenu")])
                await until(
                    lambda: (
                        db.execute("SELECT online FROM assistant.agents").fetchone()
                        == {"online": True}
                    )
                )
            offline = await until(lambda: recorder.events("agent_offline"), what="agent_offline")
    assert len(offline) == 1 and offline[0]["agent"] == "pc-maison"
    assert offline[0]["agent_id"].startswith("agt_")


async def test_a_second_connection_of_an_agent_replaces_the_first(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """When an agent reconnects before its old socket died, the old one is closed (4000)."""
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token, "gpu-server") as old:
            async with scripted_agent(url, agent_token, "gpu-server") as new:
                with pytest.raises(ConnectionClosed) as closed:
                    await old.recv()
                await new.batch(SID, FILE, 0, 10, [message("u1", "nouveau")])
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
    assert old.welcome is not None and new.welcome is not None
    assert old.welcome.agent_id == new.welcome.agent_id


async def test_batches_sent_back_to_back_are_acked_in_order(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Ten batches sent without waiting are acked in offset order, each ack at the end of a
    batch (those that queued while the hub was busy are committed, and acked, together; acks
    leave once a WAL flush covers their commits), and all ten are stored."""
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, issue(pg_dsn, "agent")) as agent:
            for n in range(10):
                await agent.send_batch(SID, FILE, 10 * n, 10 * n + 10, [message(f"u{n}", "x")])
            offsets = [(await agent.expect_ack()).offset]
            while offsets[-1] < 100:
                offsets.append((await agent.expect_ack()).offset)
    assert offsets == sorted(set(offsets)) and offsets[-1] == 100
    assert all(offset % 10 == 0 for offset in offsets)
    stored = db.execute('SELECT "offset" FROM assistant.mesh_offsets').fetchone()
    assert stored == {"offset": 100}
    assert db.execute("SELECT count(*) AS n FROM assistant.messages").fetchone() == {"n": 10}


def _run(raw: bytes, data: str | None = None, **line: object) -> HistoryRun:
    """A history run of `raw` (its line "u-h" indexed) ending where the tail below starts."""
    fields: dict[str, object] = {"at": 0, "size": len(raw) - 1, "uuid": "u-h", "role": "user"}
    return HistoryRun(
        session_id=SID,
        file=FILE,
        start_offset=1000 - len(raw),
        end_offset=1000,
        data=pack(raw) if data is None else data,
        lines=[RunLine.model_validate(fields | line)],
    )


async def test_bad_history_runs_close_with_1008_and_store_nothing(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A history run that is not zstd, not base64, inflates past the size it says (zip bomb) or
    below it, cuts a line, or indexes a line that is not the message's JSON record gets an
    `invalid_run` error and a 1008 close, and nothing of it is stored; a run over MAX_RUN_BYTES
    is an invalid frame (skipped), one over the frame limit closes with 1009."""
    good = json.dumps({"type": "user", "uuid": "u-h", "message": {"content": "vieux"}}).encode()
    raw = good + b"\n"
    bomb = base64.b64encode(zstandard.ZstdCompressor().compress(b"\n" * 50_000_000)).decode()
    bad = [
        _run(raw, base64.b64encode(b"pas du zstd").decode()),
        _run(raw, "pas du base64 !"),
        _run(raw, bomb),
        _run(raw, pack(raw[:-5])),
        _run(raw, pack(raw[:-1] + b"x")),
        _run(b"not json, names u-h\n", uuid="u-h"),
        _run(raw, size=len(raw) - 3, at=2),
    ]
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn, max_frame_bytes=256 * 1024)) as url:
        async with scripted_agent(url, agent_token) as agent:
            tail = Messages(
                session_id=SID,
                file=FILE,
                start_offset=1000,
                end_offset=1100,
                messages=[message("u-t", "récent")],
                part="tail",
            )
            await agent.send(tail)
            assert (await agent.expect_ack()).offset == 1100
        for run in bad:
            async with scripted_agent(url, agent_token) as agent:
                await agent.send(run)
                error = await agent.expect(ErrorFrame)
                assert error.code == "invalid_run", (run.lines, error)
                with pytest.raises(ConnectionClosed) as closed:
                    await agent.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        async with scripted_agent(url, agent_token) as agent:
            frame = json.loads(dump_frame(_run(raw)))
            frame["start_offset"] = 0
            frame["end_offset"] = MAX_RUN_BYTES + 1
            await agent.ws.send(json.dumps(frame))
            assert (await agent.expect(ErrorFrame)).code == "invalid_frame"
            await agent.send(_run(raw, pack(raw) + "A" * 300_000))
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        async with scripted_agent(url, agent_token) as agent:
            assert agent.welcome is not None
            assert agent.welcome.history == {f"{SID}/{FILE}": 1000}
            await agent.send(_run(raw))  # the sound run is still welcome
            assert (await agent.expect_ack()).offset == 1000 - len(raw)
    uuids = sorted(r["uuid"] for r in db.execute("SELECT uuid FROM assistant.messages"))
    assert uuids == ["u-h", "u-t"]
    assert db.execute("SELECT count(*) AS n FROM assistant.transcript_runs").fetchone() == {"n": 1}
