"""The agent's index: every transcript's read positions and every session's metadata.

Per file, three byte offsets, all on line boundaries:

    acked    the hub has committed the messages before it (from `welcome` and `ack`)
    sent     the next `messages` batch starts here (rewound to `acked` on every connection)
    scanned  metadata has been folded up to here (never rewound, so "last wins" stays true)

`advance(cursor)` reads the next slice from min(sent, scanned): lines past `scanned` update the
session's metadata, lines past `sent` go into a batch. Memory stays bounded whatever the file
size: one slice (a few MiB) and one batch (under the frame limit) at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json

from mesh_agent.reader import (
    FileShrunk,
    Line,
    TranscriptRef,
    discover,
    file_size,
    read_lines,
    transcript_ref,
)
from mesh_agent.terminal import Seen, seen_in
from mesh_agent.transcript import SessionMeta, parse_line, thread_link, to_message
from mesh_protocol import MAX_FRAME_BYTES, Message, Messages, ack_key

# A batch stays well under the hub's frame limit; sizes of small lines are estimated from the raw
# line, which is always larger than its normalised message.
BATCH_BUDGET = MAX_FRAME_BYTES * 3 // 4
MESSAGE_BUDGET = MAX_FRAME_BYTES // 2
_EXACT_SIZE_ABOVE = 64 * 1024
INLINE_BYTES = 64 * 1024  # new bytes read on the event loop: well under a millisecond
_SMALL_FIELD_CHARS = 4096


@dataclass
class FileCursor:
    """Read positions of one transcript file."""

    ref: TranscriptRef
    acked: int = 0
    sent: int = 0
    scanned: int = 0

    def behind(self, size: int) -> bool:
        """Whether the file has bytes not yet scanned or sent."""
        return size > self.sent or size > self.scanned


@dataclass(frozen=True)
class Advance:
    """What one `advance` produced: a batch to send (or None), whether metadata changed, and
    the tool uses, results and prompts of the lines scanned for the first time."""

    batch: Messages | None
    meta_changed: bool
    seen: tuple[Seen, ...] = ()


class Threads:
    """For the latest `size` lines with a uuid (all files): the nearest message at or before
    each, so that a message names the message it continues, not the line before it."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._nearest: OrderedDict[str, str | None] = OrderedDict()

    def resolve(self, parent: str | None) -> str | None:
        """The nearest message at or before line `parent` (`parent` itself when unknown)."""
        return self._nearest.get(parent, parent) if parent else None

    def add(self, uuid: str, nearest: str | None) -> None:
        """Line `uuid` is (or continues) message `nearest`."""
        self._nearest[uuid] = nearest
        self._nearest.move_to_end(uuid)
        if len(self._nearest) > self.size:
            self._nearest.popitem(last=False)


class Index:
    """Files and sessions under one Claude config's projects/ folder."""

    def __init__(self, projects: Path, *, slice_bytes: int = 4 * 1024 * 1024) -> None:
        self.projects = projects
        self.slice_bytes = slice_bytes
        self.files: dict[str, FileCursor] = {}
        self.sessions: dict[str, SessionMeta] = {}
        self.threads = Threads()
        # advance() runs in worker threads (advance_small on the event loop); a reconnection
        # must not rewind a cursor mid-read.
        self.lock = threading.Lock()

    def discover(self) -> list[FileCursor]:
        """Register every transcript on disk; return the cursors of files not seen before."""
        return [c for ref in discover(self.projects) if (c := self._register(ref)) is not None]

    def track(self, path: Path) -> FileCursor | None:
        """The cursor of `path` (registered if new), or None when it is not a transcript."""
        ref = transcript_ref(self.projects, path)
        if ref is None and path.suffix == ".jsonl":  # reported through a symlink's target?
            try:
                rel = path.resolve().relative_to(self.projects.resolve())
            except (OSError, ValueError):
                return None
            ref = transcript_ref(self.projects, self.projects / rel)
        if ref is None:
            return None
        return self._register(ref) or self.files[ref.key]

    def _register(self, ref: TranscriptRef) -> FileCursor | None:
        if ref.key in self.files:
            return None
        cursor = FileCursor(ref)
        self.files[ref.key] = cursor
        if ref.session_id not in self.sessions:
            self.sessions[ref.session_id] = SessionMeta(ref.session_id)
        meta = self.sessions[ref.session_id]
        if ref.main and not meta.project_dir:
            meta.project_dir = ref.project_dir
        return cursor

    def resume(self, acks: dict[str, int]) -> None:
        """Start a new connection: every file is resent from the offset the hub committed."""
        with self.lock:
            for key, cursor in list(self.files.items()):
                cursor.acked = cursor.sent = acks.get(ack_key(cursor.ref.session_id, key), 0)

    def ack(self, key: str, offset: int) -> None:
        """The hub committed `key` up to `offset`."""
        cursor = self.files.get(key)
        if cursor is not None:
            cursor.acked = offset

    def behind(self) -> list[FileCursor]:
        """Cursors of files with bytes not yet scanned or sent."""
        return [c for c in list(self.files.values()) if c.behind(file_size(c.ref.path))]

    def advance(self, cursor: FileCursor) -> Advance:
        """Read the next slice of `cursor`'s file: fold metadata, build at most one batch."""
        with self.lock:
            return self._advance(cursor)

    def advance_small(self, cursor: FileCursor, most: int = INLINE_BYTES) -> Advance | None:
        """`advance` when at most `most` new bytes wait and no thread holds the index (a live
        line, read on the event loop without a thread hop); None otherwise."""
        if file_size(cursor.ref.path) - min(cursor.sent, cursor.scanned) > most:
            return None
        if not self.lock.acquire(blocking=False):
            return None
        try:
            return self._advance(cursor)
        finally:
            self.lock.release()

    def _advance(self, cursor: FileCursor) -> Advance:
        meta = self.sessions[cursor.ref.session_id]
        before = meta.snapshot()
        start = min(cursor.sent, cursor.scanned)
        seen: list[Seen] = []
        try:
            with closing(read_lines(cursor.ref.path, start, max_bytes=self.slice_bytes)) as lines:
                messages, end = self._consume(cursor, meta, lines, seen)
        except FileShrunk:
            cursor.sent = cursor.scanned = 0  # rewritten from scratch: read it again
            return Advance(None, False)
        except FileNotFoundError:
            return Advance(None, False)
        batch = None
        if end > cursor.sent:
            batch = Messages(
                session_id=cursor.ref.session_id,
                file=cursor.ref.key,
                start_offset=cursor.sent,
                end_offset=end,
                messages=messages,
            )
            cursor.sent = end
        return Advance(batch, meta.snapshot() != before, tuple(seen))

    def _consume(
        self, cursor: FileCursor, meta: SessionMeta, lines: Iterator[Line], seen: list[Seen]
    ) -> tuple[list[Message], int]:
        messages: list[Message] = []
        used = 0
        end = cursor.sent
        for line in lines:
            record = parse_line(line.data) if line.data is not None else None
            link = thread_link(line.data, record) if line.data is not None else None
            thread = self.threads.resolve(link[1]) if link is not None else None
            differs = thread if link is not None and thread != link[1] else None
            message = full = to_message(record, thread_parent=differs) if record else None
            if message is not None and line.data is not None and len(line.data) > _EXACT_SIZE_ABOVE:
                size = len(to_json(message))
                if size > MESSAGE_BUDGET and record is not None:
                    message = to_message(record, _SMALL_FIELD_CHARS, differs)
                    size = len(to_json(message)) if message else 0
            else:
                size = len(line.data) if line.data is not None else 0
            if line.end > cursor.scanned:
                if link is not None:
                    self.threads.add(link[0], link[0] if full is not None else thread)
                if record is not None:
                    meta.update(record, message, main=cursor.ref.main)
                    seen += seen_in(record, full, cursor.ref.key, line.end, main=cursor.ref.main)
                cursor.scanned = line.end
            if line.end <= cursor.sent:
                continue
            if message is not None:
                if messages and used + size > BATCH_BUDGET:
                    break  # this line starts the next batch; scanned already covers it
                messages.append(message)
                used += size
            end = line.end
        return messages, end
