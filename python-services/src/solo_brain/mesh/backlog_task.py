"""An agent connection's backlog (a big file's tail, its history), handled on a task of its own.

A history run is checked (its zstd bytes decompressed and matched to its index) and committed,
a big file's tail (a batch of up to ~768 KiB of lines) stored, in tens of milliseconds under
load; handled in the connection's read loop, they made a live batch of another session that
arrived meanwhile wait for them (issue 11). The read loop (routes/agents_ws.py) hands them to
this task instead and goes on with the frames after them:

- a backlog frame (`messages` of part `tail` or `history`, `history_run`) is handed over when
  the read loop reaches it, so every frame received before it is handled (the file's `session`
  frame, and for a history frame its file's tail, whose commit records the missing history);
- so is every later batch or `session` frame of its session while the task still holds one of
  that session's: a session's batches and metadata are handled in the order received, and so
  are their acks (acks of different sessions may interleave, which the agent allows: it counts
  them per file and part). They would wait anyway: the hub commits one session at a time (its
  lock in hub.py), and the agent announces a backfilled session after each of its history runs;
- the queue is bounded (the agent keeps at most a window of batches in flight): a full queue
  pushes back on the read loop, and a task that ended (its frame ended the connection) never
  leaves the read loop waiting.

The hub's per-session lock still orders a backlog commit against the same session's live ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from mesh_protocol import HistoryRun, Messages, SessionInfo
from solo_brain.mesh.link import AgentLink

log = logging.getLogger(__name__)

Handle = Callable[[object], Awaitable[bool]]  # handle one frame; False: the connection ends


def is_backlog(frame: object) -> bool:
    """Whether `frame` is a big file's tail or its backfilled history."""
    return isinstance(frame, HistoryRun) or (isinstance(frame, Messages) and frame.part != "next")


def _session(frame: object) -> str | None:
    if isinstance(frame, Messages | HistoryRun | SessionInfo):
        return frame.session_id
    return None


class BacklogTask:
    """The backlog frames of one connection (and the batches and metadata of their sessions
    that follow them while they wait), handled in order on their own task."""

    def __init__(self, link: AgentLink, handle: Handle, size: int) -> None:
        self._link = link
        self._handle = handle
        self._queue: asyncio.Queue[object] = asyncio.Queue(size)
        self._held: Counter[str] = Counter()  # session → its frames queued or being handled
        self._task = asyncio.create_task(self._run())

    def takes(self, frame: object) -> bool:
        """Whether `frame` goes to this task: a backlog frame, or a batch or `session` frame of
        a session that has one here still (it must not overtake it)."""
        session = _session(frame)
        return is_backlog(frame) or (session is not None and session in self._held)

    async def put(self, frame: object) -> bool:
        """Hand `frame` over (waiting while the queue is full); False when the task ended: the
        connection ends."""
        session = _session(frame)
        if session is not None:
            self._held[session] += 1
        if not self._queue.full():
            self._queue.put_nowait(frame)
            return not self._task.done()
        put = asyncio.ensure_future(self._queue.put(frame))
        await asyncio.wait([put, self._task], return_when=asyncio.FIRST_COMPLETED)
        if put.done():
            return True
        put.cancel()
        return False

    async def finish(self) -> None:
        """Handle every frame handed over, then end the task."""
        if await self.put(None):
            await self._task

    def cancel(self) -> None:
        """Stop at once (a frame being committed is rolled back, and resent by the agent)."""
        self._task.cancel()

    async def _run(self) -> None:
        try:
            while (frame := await self._queue.get()) is not None:
                if not await self._handle(frame):
                    return
                session = _session(frame)
                if session is not None:
                    self._held[session] -= 1
                    if not self._held[session]:
                        del self._held[session]
        except Exception:
            log.exception("agent %s: unexpected error, closing its socket", self._link.name)
            await self._link.close(1011, "hub error")
