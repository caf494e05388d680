"""Hub: history runs as binary messages (mesh_protocol.runs): taken in order among text frames
and acked like text runs; a bad one refused (`invalid_run`, 1008) with nothing stored; any other
binary message closes with 1003, an oversized one with 1009."""

from __future__ import annotations

import json
import struct

import psycopg
import pytest
import zstandard
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from mesh_agent.compression import TextDeflate, ws_compression
from mesh_protocol import (
    ErrorFrame,
    Hello,
    HistoryRun,
    Messages,
    Ping,
    RunLine,
    Welcome,
    agent_ws_url,
)
from mesh_protocol.runs import MAGIC, BadRun, compress, decompress, dump_binary
from tests.mesh.hub_harness import (
    ScriptedAgent,
    auth,
    hub_settings,
    issue,
    message,
    running_hub,
    scripted_agent,
)

SID = "b1a20000-0000-4000-8000-0000000b1a21"
FILE = f"-srv-x/{SID}.jsonl"


def _lines(first: int, count: int) -> bytes:
    """`count` transcript lines (uuids h-first...), each a user message of 100 bytes or more."""
    return b"".join(
        json.dumps({"type": "user", "uuid": f"h-{n}", "message": {"content": "x" * 80}}).encode()
        + b"\n"
        for n in range(first, first + count)
    )


def _run(raw: bytes, end: int, first: int) -> HistoryRun:
    """The run of `raw` ending at `end`, its lines (uuids h-first...) indexed."""
    lines, at = [], 0
    for n, line in enumerate(raw.splitlines(), first):
        lines.append(RunLine(at=at, size=len(line), uuid=f"h-{n}", role="user"))
        at += len(line) + 1
    run = HistoryRun(session_id=SID, file=FILE, start_offset=end - len(raw), end_offset=end)
    return run.model_copy(update={"lines": lines}).with_blob(compress(raw))


def _message(header: bytes, blob: bytes) -> bytes:
    return MAGIC + struct.pack(">I", len(header)) + header + blob


async def _tail(agent: ScriptedAgent, start: int) -> None:
    """A tail at `start`: the hub then waits for the history [0, start)."""
    tail = Messages(
        session_id=SID,
        file=FILE,
        start_offset=start,
        end_offset=start + 100,
        messages=[message("u-t", "récent")],
        part="tail",
    )
    await agent.send(tail)
    assert (await agent.expect_ack()).offset == start + 100


async def test_binary_runs_are_acked_in_order_among_text_frames(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Binary runs, a text run and a live batch sent back to back: the welcome says the hub
    takes binary runs, each run is acked at its start in order, the live batch at its end, and
    every line of the runs is stored as a message of its run."""
    pieces = [_lines(0, 10), _lines(10, 10), _lines(20, 10)]
    raw = b"".join(pieces)
    cuts = [len(pieces[0]), len(pieces[0]) + len(pieces[1]), len(raw)]
    runs = [
        _run(piece, end, 10 * n) for n, (piece, end) in enumerate(zip(pieces, cuts, strict=True))
    ]
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, issue(pg_dsn, "agent")) as agent:
            assert agent.welcome is not None and agent.welcome.binary_runs
            await _tail(agent, len(raw))
            await agent.ws.send(dump_binary(runs[2]))
            await agent.ws.send(dump_binary(runs[1]))
            live = [message("u-live", "nouveau")]
            await agent.send_batch(SID, FILE, len(raw) + 100, len(raw) + 200, live)
            await agent.send(runs[0])  # as a text frame (its zstd frame in base64), as before
            acks = [await agent.expect_ack() for _ in range(4)]
    history = [a.offset for a in acks if a.part == "history"]
    assert history == [cuts[1], cuts[0], 0]
    assert [a.offset for a in acks if a.part == "next"] == [len(raw) + 200]
    rows = db.execute(
        "SELECT count(*) AS n, count(DISTINCT run_id) AS runs FROM assistant.messages "
        "WHERE uuid LIKE 'h-%' AND run_id IS NOT NULL"
    ).fetchone()
    assert rows == {"n": 30, "runs": 3}


async def test_bad_binary_runs_close_with_1008_and_store_nothing(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A binary run cut in its header, whose header is no history_run (or carries data), whose
    zstd frame is missing, not zstd, inflates past its size (zip bomb, with or without the size
    in its header), holds fewer bytes, has bytes after it, or whose index cuts a line gets
    `invalid_run` and a 1008 close; nothing of it is stored and a sound one is still taken."""
    raw = _lines(0, 1)
    good = _run(raw, 1000, 0)
    header = good.model_dump_json(exclude={"data"}).encode()
    blob = compress(raw)
    bomb = b"\n" * 50_000_000
    unsized = zstandard.ZstdCompressor(level=1, write_content_size=False)
    cut = good.model_copy(
        update={"lines": [RunLine(at=2, size=len(raw) - 3, uuid="h-0", role="user")]}
    )
    with_data = json.loads(header) | {"data": "QUJD"}
    bad = [
        MAGIC + b"\x00\x00",
        MAGIC + struct.pack(">I", 10_000) + header,
        _message(header, b""),
        _message(b"pas du json", blob),
        _message(Ping(ts=1.0).model_dump_json().encode(), blob),
        _message(json.dumps(with_data).encode(), blob),
        _message(header, b"pas du zstd"),
        _message(header, compress(bomb)),
        _message(header, unsized.compress(bomb)),
        _message(header, compress(raw[:-5])),
        _message(header, blob + b"junk"),
        _message(cut.model_dump_json(exclude={"data"}).encode(), blob),
    ]
    agent_token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn, max_frame_bytes=256 * 1024)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await _tail(agent, 1000)
        for n, binary in enumerate(bad):
            async with scripted_agent(url, agent_token) as agent:
                await agent.ws.send(binary)
                error = await agent.expect(ErrorFrame)
                assert error.code == "invalid_run", (n, error)
                with pytest.raises(ConnectionClosed) as closed:
                    await agent.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        async with scripted_agent(url, agent_token) as agent:
            await agent.ws.send(_message(header, blob + b"\x00" * 300_000))
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        async with scripted_agent(url, agent_token) as agent:
            await agent.ws.send(b"\x28\xb5\x2f\xfd" + blob)
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
            assert "history run" in closed.value.rcvd.reason
        async with connect(agent_ws_url(url), additional_headers=auth(agent_token)) as ws:
            await ws.send(dump_binary(good))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
        async with scripted_agent(url, agent_token) as agent:
            await agent.ws.send(dump_binary(good))
            assert (await agent.expect_ack()).offset == 1000 - len(raw)
    uuids = sorted(r["uuid"] for r in db.execute("SELECT uuid FROM assistant.messages"))
    assert uuids == ["h-0", "u-t"]
    assert db.execute("SELECT count(*) AS n FROM assistant.transcript_runs").fetchone() == {"n": 1}


def test_a_zstd_frame_without_its_size_is_read_to_at_most_the_run_size() -> None:
    """A zstd frame whose header declares no content size (a streaming compressor's) is read as
    a stream: the run's bytes when it holds them, refused one byte past the run's size."""
    raw = _lines(0, 20)
    unsized = zstandard.ZstdCompressor(level=1, write_content_size=False)
    assert zstandard.frame_content_size(unsized.compress(raw)) == -1
    assert decompress(unsized.compress(raw), len(raw)) == raw
    with pytest.raises(BadRun, match="or more"):
        decompress(unsized.compress(raw + b"x"), len(raw))
    with pytest.raises(BadRun, match=f"not {len(raw)}"):
        decompress(compress(raw + b"x"), len(raw))


async def test_a_far_agents_deflate_session_takes_binary_runs_as_they_are(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """With the deflate an agent offers a hub across the internet, the hub takes a text tail
    deflated and a binary run sent as it is (RSV1 unset), and acks both."""
    raw = _lines(0, 40)
    far = ws_compression("wss://hub.example.com/api/agents/ws")
    token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with connect(agent_ws_url(url), additional_headers=auth(token), **far) as ws:
            [deflate] = ws.protocol.extensions
            assert isinstance(deflate, TextDeflate)
            sent: list[tuple[Opcode, bool]] = []
            encode = deflate.encode

            def record(frame: Frame) -> Frame:
                out = encode(frame)
                sent.append((out.opcode, out.rsv1))
                return out

            deflate.encode = record  # type: ignore[method-assign]
            agent = ScriptedAgent(ws)
            await agent.send(Hello(agent="loin", hostname="loin.example.com", version="test"))
            await agent.expect(Welcome)
            await _tail(agent, len(raw))
            await ws.send(dump_binary(_run(raw, len(raw), 0)))
            assert (await agent.expect_ack()).offset == 0
    assert (Opcode.TEXT, True) in sent and (Opcode.BINARY, False) in sent
    assert not any(opcode is Opcode.BINARY and rsv1 for opcode, rsv1 in sent)
