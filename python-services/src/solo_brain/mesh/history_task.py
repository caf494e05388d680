"""An agent connection's backfilled history, handled on a task of its own (issue 11).

A history run is checked (its zstd bytes decompressed and matched to its index) and committed in
tens of milliseconds under load; handled in the connection's read loop, it made a live batch of
another session that arrived meanwhile wait for it. The read loop (routes/agents_ws.py) hands
each history frame (`history_run`, `messages` of part `history`) to this task instead and goes
on with the frames after it:

- the history frames are handled one at a time, in the order received, so their acks keep the
  order of each file's history (acks of different files and parts may interleave, which the
  agent allows: it counts them per file and part);
- a history frame is handed over only when the read loop reaches it, so every frame received
  before it (its file's tail above all, whose commit records the missing history) is handled;
- the queue is bounded (the agent keeps at most a window of batches in flight): a full queue
  pushes back on the read loop, and a task that ended (its frame ended the connection) never
  leaves the read loop waiting.

The hub's per-session lock still orders a history commit against the same session's live ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from mesh_protocol import HistoryRun, Messages
from solo_brain.mesh.link import AgentLink

log = logging.getLogger(__name__)

Handle = Callable[[object], Awaitable[bool]]  # handle one frame; False: the connection ends


def is_history(frame: object) -> bool:
    """Whether `frame` is backfilled history (handled on the history task)."""
    return isinstance(frame, HistoryRun) or (
        isinstance(frame, Messages) and frame.part == "history"
    )


class HistoryTask:
    """The history frames of one connection, handled in order on their own task."""

    def __init__(self, link: AgentLink, handle: Handle, size: int) -> None:
        self._link = link
        self._handle = handle
        self._queue: asyncio.Queue[object] = asyncio.Queue(size)
        self._task = asyncio.create_task(self._run())

    async def put(self, frame: object) -> bool:
        """Hand `frame` over (waiting while the queue is full); False when the task ended: the
        connection ends."""
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
        except Exception:
            log.exception("agent %s: unexpected error, closing its socket", self._link.name)
            await self._link.close(1011, "hub error")
