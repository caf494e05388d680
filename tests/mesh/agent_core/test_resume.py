"""What the agent resumes on a new connection, driven through its LinkHost side: no socket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mesh_agent.agent import Agent
from mesh_agent.config import AgentConfig
from mesh_agent.core import Ended
from mesh_protocol import (
    Messages,
    PermissionDecision,
    PermissionRequest,
    Prompt,
    PromptStatus,
    SessionInfo,
    Welcome,
    ack_key,
)
from tests.support.transcripts import encoded, transcript_line
from tests.support.wait import until

SID = "5b0f8a3c-2d1e-4f6a-9b8c-7d6e5f4a3b2c"
CWD = "/home/u/projet"


class MemoryLink:
    """Stands for a hub connection: records every frame in the order sent."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.frames: list[BaseModel] = []

    async def send(self, frame: BaseModel) -> None:
        self.frames.append(frame)

    async def announce(self, session_id: str) -> None:
        self.frames.append(self.agent.session_frame(session_id))

    def has_room(self, reserve: int = 0) -> bool:
        return True

    async def wait_room(self, reserve: int = 0) -> None:
        return None

    async def send_batch(self, batch: Messages) -> None:
        self.frames.append(batch)

    def knows(self, session_id: str) -> bool:
        return any(getattr(f, "session_id", None) == session_id for f in self.frames)


def _agent(tmp_path: Path) -> tuple[Agent, Path]:
    config = AgentConfig(
        hub="http://127.0.0.1:9", token="sbt_" + "x" * 40, claude_config_dir=tmp_path / "c"
    )
    path = config.projects_dir / encoded(Path(CWD)) / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(transcript_line(SID, CWD, n) for n in range(4)))
    agent = Agent(config)
    agent.index.discover()
    return agent, path


def _request() -> PermissionRequest:
    fields: dict[str, Any] = {"permission_id": "perm_1", "session_id": SID, "source": "sdk"}
    return PermissionRequest.model_validate({**fields, "tool_name": "Bash", "input": {}})


async def test_a_new_connection_resumes_what_waited_and_only_unacked_bytes(
    tmp_path: Path,
) -> None:
    """Offline, a prompt's status is kept and a permission stays open; on `welcome` the agent
    announces its sessions, resends the open permission and the kept status, then sends only
    the bytes past the hub's ack. The phone's decision then reaches the waiting asker."""
    agent, path = _agent(tmp_path)
    await asyncio.to_thread(agent.index.advance, next(iter(agent.index.files.values())))
    await agent.emit(PromptStatus(prompt_id="p1", state="done", result="fini"))
    asking = asyncio.create_task(agent.book.ask(_request(), 30))
    await until(lambda: agent.book.pending(), what="the permission open")
    key = next(iter(agent.index.files))
    first_two = len(transcript_line(SID, CWD, 0)) + len(transcript_line(SID, CWD, 1))
    link = MemoryLink(agent)
    welcome = Welcome(agent_id="a1", acks={ack_key(SID, key): first_two})
    await agent.connected(link, welcome)  # type: ignore[arg-type]
    assert agent.link is link
    kinds = [type(frame).__name__ for frame in link.frames]
    assert kinds == ["SessionInfo", "PermissionRequest", "PromptStatus"]
    session = link.frames[0]
    assert isinstance(session, SessionInfo) and session.status == "waiting_permission"
    syncing = asyncio.create_task(agent.sync.run(link))  # type: ignore[arg-type]
    try:
        [batch] = await until(lambda: [f for f in link.frames if isinstance(f, Messages)])
        assert batch.start_offset == first_two and batch.end_offset == path.stat().st_size
        assert [m.uuid for m in batch.messages] == [f"{SID[:8]}-{n:06d}" for n in (2, 3)]
    finally:
        syncing.cancel()
        await asyncio.gather(syncing, return_exceptions=True)
    decision = PermissionDecision(permission_id="perm_1", behavior="allow")
    await agent.received(decision)
    asked = await asking
    assert asked.decision == decision and asked.ended is Ended.DECIDED
    agent.disconnected(link)  # type: ignore[arg-type]
    assert agent.link is None


async def test_a_resent_prompt_is_answered_where_it_stands(tmp_path: Path) -> None:
    """The hub resends a prompt it did not see finish: the agent repeats its last status
    instead of running it twice."""
    agent, _ = _agent(tmp_path)
    link = MemoryLink(agent)
    await agent.connected(link, Welcome(agent_id="a1"))  # type: ignore[arg-type]
    await agent.emit(PromptStatus(prompt_id="p7", state="running"))
    link.frames.clear()
    await agent.received(Prompt(prompt_id="p7", session_id=SID, text="encore"))
    sent = await until(lambda: [f for f in link.frames if isinstance(f, PromptStatus)])
    assert sent == [PromptStatus(prompt_id="p7", state="running")]
    assert agent.running == {}
