"""Hub: agent frames carrying text Postgres refuses (a NUL character) get a clear error frame
and close code, never an unhandled database error and a dropped socket (1006)."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mesh_protocol import ErrorFrame, Hello, SessionInfo, agent_ws_url, dump_frame, parse_hub_frame
from tests.mesh.hub_harness import auth, hub_settings, issue, message, running_hub, scripted_agent

SID = "0b9d1c2e-3f4a-4b5c-8d6e-7f8091a2b3c4"
FILE = "-srv-nul/0b9d1c2e-3f4a-4b5c-8d6e-7f8091a2b3c4.jsonl"


@pytest.mark.parametrize(
    "hello",
    [
        Hello(agent="gpu\x00server"),
        Hello(agent="gpu-server", hostname="gpu\x00.lan"),
        Hello(agent="gpu-server", version="1.0\x00"),
    ],
    ids=["agent", "hostname", "version"],
)
async def test_hello_with_a_nul_character_is_refused_with_1008(
    db: psycopg.Connection, pg_dsn: str, hello: Hello
) -> None:
    """A hello whose name, hostname or version holds NUL gets an invalid_frame error, then a
    1008 close frame (not 1006), and no agent is stored."""
    token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with connect(agent_ws_url(url), additional_headers=auth(token)) as ws:
            await ws.send(dump_frame(hello))
            error = parse_hub_frame(await ws.recv())
            assert isinstance(error, ErrorFrame) and error.code == "invalid_frame", error
            assert "NUL" in error.message
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert db.execute("SELECT count(*) AS n FROM assistant.agents").fetchone()["n"] == 0


async def test_later_frames_with_nul_are_refused_or_cleaned_and_the_socket_lives(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A session frame with NUL in its title gets invalid_frame and is skipped; a messages batch
    with NUL in its text is stored with U+FFFD and acked; the socket stays open."""
    token = issue(pg_dsn, "agent")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, token) as agent:
            await agent.send(SessionInfo(session_id=SID, title="titre\x00piégé"))
            error = await agent.expect(ErrorFrame)
            assert error.code == "invalid_frame" and "NUL" in error.message
            await agent.batch(SID, FILE, 0, 40, [message("u1", "avant\x00après")])
            await agent.session(SID, title="titre propre")
    texts = [r["text"] for r in db.execute("SELECT text FROM assistant.messages")]
    assert texts == ["avant\ufffdaprès"]
    titles = [r["title"] for r in db.execute("SELECT title FROM assistant.sessions")]
    assert titles == ["titre propre"]


def test_http_bodies_with_nul_are_a_400_and_store_nothing(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A client or project whose text holds NUL (or an unpaired surrogate) is refused with
    400 invalid_request, not a 500, and nothing is stored."""
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url, httpx.Client(base_url=url) as http:
        for body in (
            b'{"id": "acme", "name": "Acme\\u0000"}',
            b'{"id": "acme", "name": "Acme \\ud800"}',
        ):
            answer = http.post(
                "/api/clients",
                content=body,
                headers=auth(token) | {"Content-Type": "application/json"},
            )
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"]["code"] == "invalid_request"
    assert db.execute("SELECT count(*) AS n FROM assistant.clients").fetchone()["n"] == 0
