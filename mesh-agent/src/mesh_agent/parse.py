"""One transcript line as the index batches it: its record, its message, and its size."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from mesh_agent.reader import Line, TranscriptRef, read_lines
from mesh_agent.threads import Threads
from mesh_agent.transcript import SessionMeta, parse_line, thread_link, to_message
from mesh_protocol import MAX_FRAME_BYTES, Message
from mesh_protocol.fold import fit

# A batch stays well under the hub's frame limit; sizes of small lines are estimated from the raw
# line, which is always larger than its normalised message (mesh_protocol.fold.fit).
BATCH_BUDGET = MAX_FRAME_BYTES * 3 // 4
HEAD_BYTES = 1024 * 1024  # where a file's first prompt is looked for before its history is in


def parse(
    threads: Threads, line: Line, *, sized: bool = True
) -> tuple[dict[str, Any] | None, Message | None, Message | None, int]:
    """A line's record, its message (fields cut when too big for a batch), that message whole,
    and the size it takes in a batch (not `sized`: the message whole, and the line's size);
    `threads` learns which message the line continues."""
    record = parse_line(line.data) if line.data is not None else None
    link = thread_link(line.data, record) if line.data is not None else None
    thread = threads.resolve(link[1]) if link is not None else None
    differs = thread if link is not None and thread != link[1] else None
    full = to_message(record, thread_parent=differs) if record else None
    message, size = full, 0
    if sized and record is not None and line.data is not None:
        message, size = fit(record, full, len(line.data), differs)
    elif line.data is not None:
        size = len(line.data)
    if link is not None:
        threads.add(link[0], link[0] if full is not None else thread)
    return record, message, full, size


def first_prompt(ref: TranscriptRef, stop: int, head: int = HEAD_BYTES) -> str:
    """The session's first prompt if the first `head` bytes of its main transcript (below
    `stop`) hold it, else "" (the title of a file whose history comes newest first)."""
    probe = SessionMeta(ref.session_id)
    lines = read_lines(ref.path, 0, max_bytes=min(stop, head))
    with closing(lines):
        for line in lines:
            if line.end > stop:
                break
            record = parse_line(line.data) if line.data is not None else None
            if record is not None:
                probe.update(record, to_message(record), main=ref.main)
                if probe.first_prompt:
                    break
    return probe.first_prompt
