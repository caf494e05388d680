"""A big file's missing history, newest first: the run of whole lines just below what the hub
holds, at most one batch's worth, so that the page above the newest fills first (issue 11).

Towards a hub that takes them (`welcome.history_runs`), a run goes as the transcript's own
bytes, zstd-compressed, with the index of its messages (`history_run`: `bytes_run`); else, and
for a run too big for one frame even alone (a line of several MB), folded (`messages`:
`history_run`). A run's metadata is folded as older than everything folded before
(SessionMeta.absorb_older), once: only its lines below `cursor.folded`. The session's first
prompt is looked for near the file's start with the first run, so its title does not wait for
the whole history.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from mesh_agent import light
from mesh_agent.light import LightRecord
from mesh_agent.parse import BATCH_BUDGET, first_prompt, parse
from mesh_agent.reader import CHUNK_BYTES, FileShrunk, line_start_before, read_lines
from mesh_agent.threads import Threads
from mesh_agent.transcript import SessionMeta, parse_line, thread_link, to_message
from mesh_protocol import MAX_RUN_BYTES, HistoryRun, Message, Messages, RunLine
from mesh_protocol.line_index import index_line
from mesh_protocol.runs import compress, packed_size

if TYPE_CHECKING:
    from mesh_agent.cursor import FileCursor

PRIME_BYTES = 16 * 1024  # below a run: the lines whose threads its first lines need
RUN_FRAME_BYTES = 1024  # a history_run frame's own fields, at most
RUN_SPAN_BYTES = MAX_RUN_BYTES // 2  # a run is read whole: at most this much
# zstd releases the GIL: a run is packed on this thread while its lines are parsed on the caller's.
_PACKER = ThreadPoolExecutor(1, thread_name_prefix="zstd")


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
    prime(threads, cursor, start)
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
    first = kept[0][0]
    _settle(cursor, meta, older, start, first)
    return Messages(
        session_id=cursor.ref.session_id,
        file=cursor.ref.key,
        start_offset=first,
        end_offset=stop,
        messages=[m for _, m, _ in kept if m is not None],
        part="history",
    )


def prime(threads: Threads, cursor: FileCursor, start: int) -> None:
    """Learn the threads of the lines just below a run (read again with the next run): a
    message at the run's start names the message it continues, not a line skipped."""
    if not start:
        return
    path = cursor.ref.path
    below = line_start_before(path, max(0, start - PRIME_BYTES))
    lines = read_lines(path, below, max_bytes=start - below, chunk=start - below)
    with closing(lines):
        for line in lines:
            if line.end > start:
                break
            if line.data is not None:  # its thread only, as parse teaches it
                _index(threads, line.data, 0, None, cursor)


def _settle(
    cursor: FileCursor, meta: SessionMeta, older: SessionMeta, start: int, first: int
) -> None:
    """A run read from `start` goes from `first`: fold its metadata in (holding the session's
    `meta_lock`: another file of the session may fold a line meanwhile), move the cursor down."""
    if cursor.head_prompt:
        older.first_prompt = ""
    cursor.folded = min(cursor.folded, start)
    cursor.history = first or None
    with cursor.meta_lock:
        meta.absorb_older(older)
        meta.first_prompt = cursor.head_prompt or meta.first_prompt
        if cursor.history is None and not meta.first_prompt:
            meta.first_prompt = cursor.tail_prompt


def bytes_run(
    threads: Threads, cursor: FileCursor, meta: SessionMeta, near: int, stop: int
) -> HistoryRun | Messages:
    """The `history_run` of the whole lines from the line start at or before `near` (fewer,
    the newest, when they do not fit one frame compressed) up to `stop`; a folded batch when a
    line alone does not fit. The cursor moves as with `history_run`."""
    path = cursor.ref.path
    start = line_start_before(path, near)
    if stop - start > RUN_SPAN_BYTES:  # a line of several MB: folded, one line held at a time
        return history_run(threads, cursor, meta, near, stop)
    if cursor.head_prompt is None:
        cursor.head_prompt = first_prompt(cursor.ref, stop)
    prime(threads, cursor, start)
    older = SessionMeta(meta.session_id, project_dir=meta.project_dir)
    with open(path, "rb") as handle:  # at most MAX_RUN_BYTES, in one read
        handle.seek(start)
        raw = handle.read(stop - start)
    if len(raw) != stop - start or not raw.endswith(b"\n"):  # the file was rewritten
        raise FileShrunk(f"{cursor.ref.key} has no line ending at {stop}")
    whole = _PACKER.submit(compress, raw)  # the run whole, most often what is sent
    found: list[tuple[int, RunLine]] = []  # line start (in the run), its index
    starts: list[int] = []  # every line start, in the run
    at = 0
    while at < len(raw):
        newline = raw.index(b"\n", at)
        indexed = _index(
            threads,
            raw[at:newline],
            at,
            older if start + newline + 1 <= cursor.folded else None,
            cursor,
        )
        starts.append(at)
        if indexed is not None:
            found.append((at, indexed))
        at = newline + 1
    fit = _fit(raw, starts, found, whole)
    if fit is None:  # its newest line alone is too big compressed: that one goes folded
        return history_run(threads, cursor, meta, start + starts[-1], stop)
    cut, blob, lines, index = fit
    _settle(cursor, meta, older, start, start + cut)
    return HistoryRun(
        session_id=cursor.ref.session_id,
        file=cursor.ref.key,
        start_offset=start + cut,
        end_offset=stop,
        lines=lines,
    ).with_blob(blob, index)


def _fit(
    raw: bytes, starts: list[int], found: list[tuple[int, RunLine]], whole: Future[bytes]
) -> tuple[int, bytes, list[RunLine], bytes] | None:
    """Where the run starts (in `raw`) so that it fits one frame, text or binary, its zstd
    frame (`whole`: `raw` compressed), its lines and their JSON (the frame's, serialized once);
    None when not even its last line fits. The oldest half of the lines waits while it does
    not."""
    first = 0
    while True:
        cut = starts[first]
        blob = whole.result() if not cut else compress(memoryview(raw)[cut:])
        lines = [i if not cut else i.model_copy(update={"at": at - cut})
                 for at, i in found if at >= cut]  # fmt: skip
        index = to_json(lines)
        if packed_size(len(blob)) + len(index) + RUN_FRAME_BYTES <= BATCH_BUDGET:
            return cut, blob, lines, index
        if first == len(starts) - 1:
            return None
        first = max(first + 1, bisect_right(starts, (cut + len(raw)) // 2) - 1)


def _index(
    threads: Threads,
    data: bytes | bytearray,
    at: int,
    older: SessionMeta | None,
    cursor: FileCursor,
    *,
    whole: bool = False,
) -> RunLine | None:
    """A run's line as `parse` would fold it (`threads` learns which message it continues;
    `older`, when the line is below what is folded, folds its metadata), but indexed only,
    from a light decode of the line (mesh_agent.light); parsed whole when that cannot tell,
    while the session's first prompt is looked for in it (its text folded then), and when
    `whole` (what the light decode is held to)."""
    prompt_sought = older is not None and not (cursor.head_prompt or older.first_prompt)
    seen = None if prompt_sought or whole else light.read(data)
    record: dict[str, Any] | LightRecord | None
    if seen is not None:
        record, link = seen.record, seen.link
    else:
        record = parse_line(data)
        link = thread_link(data, record)
    thread = threads.resolve(link[1]) if link is not None else None
    differs = thread if link is not None and thread != link[1] else None
    if isinstance(record, LightRecord):
        indexed = record.index(at, len(data), differs)
    else:
        indexed = index_line(record, at, len(data), differs) if record is not None else None
    if link is not None:
        threads.add(link[0], link[0] if indexed is not None else thread)
    if older is not None and record is not None:
        if indexed is not None and prompt_sought and isinstance(record, dict):
            older.update(record, to_message(record, thread_parent=differs), main=cursor.ref.main)
        else:
            older.update(record, None, main=cursor.ref.main)
            if indexed is not None and indexed.timestamp is not None:
                older.saw(indexed.timestamp)
    return indexed
