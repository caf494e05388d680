"""The hub refuses wrong tokens, wrong scopes, path-traversal ids and oversized frames."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from mesh_protocol import MAX_FRAME_BYTES, agent_ws_url
from tests.support.mesh_stack import Hub, Machine, create_token

pytestmark = pytest.mark.mesh


@pytest.mark.parametrize("scope", [None, "capture"])
def test_agent_with_a_wrong_or_wrong_scope_token_stops_with_a_clear_error(
    hub: Hub, tmp_path: Path, scope: str | None
) -> None:
    """An unknown token or a capture token ends `mesh-agent run` with exit code 3."""
    machine = Machine(tmp_path, "intrus", "http://127.0.0.1:9")
    token = create_token(hub.dsn, scope) if scope else "sbt_" + "x" * 43
    machine.start_agent(hub.url, token)
    try:
        assert machine.proc is not None
        assert machine.proc.wait(30) == 3
    finally:
        machine.kill_agent()
    assert "refused the agent token" in machine.log.read_text()


def test_agent_token_cannot_prompt_or_read_and_capture_token_cannot_read(hub: Hub) -> None:
    """Only full tokens read sessions, prompt or approve."""
    for scope in ("agent", "capture"):
        headers = {"Authorization": f"Bearer {create_token(hub.dsn, scope)}"}
        assert httpx.get(f"{hub.url}/api/sessions", headers=headers).status_code == 403
        prompt = httpx.post(
            f"{hub.url}/api/sessions/abc/prompt", json={"text": "rm -rf"}, headers=headers
        )
        assert prompt.status_code == 403
    assert httpx.get(f"{hub.url}/api/sessions").status_code == 401


@pytest.mark.parametrize(
    "session_id", ["..%2F..%2Fetc%2Fpasswd", "a.b", "x" * 65, "%2e%2e", "abc%00def"]
)
def test_path_traversal_session_ids_are_rejected(hub: Hub, session_id: str) -> None:
    """Session ids outside [A-Za-z0-9-]{1,64} never reach storage."""
    headers = {"Authorization": f"Bearer {create_token(hub.dsn, 'full')}"}
    answer = httpx.get(f"{hub.url}/api/sessions/{session_id}/messages", headers=headers)
    assert answer.status_code in (400, 404, 422)
    assert "error" in answer.json() or "detail" in answer.json()


@contextmanager
def _agent_socket(hub: Hub) -> Iterator[ClientConnection]:
    token = create_token(hub.dsn, "agent", "probe")
    headers = {"Authorization": f"Bearer {token}"}
    with connect(agent_ws_url(hub.url), additional_headers=headers, max_size=None) as ws:
        ws.send(json.dumps({"type": "hello", "agent": "probe", "hostname": "h", "version": "t"}))
        assert json.loads(ws.recv(10))["type"] == "welcome"
        yield ws


def _next_frame(ws: ClientConnection) -> dict[str, object]:
    while True:
        frame = json.loads(ws.recv(10))
        if frame["type"] != "ping":
            return dict(frame)


def test_oversized_frame_closes_the_socket_with_1009(hub: Hub) -> None:
    """A frame over the limit closes the agent's socket with code 1009."""
    with _agent_socket(hub) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.send(json.dumps({"type": "ping", "pad": "x" * (MAX_FRAME_BYTES + 10)}))
        while True:
            ws.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_traversal_session_id_in_a_frame_is_refused(hub: Hub) -> None:
    """An agent frame naming '../..' as session or file is answered with invalid_frame."""
    bad = {
        "type": "messages",
        "session_id": "../../etc",
        "file": "p/x.jsonl",
        "start_offset": 0,
        "end_offset": 1,
        "messages": [],
    }
    with _agent_socket(hub) as ws:
        ws.send(json.dumps(bad))
        answer = _next_frame(ws)
        assert (answer["type"], answer["code"]) == ("error", "invalid_frame")
        ws.send(json.dumps({**bad, "session_id": "ok-1", "file": "../../../etc/passwd"}))
        answer = _next_frame(ws)
        assert (answer["type"], answer["code"]) == ("error", "invalid_frame")


def test_unknown_token_is_refused_at_the_handshake(hub: Hub) -> None:
    """A WebSocket handshake with an unknown token gets HTTP 401 before any frame."""
    with pytest.raises(InvalidStatus) as refused:
        connect(agent_ws_url(hub.url), additional_headers={"Authorization": "Bearer nope"})
    assert refused.value.response.status_code == 401
