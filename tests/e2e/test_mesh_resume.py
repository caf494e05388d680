"""No message lost or duplicated across an agent killed mid-stream and a hub restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mesh_stack import Api, Hub, Machine, SseReader, create_token
from tests.support.transcripts import encoded, transcript_line
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh

SID = "5a1d2c3b-aaaa-4bbb-8ccc-123456789abc"
CWD = "/home/moi/Projets clients/flux continu"
LINES = 400


@pytest.fixture
def hub(pg_dsn: str, tmp_path: Path) -> Iterator[Hub]:
    """The real hub on the test database (this test restarts it)."""
    hub = Hub(pg_dsn, tmp_path)
    hub.start()
    yield hub
    hub.stop()


def _writer(path: Path, done: threading.Event) -> None:
    with open(path, "ab") as handle:
        for n in range(1, LINES):
            handle.write(transcript_line(SID, CWD, n))
            if n % 7 == 0:
                handle.write(b'{"type":"queue-operation","operation":"enqueue"}\n')
            handle.flush()
            time.sleep(0.015)
    done.set()


def test_sse_client_sees_every_message_once_across_agent_kill_and_hub_restart(
    hub: Hub, tmp_path: Path
) -> None:
    """A transcript written while the agent is SIGKILLed and the hub restarted arrives whole."""
    machine = Machine(tmp_path / "m", "gpu-e2e-resume", "http://127.0.0.1:9")
    path = machine.projects / encoded(Path(CWD)) / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(transcript_line(SID, CWD, 0))
    agent_token = create_token(hub.dsn, "agent", "gpu")
    phone_token = create_token(hub.dsn, "full", "phone")
    api = Api(hub.url, phone_token)
    machine.start_agent(hub.url, agent_token)
    wait_for(lambda: api.session(SID), 30, "the session on the hub")
    done = threading.Event()
    writer = threading.Thread(target=_writer, args=(path, done), daemon=True)
    try:
        with SseReader(hub.url, phone_token, SID) as sse:
            writer.start()
            wait_for(lambda: len(sse.messages()) > 40, 30, "messages flowing")
            machine.kill_agent()
            time.sleep(0.5)  # lines written while no agent runs
            machine.start_agent(hub.url, agent_token)
            wait_for(lambda: len(sse.messages()) > 150, 30, "messages after the agent restart")
            hub.stop()
            time.sleep(0.5)  # lines written while the hub is down
            hub.start()
            assert done.wait(60)
            wait_for(lambda: len(sse.messages()) >= LINES, 60, "every message over SSE")
            time.sleep(1.0)  # would a late duplicate arrive?
            uuids = [m["uuid"] for m in sse.messages()]
            assert sse.reconnects >= 1
        expected = [f"{SID[:8]}-{n:06d}" for n in range(LINES)]
        assert sorted(uuids) == sorted(set(uuids)), "a message was delivered twice"
        assert set(uuids) == set(expected) or set(uuids) == set(expected[1:])
        stored = [m["uuid"] for m in api.messages(SID)]
        assert stored == expected
        assert [m["seq"] for m in api.messages(SID)] == sorted(m["seq"] for m in api.messages(SID))
    finally:
        machine.kill_agent()
