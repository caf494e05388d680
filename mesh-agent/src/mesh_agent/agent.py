"""The agent daemon: index + watcher + hub connection + prompt runner + terminal hooks.

Long-lived state (index, permission book, running prompts, liveness, the outbox) belongs to
`Agent`, which is the `LinkHost` of each hub connection: a `HubLink` (hub_link.py) that lives
until the socket drops. The decisions are in the pure cores (core.py, terminal.py); this module
wires the adapters: the connection loop (hub_link.connect_forever), the file watcher feeding the
agent's queue (sync.py), the hook relay (relay.py, terminal_relay.py), the prompt runner.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Iterable
from pathlib import Path

from pydantic import BaseModel

from mesh_agent import __version__
from mesh_agent.config import AgentConfig
from mesh_agent.core import Outbox, session_status
from mesh_agent.hub_link import FatalHubError, HubLink, NotConnected, connect_forever
from mesh_agent.index import Index
from mesh_agent.live import FreshWrites, claude_processes, live_sessions
from mesh_agent.permissions import PermissionBook
from mesh_agent.relay import close_relay, serve_relay
from mesh_agent.runner import PromptRunner
from mesh_agent.sync import TranscriptSync
from mesh_agent.terminal import Seen
from mesh_agent.terminal_relay import TerminalRelay
from mesh_agent.transcript import SessionMeta
from mesh_agent.watch import watch_transcripts
from mesh_protocol import (
    Ack,
    Hello,
    PermissionDecision,
    Prompt,
    PromptStatus,
    SessionInfo,
    Welcome,
)

log = logging.getLogger(__name__)

__all__ = ["Agent", "FatalHubError"]


class Agent:
    """One machine's agent."""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.index = Index(config.projects_dir)
        self.fresh = FreshWrites(config.live_window_s)
        self.outbox = Outbox()
        self.book = PermissionBook(emit=self.emit, on_change=self.touch, spawn=self._spawn)
        self.sync = TranscriptSync(self.index, rescan_s=config.rescan_s, on_seen=self.on_seen)
        self.terminal = TerminalRelay(
            index=self.index,
            book=self.book,
            touch=self.touch,
            connected=lambda: self.link is not None,
            read_soon=lambda key: self.sync.changed([key]),
            hook_timeout_s=config.hook_timeout_s,
        )
        self.runner = PromptRunner(
            emit=self.emit,
            book=self.book,
            permission_timeout_s=config.permission_timeout_s,
            cli_path=config.claude_cli,
        )
        self.link: HubLink | None = None  # from `connected` to `disconnected`
        self.status_dirty: set[str] = set()  # sessions whose status may have changed
        self.status_wake = asyncio.Event()
        self.running: dict[str, str] = {}  # session → prompt id
        self.proc_live: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled, or until the hub refuses the token (FatalHubError)."""
        await asyncio.to_thread(self.config.projects_dir.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(self.index.discover)
        relay = await serve_relay(self.config.socket_path, self.terminal.decide)
        log.info(
            "mesh-agent %s: %d transcripts under %s, relay on %s",
            __version__,
            len(self.index.files),
            self.config.projects_dir,
            self.config.socket_path,
        )
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(watch_transcripts(self.config.projects_dir, self.files_changed))
                group.create_task(self._live_loop())
                group.create_task(connect_forever(self.config, self))
        except* FatalHubError as errors:
            raise errors.exceptions[0] from None
        finally:
            close_relay(relay, self.config.socket_path)
            for task in list(self._tasks):
                task.cancel()

    # --- the LinkHost side of a hub connection ---------------------------------------------

    def hello(self) -> Hello:
        """What this agent says about itself first."""
        return Hello(agent=self.config.name, hostname=socket.gethostname(), version=__version__)

    async def connected(self, link: HubLink, welcome: Welcome) -> None:
        """Resume from the hub's acks: announce sessions, resend open permissions and kept
        statuses, and queue every file (only bytes past the acks are sent)."""
        await asyncio.to_thread(
            self.index.resume, welcome.acks, welcome.history, welcome.history_runs
        )
        self.link = link
        for session_id, meta in list(self.index.sessions.items()):
            if meta.cwd or meta.title:
                await link.announce(session_id)
        for request in self.book.pending():
            await link.send(request)
        while (frame := self.outbox.next_kept()) is not None:
            try:
                await link.send(frame)
            except Exception:
                self.outbox.put_back(frame)
                raise
        self.sync.changed(self.index.files)

    def disconnected(self, link: HubLink) -> None:
        """The connection ended: frames wait in the outbox and the book until the next one."""
        if self.link is link:
            self.link = None

    async def serve(self, link: HubLink) -> None:
        """While connected: send the transcripts, and every session whose status changed."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.sync.run(link))
            group.create_task(self._announce_changes(link))

    async def received(self, frame: Ack | Prompt | PermissionDecision) -> None:
        """An ack, a prompt or a permission decision from the hub."""
        if isinstance(frame, Ack):
            self.index.ack(frame.file, frame.offset, history=frame.part == "history")
        elif isinstance(frame, Prompt):
            self.start_prompt(frame)
        elif not self.book.decide(frame):
            log.info("decision for %s arrived after it closed", frame.permission_id)

    def session_frame(self, session_id: str) -> SessionInfo:
        """The current `session` frame of a session: transcript metadata + live status."""
        meta = self.index.sessions.get(session_id) or SessionMeta(session_id)
        live = session_id in self.proc_live or session_id in self.fresh.live(time.monotonic())
        status = session_status(
            waiting_permission=session_id in self.book.waiting_sessions(),
            running=session_id in self.running,
            live=live,
        )
        return SessionInfo.model_validate(
            {
                "session_id": session_id,
                "cwd": meta.cwd,
                "project": meta.project,
                "title": meta.title,
                "git_branch": meta.git_branch,
                "status": status,
                "last_msg_at": meta.last_msg_at,
                "live": live,
                "terminal_waiting": self.terminal.waiting(session_id),
                "permission_mode": meta.permission_mode,
            }
        )

    async def _announce_changes(self, link: HubLink) -> None:
        while True:
            await self.status_wake.wait()
            self.status_wake.clear()
            sessions = sorted(self.status_dirty)
            self.status_dirty.clear()
            for session_id in sessions:
                await link.announce(session_id)

    # --- frames out ------------------------------------------------------------------------

    async def emit(self, frame: BaseModel) -> None:
        """Send a frame now, or keep a status for the next connection (requests are in the book)."""
        self.outbox.outgoing(frame)
        link = self.link
        try:
            if link is None:
                raise NotConnected
            await link.send(frame)
        except Exception as exc:  # a dropped socket: statuses wait for the next connection
            kept = self.outbox.undelivered(frame)
            if kept and not isinstance(exc, NotConnected):
                log.info("frame kept for the next connection: %s", exc)

    def touch(self, session_id: str) -> None:
        """A session's status may have changed: re-announce it if so."""
        self.status_dirty.add(session_id)
        self.status_wake.set()

    def files_changed(self, paths: Iterable[Path]) -> None:
        """The watcher saw these transcripts change: queue them, note who may have written.
        The sync loop is woken first, so the new lines leave before any status they change."""
        now = time.monotonic()
        cursors = [cursor for path in paths if (cursor := self.index.track(path)) is not None]
        self.sync.changed(cursor.ref.key for cursor in cursors)
        for cursor in cursors:
            self.fresh.written(cursor.ref.session_id, now)
            self.touch(cursor.ref.session_id)

    async def on_seen(self, session_id: str, seen: Iterable[Seen]) -> None:
        """New transcript lines of a session were read (tool uses, results, prompts)."""
        await self.terminal.on_seen(session_id, seen)

    # --- prompts ---------------------------------------------------------------------------

    def start_prompt(self, prompt: Prompt) -> None:
        """Run a prompt from the hub in the background (one at a time per session)."""
        known = self.outbox.status_of(prompt.prompt_id)
        if known is not None:  # resent by the hub: repeat where it stands
            self._spawn(self.emit(known))
            return
        self.outbox.outgoing(PromptStatus(prompt_id=prompt.prompt_id, state="queued"))
        self._spawn(self._run_prompt(prompt))

    async def _run_prompt(self, prompt: Prompt) -> None:
        meta = self.index.sessions.get(prompt.session_id)
        if meta is None or not meta.cwd:
            error = "Session inconnue sur cette machine."
            await self.emit(PromptStatus(prompt_id=prompt.prompt_id, state="failed", error=error))
            return
        lock = self._locks.setdefault(prompt.session_id, asyncio.Lock())
        if lock.locked():
            await self.emit(PromptStatus(prompt_id=prompt.prompt_id, state="queued"))
        async with lock:
            self.running[prompt.session_id] = prompt.prompt_id
            self.fresh.start_own(prompt.session_id)
            self.touch(prompt.session_id)
            try:
                await self.runner.run(prompt, meta.cwd)
            finally:
                del self.running[prompt.session_id]
                self.fresh.stop_own(prompt.session_id, time.monotonic())
                self.touch(prompt.session_id)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.get_running_loop().create_task(_awaited(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- liveness --------------------------------------------------------------------------

    async def _live_loop(self) -> None:
        fresh_before: set[str] = set()
        while True:
            processes = await asyncio.to_thread(claude_processes, os.getpid())
            latest = await asyncio.to_thread(self._latest_by_cwd, {p.cwd for p in processes})
            live = live_sessions(processes, latest, set(self.index.sessions))
            for session_id in live ^ self.proc_live:
                self.touch(session_id)
            for session_id in self.proc_live - live:  # its CLI exited: nobody writes it now
                self.fresh.writer_gone(session_id, time.monotonic())
                self.terminal.ended(session_id)
            self.proc_live = live
            fresh = self.fresh.live(time.monotonic())
            for session_id in fresh ^ fresh_before:  # fresh writes expire without any event
                self.touch(session_id)
            fresh_before = fresh
            await asyncio.sleep(self.config.live_poll_s)

    def _latest_by_cwd(self, cwds: set[str]) -> dict[str, str]:
        best: dict[str, tuple[float, str]] = {}
        for cursor in list(self.index.files.values()):
            meta = self.index.sessions.get(cursor.ref.session_id)
            if not cursor.ref.main or meta is None or meta.cwd not in cwds:
                continue
            try:
                mtime = cursor.ref.path.stat().st_mtime
            except OSError:
                continue
            if meta.cwd not in best or mtime > best[meta.cwd][0]:
                best[meta.cwd] = (mtime, cursor.ref.session_id)
        return {cwd: session for cwd, (_, session) in best.items()}


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable
