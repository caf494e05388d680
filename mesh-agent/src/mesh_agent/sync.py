"""The agent's queue of transcript files to read, and the loop that sends them to the hub.

The file watcher (watch.py), the hook relay and each new connection put file keys in the
queue (`changed`); while a hub connection lives, `run` reads the queued files one slice at a
time, changed files first, backlogs in turn (core.ReadQueue), and sends each slice's batch
through the link (at most WINDOW un-acked, a backlog leaving LIVE_RESERVE of them free). What
the new lines say about tool uses and prompts goes to `on_seen` (the terminal relay). A
periodic rescan is the safety net for missed file events.

A backlog's slice (a big file's next slice, a history run: tens of ms under load) is read on a
task of its own, one at a time, while the loop goes on with the files that change: a live line
never waits for another file's backlog (the index locks each file apart, index.py). A changed
file whose next read is a backlog's (only history left, or more than LIVE_BYTES new: a file
copied in) joins the backlogs. A file is never read by two steps at once: one that changes
while its backlog slice is read is read again after it.

Files are read on two dedicated threads, one for changed files and one for backlogs: their
buffers of a few MiB then come and go in a few malloc arenas instead of in those of whichever
pool threads ran a read. Its effect on RSS was not measured apart from the lazy import of
runner.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from mesh_agent.core import LIVE_RESERVE, ReadQueue
from mesh_agent.index import Index
from mesh_agent.terminal import Seen
from mesh_protocol import HistoryRun, Messages

OnSeen = Callable[[str, Iterable[Seen]], Awaitable[None]]


class BatchLink(Protocol):
    """What the sync loop needs from a hub connection."""

    def has_room(self, reserve: int = 0) -> bool:
        """Whether one more batch may be sent now, leaving `reserve` slots of the window."""
        ...

    async def wait_room(self, reserve: int = 0) -> None:
        """Wait until one more batch may be sent, leaving `reserve` slots of the window."""
        ...

    async def send_batch(self, batch: Messages | HistoryRun) -> None:
        """Send one batch of transcript messages (or run of history)."""
        ...

    async def announce(self, session_id: str) -> None:
        """Send the session's `session` frame if it changed."""
        ...

    def knows(self, session_id: str) -> bool:
        """Whether the hub was told about the session on this connection."""
        ...


class TranscriptSync:
    """Files with bytes the hub may not have, read and sent while connected."""

    def __init__(self, index: Index, *, rescan_s: float, on_seen: OnSeen) -> None:
        self.index = index
        self.rescan_s = rescan_s
        self._on_seen = on_seen
        self._queue = ReadQueue()
        self._wake = asyncio.Event()
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="transcripts")
        self._backlog_reader = ThreadPoolExecutor(1, thread_name_prefix="backlog")
        self._backlog: tuple[str, asyncio.Task[bool]] | None = None  # the slice being read
        self._again = False  # the file of that slice changed meanwhile

    def changed(self, keys: Iterable[str]) -> None:
        """These files (keys) changed or appeared: read them soon, before any backlog."""
        self._queue.changed(keys)
        self._wake.set()

    async def run(self, link: BatchLink) -> None:
        """Read and send queued files until cancelled (the connection ended): changed files
        first, then the backlogs one slice per turn (core.ReadQueue), each on its own task
        while changed files are read."""
        try:
            while True:
                self._wake.clear()
                self._reap()
                while (key := self._queue.take_changed()) is not None:
                    if self._backlog is not None and self._backlog[0] == key:
                        self._again = True  # read once its backlog slice is done
                    elif self._in_turn(key) or await self._step(link, key, self._reader):
                        self._queue.more(key)
                if self._backlog is None and link.has_room(LIVE_RESERVE):
                    if (key := self._queue.take_backlog()) is not None:
                        self._start(link, key)
                        continue
                if self._backlog is not None:  # until it is done, or a file changes
                    await self._wake.wait()
                    continue
                if self._queue.backlogged():  # until an ack makes room, or a file changes
                    await _first(self._wake.wait(), link.wait_room(LIVE_RESERVE))
                    continue
                await self._idle()
        finally:
            if self._backlog is not None:  # its batch is dropped; the next connection resumes
                self._backlog[1].cancel()
                self._backlog = None

    def _in_turn(self, key: str) -> bool:
        """Whether a changed file is a backlog to read in turn (Index.in_turn)."""
        cursor = self.index.files.get(key)
        return cursor is not None and self.index.in_turn(cursor)

    def _start(self, link: BatchLink, key: str) -> None:
        """Read a slice of the backlog `key` on a task of its own (the loop is woken when done)."""
        task = asyncio.create_task(self._step(link, key, self._backlog_reader))
        task.add_done_callback(lambda _: self._wake.set())
        self._backlog = (key, task)
        self._again = False

    def _reap(self) -> None:
        """A backlog slice read and sent: its file's turn comes again (first when it changed
        meanwhile); the step's error, if it failed, ends the loop (the connection)."""
        if self._backlog is None or not self._backlog[1].done():
            return
        key, task = self._backlog
        self._backlog = None
        more = task.result()
        if self._again:
            self._queue.changed([key])
        elif more:
            self._queue.more(key)

    async def _idle(self) -> None:
        """Wait for a change; after `rescan_s` without one, rescan the files."""
        try:  # asyncio.timeout, not wait_for: no task in between, the wake-up is at once
            async with asyncio.timeout(self.rescan_s):
                await self._wake.wait()
        except TimeoutError:  # a safety net for missed file events
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._reader, self.index.discover)
            behind = await loop.run_in_executor(self._reader, self.index.behind)
            self._queue.changed(cursor.ref.key for cursor in behind)

    async def _step(self, link: BatchLink, key: str, reader: ThreadPoolExecutor) -> bool:
        """Advance one file by one slice (read on `reader` unless a few bytes); True when it
        may have more to read."""
        cursor = self.index.files.get(key)
        if cursor is None:
            return False
        await link.wait_room()
        before = cursor.progress()
        step = self.index.advance_small(cursor)  # a live line: no thread hop
        if step is None:
            loop = asyncio.get_running_loop()
            step = await loop.run_in_executor(reader, self.index.advance, cursor)
        # A session the hub knows gets the new lines first and its metadata (last_msg_at, ...)
        # after: the hub handles frames in order, and the phone waits for the lines.
        known = link.knows(cursor.ref.session_id)
        if step.meta_changed and not known:
            await link.announce(cursor.ref.session_id)
        if step.batch is not None:
            await link.send_batch(step.batch)
        if step.meta_changed and known:
            await link.announce(cursor.ref.session_id)
        if step.seen:
            await self._on_seen(cursor.ref.session_id, step.seen)
        return cursor.progress() != before


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until one of `waits` is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
