"""The hub's core: connected agents, what their frames change, and what the phone asks of them.

Writes of one session (its messages, status and permission events) run under a per-session
lock that also covers publishing to the SSE streams, so live events leave in seq order. Frames
to an agent go through its `AgentLink`; when the agent is away, prompts wait in Postgres
(prompt_delivery.py) and decisions are re-sent when the agent re-sends its request.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from mesh_protocol import (
    DENIED_BY_PHONE,
    NO_DECISION_IN_TIME,
    RESOLVED_ANSWERED,
    Ack,
    HistoryRun,
    Messages,
    Part,
    PermissionDecision,
    PermissionRequest,
    PermissionResolved,
    PromptStatus,
    SessionInfo,
    ack_offset,
)
from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace
from solo_brain.errors import database_error
from solo_brain.mesh.broadcast import Broadcaster
from solo_brain.mesh.clients.events import (
    AGENT_OFFLINE,
    PERMISSION_PENDING,
    PROMPT_FINISHED,
    TERMINAL_WAITING,
    EventsWebhook,
)
from solo_brain.mesh.link import AgentLink
from solo_brain.mesh.models import DecisionOut
from solo_brain.mesh.notices import session_label, spoken_reply, tool_summary
from solo_brain.mesh.prompt_delivery import dispatch_held
from solo_brain.mesh.store import (
    Pool,
    agents,
    history,
    history_runs,
    messages,
    permissions,
    prompts,
    sessions,
)
from solo_brain.mesh.store.tokens import TokenInfo
from solo_brain.settings import MeshSettings

log = logging.getLogger(__name__)


class Hub:
    """State shared by the hub's routes: pool, streams, webhook and the agents online."""

    def __init__(
        self,
        settings: MeshSettings,
        pool: Pool,
        webhook: EventsWebhook,
        broadcaster: Broadcaster,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.webhook = webhook
        self.broadcaster = broadcaster
        self.links: dict[str, AgentLink] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)  # by session
        self._agent_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._offline_timers: dict[str, asyncio.Task[None]] = {}

    # --- agents coming and going ------------------------------------------------------------

    async def attach(self, link: AgentLink) -> None:
        """Make `link` the agent's connection, online (an older one is closed)."""
        async with self._agent_locks[link.agent_id]:
            old = self.links.get(link.agent_id)
            self.links[link.agent_id] = link
            timer = self._offline_timers.pop(link.agent_id, None)
            if timer is not None:
                timer.cancel()
            await agents.set_agent_online(self.pool, link.agent_id, True)
        if old is not None and old is not link:
            await old.close(4000, "replaced by a newer connection of the same agent")

    async def detach(self, link: AgentLink) -> None:
        """Forget a closed connection; say the agent is offline if it does not come back."""
        async with self._agent_locks[link.agent_id]:
            if self.links.get(link.agent_id) is not link:
                return  # a newer connection of the agent took over
            del self.links[link.agent_id]
            await agents.set_agent_online(self.pool, link.agent_id, False)
            self._offline_timers[link.agent_id] = asyncio.create_task(self._offline_after(link))

    async def _offline_after(self, link: AgentLink) -> None:
        await asyncio.sleep(self.settings.agent_offline_after_s)
        self._offline_timers.pop(link.agent_id, None)
        if link.agent_id not in self.links:
            log.info("agent %s is offline", link.name)
            self.webhook.emit(AGENT_OFFLINE, agent_id=link.agent_id, agent=link.name)

    async def close(self) -> None:
        """Stop the timers (at shutdown)."""
        for timer in self._offline_timers.values():
            timer.cancel()
        self._offline_timers.clear()

    # --- frames from agents -----------------------------------------------------------------

    async def on_session(self, link: AgentLink, info: SessionInfo) -> None:
        """Store session metadata; a terminal closing releases the prompts waiting for it; a
        terminal starting to wait for a person is announced to the phone."""
        async with self._locks[info.session_id]:
            event, before = await sessions.upsert_session(self.pool, link.agent_id, info)
            if event is not None:
                self.broadcaster.publish(info.session_id, [event])
        if info.terminal_waiting and not (before is not None and before["terminal_waiting"]):
            known_mode = before["permission_mode"] if before is not None else None
            self.webhook.emit(
                TERMINAL_WAITING,
                session_id=info.session_id,
                session_title=info.title,
                session_label=await self._label(info.session_id),
                agent=link.name,
                permission_mode=info.permission_mode or known_mode,
            )
        if before is not None and before["live"] and not info.live:
            await dispatch_held(self, link.agent_id, info.session_id)

    async def on_messages(self, link: AgentLink, batch: Messages) -> None:
        """Commit a batch, publish its new messages, and queue its ack for `send_acks`, which
        sends it once the commit is on disk (OffsetGap propagates)."""
        async with self._locks[batch.session_id]:
            if batch.part == "next":
                events = await messages.store_messages(self.pool, link.agent_id, batch)
                if tracing():
                    trace("hub.committed", [m.uuid for m in batch.messages])
            elif batch.part == "tail":
                events = await history.store_tail(self.pool, link.agent_id, batch)
            else:  # backfilled history: in pages, never an event
                events = []
                await history.store_history(self.pool, link.agent_id, batch)
            self.broadcaster.publish(batch.session_id, events)
        part: Part = "history" if batch.part == "history" else "next"
        link.acks.put_nowait(
            Ack(session_id=batch.session_id, file=batch.file, offset=ack_offset(batch), part=part)
        )

    async def on_history_run(self, link: AgentLink, run: HistoryRun) -> None:
        """Commit a run of backfilled history kept as the transcript's bytes (never an event)
        and queue its ack (BadRun and OffsetGap propagate, nothing stored)."""
        async with self._locks[run.session_id]:
            await history_runs.store_run(self.pool, link.agent_id, run, link.runs_ahead)
        link.acks.put_nowait(
            Ack(session_id=run.session_id, file=run.file, offset=run.start_offset, part="history")
        )

    async def send_acks(self, link: AgentLink) -> None:
        """Send the link's queued acks, in order, once the WAL is on disk past their batches:
        one flush (`agents.seen`) for all that queued meanwhile; until the link closes (1011
        when the flush fails: the agent resumes from the acks it got)."""
        while not link.closed:
            acks = [await link.acks.get()]
            while not link.acks.empty():
                acks.append(link.acks.get_nowait())
            try:
                await agents.seen(self.pool, link.agent_id)
            except Exception as exc:  # the agent reconnects and resends what got no ack
                if database_error(exc) is None:
                    log.exception("agent %s: cannot flush its acks", link.name)
                await link.close(1011, "database unavailable")
                return
            for ack in acks:
                await link.send(ack)

    async def on_prompt_status(self, link: AgentLink, status: PromptStatus) -> None:
        """Record a prompt's progress; a finished prompt is announced to the phone."""
        row = await prompts.update_prompt(self.pool, link.agent_id, status)
        if row is None:
            log.warning("agent %s reported unknown prompt %s", link.name, status.prompt_id)
            return
        if status.state in ("done", "failed"):
            reply = spoken_reply(status.result) if row["voice_reply"] else None
            self.webhook.emit(
                PROMPT_FINISHED,
                prompt_id=row["id"],
                session_id=row["session_id"],
                session_title=row["title"],
                session_label=await self._label(row["session_id"]),
                state=row["state"],
                error=row["error"],
                voice_reply=row["voice_reply"],
                reply_text=reply,
                capture_id=row["capture_id"],
            )

    async def on_permission_request(self, link: AgentLink, request: PermissionRequest) -> None:
        """Show a new permission to the phone; re-send the decision of one already decided."""
        async with self._locks[request.session_id]:
            event, row = await permissions.upsert_permission(self.pool, link.agent_id, request)
            if event is not None:
                self.broadcaster.publish(request.session_id, [event])
        if event is not None:
            self.webhook.emit(
                PERMISSION_PENDING,
                permission_id=row["id"],
                session_id=row["session_id"],
                session_label=await self._label(row["session_id"]),
                tool_name=row["tool_name"],
                tool_summary=tool_summary(row["tool_name"], row["input"]),
                input=row["input"],
                source=row["source"],
            )
        elif row["state"] != "pending":
            await link.send(_decision(row))

    async def _label(self, session_id: str) -> str:
        found = await sessions.list_sessions(self.pool, session_id)
        return session_label(found[0] if found else None, session_id)

    async def on_permission_resolved(self, link: AgentLink, resolved: PermissionResolved) -> None:
        """Drop a permission the agent settled itself from the pending list: answered in the
        terminal, or expired (a phone decision that came too late is overridden)."""
        owner = await permissions.permission_owner(self.pool, resolved.permission_id)
        if owner is None or owner["agent_id"] != link.agent_id:
            return
        if resolved.reason != RESOLVED_ANSWERED:
            await self._expire(owner["session_id"], resolved.permission_id, resolved.reason or "")
            return
        session_id = owner["session_id"]
        async with self._locks[session_id]:
            event = await permissions.end_permission(
                self.pool,
                session_id,
                resolved.permission_id,
                state="answered_in_terminal",
                message=None,
                terminal_decision=resolved.behavior,
            )
            if event is not None:
                self.broadcaster.publish(session_id, [event])

    async def _expire(self, session_id: str, permission_id: str, reason: str) -> bool:
        async with self._locks[session_id]:
            event = await permissions.expire_permission(
                self.pool, session_id, permission_id, reason
            )
            if event is not None:
                self.broadcaster.publish(session_id, [event])
        return event is not None

    async def expire_stale_permissions(self) -> int:
        """Deny (to the agent) and expire permissions nobody decided in time; return how many."""
        count = 0
        stale = await permissions.stale_permissions(self.pool, self.settings.permission_timeout_s)
        for row in stale:
            if await self._expire(row["session_id"], row["id"], "timeout"):
                count += 1
                link = self.links.get(row["agent_id"])
                if link is not None:
                    decision = PermissionDecision(
                        permission_id=row["id"], behavior="deny", message=NO_DECISION_IN_TIME
                    )
                    await link.send(decision)
        return count

    # --- what the phone asks (its prompts: prompt_delivery.py) ---------------------------------

    async def decide(
        self,
        session_id: str,
        permission_id: str,
        *,
        approve: bool,
        message: str | None,
        token: TokenInfo,
    ) -> DecisionOut:
        """Approve or deny a pending permission and tell the agent waiting for it."""
        if not approve:
            message = message or DENIED_BY_PHONE
        async with self._locks[session_id]:
            event, row = await permissions.decide_permission(
                self.pool,
                session_id,
                permission_id,
                approve=approve,
                message=message,
                actor=token.actor,
            )
            self.broadcaster.publish(session_id, [event])
        link = self.links.get(row["agent_id"])
        delivered = link is not None and await link.send(_decision(row))
        return DecisionOut(permission_id=permission_id, state=row["state"], delivered=delivered)


def _decision(row: dict[str, Any]) -> PermissionDecision:
    allow = row["state"] == "approved"
    return PermissionDecision(
        permission_id=row["id"],
        behavior="allow" if allow else "deny",
        message=None if allow else (row["message"] or NO_DECISION_IN_TIME),
    )
