"""A big file's missing history, newest first: the run of whole lines just below what the hub
holds, at most one batch's worth, so that the page above the newest fills first (issue 11).

A run's metadata is folded as older than everything folded before (SessionMeta.absorb_older),
once: only its lines below `cursor.folded`. The session's first prompt is looked for near the
file's start with the first run, so its title does not wait for the whole history.
"""

from __future__ import annotations

from collections import deque
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from mesh_agent.parse import BATCH_BUDGET, first_prompt, parse
from mesh_agent.reader import CHUNK_BYTES, FileShrunk, line_start_before, read_lines
from mesh_agent.threads import Threads
from mesh_agent.transcript import SessionMeta
from mesh_protocol import Message, Messages

if TYPE_CHECKING:
    from mesh_agent.index import FileCursor

PRIME_BYTES = 16 * 1024  # below a run: the lines whose threads its first lines need


def history_run(
    threads: Threads, cursor: FileCursor, meta: SessionMeta, near: int, stop: int
) -> Messages:
    """The batch of whole lines from the line start at or before `near` (fewer, the newest,
    when they exceed a batch) up to `stop`, where the hub's history begins; the cursor's
    history and folded positions move down to its start."""
    path = cursor.ref.path
    if cursor.head_prompt is None:  # the title at once, not when the history is all in
        cursor.head_prompt = first_prompt(cursor.ref, stop)
    start = line_start_before(path, near)
    prime(threads, path, start)
    older = SessionMeta(meta.session_id, project_dir=meta.project_dir)
    kept: deque[tuple[int, Message | None, int]] = deque()  # line start, message, size
    used = 0
    at = start
    span = stop - start
    lines = read_lines(path, start, max_bytes=span, chunk=min(span, CHUNK_BYTES))
    with closing(lines):
        for line in lines:
            if line.end > stop:
                break
            record, message, _, size = parse(threads, line)
            if record is not None and line.end <= cursor.folded:
                older.update(record, message, main=cursor.ref.main)
            kept.append((at, message, size))
            used += size
            at = line.end
            while used > BATCH_BUDGET and len(kept) > 1:  # the oldest lines wait
                used -= kept.popleft()[2]
    if at != stop:  # no line ends there any more: the file was rewritten
        raise FileShrunk(f"{cursor.ref.key} has no line ending at {stop}")
    if cursor.head_prompt:
        older.first_prompt = ""
    meta.absorb_older(older)
    meta.first_prompt = cursor.head_prompt or meta.first_prompt
    cursor.folded = min(cursor.folded, start)
    first = kept[0][0]
    cursor.history = first or None
    if cursor.history is None and not meta.first_prompt:
        meta.first_prompt = cursor.tail_prompt
    return Messages(
        session_id=cursor.ref.session_id,
        file=cursor.ref.key,
        start_offset=first,
        end_offset=stop,
        messages=[m for _, m, _ in kept if m is not None],
        part="history",
    )


def prime(threads: Threads, path: Path, start: int) -> None:
    """Learn the threads of the lines just below a run (read again with the next run): a
    message at the run's start names the message it continues, not a line skipped."""
    if not start:
        return
    below = line_start_before(path, max(0, start - PRIME_BYTES))
    lines = read_lines(path, below, max_bytes=start - below, chunk=start - below)
    with closing(lines):
        for line in lines:
            if line.end > start:
                break
            parse(threads, line)
