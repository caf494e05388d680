"""The agent daemon: index + watcher + hub connection + prompt runner + terminal hooks.

Long-lived state (index, permission book, running prompts, liveness) belongs to `Agent`; each
hub connection is a `HubLink` (hub_link.py) that lives until the socket drops. The connection
loop is `async for ws in connect(...)` with `backoff.is_retryable` deciding what is fatal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mesh_agent import __version__
from mesh_agent.backoff import backoff_delays, delays_factory, is_retryable
from mesh_agent.compression import ws_compression
from mesh_agent.config import AgentConfig
from mesh_agent.hub_link import HubLink, NotConnected
from mesh_agent.index import Index
from mesh_agent.live import FreshWrites, claude_processes, live_sessions
from mesh_agent.permissions import PermissionBook
from mesh_agent.relay import serve_relay
from mesh_agent.runner import PromptRunner
from mesh_agent.terminal import Seen
from mesh_agent.terminal_relay import TerminalRelay
from mesh_agent.transcript import SessionMeta
from mesh_agent.watch import watch_transcripts
from mesh_protocol import (
    MAX_HUB_FRAME_BYTES,
    Hello,
    PermissionResolved,
    Prompt,
    PromptStatus,
    SessionInfo,
)

log = logging.getLogger(__name__)


class FatalHubError(Exception):
    """The hub refused this agent for a reason retrying cannot fix (token, URL)."""


class Agent:
    """One machine's agent."""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.index = Index(config.projects_dir)
        self.book = PermissionBook()
        self.fresh = FreshWrites(config.live_window_s)
        self.terminal = TerminalRelay(
            index=self.index,
            book=self.book,
            emit=self.emit,
            touch=self.touch,
            connected=lambda: self.link is not None,
            spawn=self._spawn,
            read_soon=self._read_soon,
            hook_timeout_s=config.hook_timeout_s,
        )
        self.runner = PromptRunner(
            emit=self.emit,
            book=self.book,
            permission_timeout_s=config.permission_timeout_s,
            cli_path=config.claude_cli,
            on_change=self.touch,
        )
        self.link: HubLink | None = None
        self.wake = asyncio.Event()  # transcripts changed
        self.dirty: set[str] = set()  # file keys to read
        self.status_dirty: set[str] = set()  # sessions whose status may have changed
        self.status_wake = asyncio.Event()
        self.outbox: deque[BaseModel] = deque(maxlen=1000)  # statuses kept while offline
        self.running: dict[str, str] = {}  # session → prompt id
        self.proc_live: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._prompts: OrderedDict[str, PromptStatus] = OrderedDict()  # last status by prompt
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
                group.create_task(watch_transcripts(self))
                group.create_task(self._live_loop())
                group.create_task(self._connect_loop())
        except* FatalHubError as errors:
            raise errors.exceptions[0] from None
        finally:
            relay.close()
            for task in list(self._tasks):
                task.cancel()

    async def _connect_loop(self) -> None:
        pause = backoff_delays(self.config.reconnect_initial_s, self.config.reconnect_max_s)
        async for ws in connect(
            self.config.ws_url,
            additional_headers={"Authorization": f"Bearer {self.config.token}"},
            user_agent_header=f"mesh-agent/{__version__}",
            max_size=MAX_HUB_FRAME_BYTES,
            **ws_compression(self.config.ws_url),
            open_timeout=15,
            ping_interval=self.config.heartbeat_s,
            ping_timeout=self.config.heartbeat_s,
            process_exception=_process_exception,
            reconnect_delays=delays_factory(
                self.config.reconnect_initial_s, self.config.reconnect_max_s
            ),
        ):
            started = time.monotonic()
            link = HubLink(self, ws)
            try:
                await link.serve()
            except Exception as exc:  # a dropped socket or a confused hub: reconnect
                log.warning("hub connection ended: %s", _reason(exc))
            finally:
                if self.link is link:
                    self.link = None
            if time.monotonic() - started > 30:
                pause = backoff_delays(self.config.reconnect_initial_s, self.config.reconnect_max_s)
            else:  # the hub accepts then drops us: do not spin
                await asyncio.sleep(next(pause))

    def hello(self) -> Hello:
        """What this agent says about itself first."""
        return Hello(agent=self.config.name, hostname=socket.gethostname(), version=__version__)

    # --- frames out ------------------------------------------------------------------------

    async def emit(self, frame: BaseModel) -> None:
        """Send a frame now, or keep a status for the next connection (requests are in the book)."""
        if isinstance(frame, PromptStatus):
            self._prompts[frame.prompt_id] = frame
            while len(self._prompts) > 500:
                self._prompts.popitem(last=False)
        link = self.link
        try:
            if link is None:
                raise NotConnected
            await link.send(frame)
        except Exception as exc:  # a dropped socket: statuses wait for the next connection
            if isinstance(frame, PromptStatus | PermissionResolved):
                self.outbox.append(frame)
            if not isinstance(exc, NotConnected):
                log.info("frame kept for the next connection: %s", exc)

    def session_frame(self, session_id: str) -> SessionInfo:
        """The current `session` frame of a session: transcript metadata + live status."""
        meta = self.index.sessions.get(session_id) or SessionMeta(session_id)
        live = session_id in self.proc_live or session_id in self.fresh.live(time.monotonic())
        if session_id in self.book.waiting_sessions():
            status = "waiting_permission"
        elif session_id in self.running:
            status = "running"
        elif live:
            status = "live_terminal"
        else:
            status = "idle"
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

    def touch(self, session_id: str) -> None:
        """A session's status may have changed: re-announce it if so."""
        self.status_dirty.add(session_id)
        self.status_wake.set()

    # --- prompts ---------------------------------------------------------------------------

    def start_prompt(self, prompt: Prompt) -> None:
        """Run a prompt from the hub in the background (one at a time per session)."""
        if prompt.prompt_id in self._prompts:  # resent by the hub: repeat where it stands
            self._spawn(self.emit(self._prompts[prompt.prompt_id]))
            return
        self._prompts[prompt.prompt_id] = PromptStatus(prompt_id=prompt.prompt_id, state="queued")
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

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- terminal hooks -------------------------------------------------------------------

    def _read_soon(self, key: str) -> None:
        self.dirty.add(key)
        self.wake.set()

    async def on_seen(self, session_id: str, seen: Iterable[Seen]) -> None:
        """New transcript lines of a session were read (tool uses, results, prompts)."""
        await self.terminal.on_seen(session_id, seen)

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


def _reason(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"


def _process_exception(exc: Exception) -> Exception | None:
    if is_retryable(exc):
        log.warning("cannot reach the hub (%s); retrying", exc)
        return None
    if isinstance(exc, InvalidStatus) and exc.response.status_code in (401, 403):
        return FatalHubError(
            f"the hub refused the agent token (HTTP {exc.response.status_code}): "
            "check that it exists, is not revoked and has the 'agent' scope"
        )
    return FatalHubError(f"cannot connect to the hub: {exc}")
