"""Frames an agent sent while the hub was busy, with its live batches merged: pure, no I/O.

The hub handles one connection's frames in order, one transaction per batch. When Claude Code
writes a turn (a few lines a millisecond apart) the agent sends each line as soon as it is
read, and each one waited on the hub for the transactions of the lines before it: the last line
of a burst paid for all of them. The frames that queued while the hub was busy are taken
together instead, and consecutive live batches of one file that continue one another become
one batch: one transaction, one ack at its end. Only the hub knows when its last transaction
ended (the agent learns it one WAL flush later, from the ack), so the merge happens here.

Live batches also go before the backlog batches (a new file's tail, its history) of other files
that queued before them: the hub then makes a live line wait for at most the one backlog
transaction under way, not for all those the agent keeps in flight (up to 6); the backlog is
then committed on a task of its own (backlog_task.py), so the wait is only for its hand-over.

No guarantee changes: each file's batches of one part keep their order (so do their acks,
which the agent counts per file and part); the merged batch starts where the first one started
(the gap check is the same), ends where the last one ended (the ack covers each of them: an
agent's in-flight batches are done when an ack reaches their end), keeps every message in file
order, and stays within one frame's byte limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mesh_protocol import Messages


@dataclass(frozen=True)
class Received:
    """One frame as the hub read it: the parsed frame (a frame model, or the ProtocolError
    that its text raised) and the size of its text in bytes."""

    frame: object
    size: int


def coalesce(received: Iterable[Received], max_bytes: int) -> list[Received]:
    """`received` in order, except that a live batch goes before the backlog batches (tail or
    history) of other files just before it, and each run of live batches that continue one
    another (part "next", same session and file, each starting at the end of the one before)
    merged into one, as long as the merged text stays within `max_bytes`."""
    out: list[Received] = []
    for item in live_first(received):
        last = out[-1] if out else None
        if last is not None and _continues(last, item, max_bytes):
            assert isinstance(last.frame, Messages) and isinstance(item.frame, Messages)
            merged = last.frame.model_copy(
                update={
                    "end_offset": item.frame.end_offset,
                    "messages": [*last.frame.messages, *item.frame.messages],
                }
            )
            out[-1] = Received(merged, last.size + item.size)
        else:
            out.append(item)
    return out


def live_first(received: Iterable[Received]) -> list[Received]:
    """`received` with each live batch moved before the backlog batches of other files that
    came just before it: a line of the session being watched does not wait for a backfill's
    transactions. Nothing moves past any other frame, nor past a batch of its own file (a
    tail must come before the lines that follow it)."""
    out: list[Received] = []
    for item in received:
        at = len(out)
        file = _live_file(item)
        while file is not None and at and _backlog_file(out[at - 1]) not in (None, file):
            at -= 1
        out.insert(at, item)
    return out


def _live_file(item: Received) -> str | None:
    frame = item.frame
    return frame.file if isinstance(frame, Messages) and frame.part == "next" else None


def _backlog_file(item: Received) -> str | None:
    frame = item.frame
    return frame.file if isinstance(frame, Messages) and frame.part != "next" else None


def _continues(before: Received, after: Received, max_bytes: int) -> bool:
    a, b = before.frame, after.frame
    return (
        isinstance(a, Messages)
        and isinstance(b, Messages)
        and a.part == "next"
        and b.part == "next"
        and a.session_id == b.session_id
        and a.file == b.file
        and b.start_offset == a.end_offset
        and before.size + after.size <= max_bytes
    )
