"""Request and response bodies of the hub's REST API (docs/api.md, "Mesh hub"): sessions,
messages, prompts, permissions, agents. The phone's own resources (pairing, devices, inbox,
catalog, Web Push) have theirs in `models/phone.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

# Tool calls and results look the same on the wire from the agent and in the API to the phone.
from mesh_protocol import ToolResult, ToolUse


class PendingPermission(BaseModel):
    """A tool call waiting for the user's decision."""

    id: str
    tool_name: str
    input: dict[str, Any]
    requested_at: datetime
    source: Literal["sdk", "hook"]
    prompt_id: str | None = None


class SessionOut(BaseModel):
    """A Claude Code session as the phone lists it."""

    id: str
    agent: str
    agent_id: str
    agent_online: bool
    project: str | None
    cwd: str | None
    title: str | None
    git_branch: str | None
    last_msg_at: datetime | None
    status: str
    live: bool
    # The terminal shows a dialog only a person at the keyboard can answer (no hook relays it).
    terminal_waiting: bool = False
    # As Claude Code names it: default (shown as "manual"), acceptEdits, plan, auto, dontAsk,
    # bypassPermissions; None until the transcript or a hook told it.
    permission_mode: str | None = None
    pending_permissions: list[PendingPermission] = Field(default_factory=list)


class MessageOut(BaseModel):
    """A normalised transcript message with its event sequence number and its place."""

    seq: int = Field(description="its event's id in the SSE stream (order of arrival)")
    pos: int = Field(
        description="its place in the session (pages are in this order, `before` is one): "
        "the history of a transcript sent tail first arrives after its tail but sits before it"
    )
    session_id: str
    uuid: str
    parent_uuid: str | None
    role: str
    text: str
    tool_uses: list[ToolUse]
    tool_results: list[ToolResult]
    timestamp: datetime | None
    is_sidechain: bool
    fork: bool = Field(
        default=False,
        description="the conversation branches here: two messages or more continue from this one",
    )


class MessagesPage(BaseModel):
    """A page of messages, oldest first; `next_before` asks for the page before it."""

    messages: list[MessageOut]
    next_before: int | None = Field(
        description="the `before` of the previous page; None when this page reaches the first "
        "message (while a transcript's history is still arriving it stays set, even on an "
        "empty page: ask again later)"
    )


class PromptIn(BaseModel):
    """A prompt to run in a session."""

    text: str = Field(min_length=1, max_length=100_000)
    voice_reply: bool = False
    force: bool = False
    capture_id: str | None = Field(
        default=None, max_length=40, description="the capture it came from (its reply channel)"
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="a retried request with the same key is answered with the same prompt",
    )


class PromptOut(BaseModel):
    """The prompt's id, a duration estimate, and whether it waits (with a French warning)."""

    prompt_id: str
    eta_seconds: int
    queued: bool
    warning: str | None = None


class PromptInfo(BaseModel):
    """A prompt sent to a session from the phone (or a voice note), and how it went."""

    id: str
    text: str
    voice_reply: bool
    force: bool = Field(description="sent although a terminal was working on the session")
    state: Literal["queued", "running", "done", "failed"]
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DenyIn(BaseModel):
    """Why the user denies the tool (shown to Claude)."""

    message: str | None = Field(default=None, max_length=2000)


class DecisionOut(BaseModel):
    """The permission after the decision, and whether the agent got it already."""

    permission_id: str
    state: Literal["approved", "denied"]
    delivered: bool


class AgentOut(BaseModel):
    """A machine running mesh-agent."""

    id: str
    name: str
    hostname: str | None
    version: str | None
    online: bool
    last_seen: datetime | None
    sessions: int
