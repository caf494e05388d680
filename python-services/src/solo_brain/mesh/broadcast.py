"""In-process fan-out of committed session events to the SSE streams watching them.

The hub publishes an event only after Postgres committed it, and publishes the events of one
session in seq order. A subscriber that falls behind (its queue is full) is not allowed to slow
the hub: it is flagged `lagged`, and its stream catches up from Postgres by seq.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from solo_brain.mesh.store import StreamEvent


class Subscription:
    """The queue of one stream. When it falls `size` events behind, it stops queueing and
    gets one None: its reader must re-read from Postgres, then `reset()`."""

    def __init__(self, session_id: str, size: int) -> None:
        self.session_id = session_id
        self.size = size
        self.queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()
        self.lagged = False

    def offer(self, event: StreamEvent) -> None:
        """Queue an event, or mark the subscription lagged when it is too far behind."""
        if self.lagged:
            return
        if self.queue.qsize() >= self.size:
            self.lagged = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(event)

    def reset(self) -> None:
        """Forget queued events before a catch-up from Postgres, and queue again."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.lagged = False


class Broadcaster:
    """Subscriptions by session id."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subs: dict[str, set[Subscription]] = {}

    @contextmanager
    def subscribe(self, session_id: str) -> Iterator[Subscription]:
        """Receive the session's events published while the context is open."""
        sub = Subscription(session_id, self.queue_size)
        self._subs.setdefault(session_id, set()).add(sub)
        try:
            yield sub
        finally:
            subs = self._subs.get(session_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[session_id]

    def publish(self, session_id: str, events: list[StreamEvent]) -> None:
        """Hand committed events of one session, in seq order, to every subscriber."""
        for sub in self._subs.get(session_id, ()):
            for event in events:
                sub.offer(event)

    def subscribers(self, session_id: str) -> int:
        """How many streams watch a session."""
        return len(self._subs.get(session_id, ()))
