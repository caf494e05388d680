"""Which range of a transcript to read next (pure: no file of its own): its tail first when the
file is big and new to the hub, then what follows, then the history below the tail, newest
first (backwards from the tail, a run of whole lines at a time).
"""

from __future__ import annotations

from dataclasses import dataclass

from mesh_protocol import Part

TAIL_ABOVE = 8 * 1024 * 1024  # a new file larger than this is sent tail first
TAIL_BYTES = 2 * 1024 * 1024  # how much of its end comes first (the newest pages)
HISTORY_BYTES = 768 * 1024  # each history batch: about this much below what the hub holds
RUN_BYTES = 2 * 1024 * 1024  # each history run sent as bytes (zstd, ~5× smaller): about this much


@dataclass(frozen=True)
class Read:
    """The next read of a transcript file.

    part        the batch's `part`: "tail" (from the first line start at or after `start`),
                "next" (what follows the bytes sent), "history" (whole lines from the line
                start at or before `start` up to `stop`, the start of the history the hub holds)
    start       where reading starts
    batch_from  lines ending after this go into the batch (those before were sent, or are
                only scanned for metadata)
    stop        where the read ends (a history batch ends where the hub's history begins),
                None: the file's end
    """

    part: Part
    start: int
    batch_from: int
    stop: int | None = None


def next_read(
    *,
    size: int,
    sent: int,
    scanned: int,
    history: int | None,
    tail_ok: bool,
    tail_above: int = TAIL_ABOVE,
    tail_bytes: int = TAIL_BYTES,
    history_bytes: int = HISTORY_BYTES,
) -> Read | None:
    """What to read next of a file of `size` bytes (None: nothing). A big file the hub has
    nothing of is sent tail first (when the hub takes tails); new bytes then always go before
    the missing history (`history`: [0, history) is missing), which goes newest first: about
    `history_bytes` just below what the hub holds, then the bytes below those."""
    if history is None and sent == 0 and tail_ok and size > tail_above:
        return Read("tail", size - tail_bytes, size - tail_bytes)
    if size > sent or size > scanned:
        return Read("next", min(sent, scanned), sent)
    if history is not None:
        start = max(0, history - history_bytes)
        return Read("history", start, start, history)
    return None
