"""The agent's index: every transcript's read positions (a FileCursor each, cursor.py) and every
session's metadata.

`advance(cursor)` reads the slice read_plan.next_read picks: the tail of a big file new to the hub,
else from min(sent, scanned) (lines past `scanned` update the session's metadata, lines past
`sent` go into a batch), and once the end is sent, the missing history, newest first: the whole
lines just below what the hub holds, at most one batch's worth. Memory stays bounded whatever
the file size: one slice (a few MiB) and one batch (under the frame limit) at a time.

Locks: each file has its own (`FileCursor.lock`), held for a whole advance of that file, so a
live line of one file is read while another file's history run is parsed and packed (issue 11).
A resume takes each file's lock in turn: it never rewinds a cursor mid-read. What files share
is guarded apart: the registry by `Index.lock`; a session's metadata, which its files (main
transcript, subagents) fold into, by the session's `FileCursor.meta_lock`, held for one line's
fold or one run's settling. The maps of threads (threads.py) take single dict operations, each
atomic, and the history's map is used by one history run at a time (sync.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mesh_agent.backfill import bytes_run, history_run
from mesh_agent.cursor import FileCursor
from mesh_agent.parse import BATCH_BUDGET, parse
from mesh_agent.read_plan import HISTORY_BYTES, RUN_BYTES, TAIL_ABOVE, TAIL_BYTES, Read, next_read
from mesh_agent.reader import (
    FileShrunk,
    Line,
    TranscriptRef,
    discover,
    file_size,
    line_start,
    read_lines,
    transcript_ref,
)
from mesh_agent.terminal import Seen, seen_in
from mesh_agent.threads import Threads
from mesh_agent.transcript import SessionMeta
from mesh_protocol import HistoryRun, Message, Messages, ack_key

INLINE_BYTES = 64 * 1024  # new bytes read on the event loop: well under a millisecond
LIVE_BYTES = 1024 * 1024  # more new bytes than this: a backlog (a file copied in), read in turn


@dataclass(frozen=True)
class Advance:
    """What one `advance` produced: a batch to send (or None), whether metadata changed, and
    the tool uses, results and prompts of the lines scanned for the first time."""

    batch: Messages | HistoryRun | None
    meta_changed: bool
    seen: tuple[Seen, ...] = ()


class Index:
    """Files and sessions under one Claude config's projects/ folder."""

    def __init__(
        self,
        projects: Path,
        *,
        slice_bytes: int = 4 * 1024 * 1024,
        tail_above: int = TAIL_ABOVE,
        tail_bytes: int = TAIL_BYTES,
        history_bytes: int = HISTORY_BYTES,
        run_bytes: int = RUN_BYTES,
    ) -> None:
        self.projects = projects
        self.slice_bytes = slice_bytes
        self.tail_above = tail_above  # a new file larger than this goes tail first
        self.tail_bytes = tail_bytes
        self.history_bytes = history_bytes
        self.run_bytes = run_bytes  # a history run sent as bytes (history_run frames)
        self.files: dict[str, FileCursor] = {}
        self.sessions: dict[str, SessionMeta] = {}
        self.threads = Threads()
        # The history's lines are old: their own map, so they never push out the recent lines
        # that new ones continue.
        self.history_threads = Threads()
        self.tail_ok = False  # the hub takes a big file's tail first (its welcome said so)
        self.runs_ok = False  # the hub takes history as history_run frames (its welcome said so)
        self.lock = threading.Lock()  # the registry (the event loop and threads register files)
        self._meta_locks: dict[str, threading.Lock] = {}  # by session

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
        if ref.key in self.files:  # most often: no lock taken on the event loop
            return None
        with self.lock:
            if ref.key in self.files:
                return None
            meta_lock = self._meta_locks.setdefault(ref.session_id, threading.Lock())
            cursor = FileCursor(ref, meta_lock=meta_lock)
            if ref.session_id not in self.sessions:
                self.sessions[ref.session_id] = SessionMeta(ref.session_id)
            meta = self.sessions[ref.session_id]
            with meta_lock:
                if ref.main and not meta.project_dir:
                    meta.project_dir = ref.project_dir
            self.files[ref.key] = cursor
            return cursor

    def resume(
        self, acks: dict[str, int], history: dict[str, int] | None = None, runs: bool = False
    ) -> None:
        """Start a new connection: every file is resent from the offset the hub committed, and
        its missing history [0, end) backwards from where the hub's begins (`history` None: the
        hub takes no tail; `runs`: it takes the history as bytes). A file never read yet is
        scanned from that point only. Each file waits for a read of it under way."""
        self.tail_ok = history is not None
        self.runs_ok = runs and self.tail_ok
        for key, cursor in list(self.files.items()):
            hub_key = ack_key(cursor.ref.session_id, key)
            with cursor.lock:
                cursor.acked = cursor.sent = acks.get(hub_key, 0)
                cursor.history = (history or {}).get(hub_key)
                if cursor.history is not None and cursor.scanned < cursor.history:
                    cursor.scanned = cursor.folded = cursor.history

    def ack(self, key: str, offset: int, *, history: bool = False) -> None:
        """The hub committed `key` (or its history) up to `offset`."""
        cursor = self.files.get(key)
        if cursor is not None and not history:
            cursor.acked = offset

    def behind(self) -> list[FileCursor]:
        """Cursors of files with bytes not yet scanned or sent."""
        return [c for c in list(self.files.values()) if c.behind(file_size(c.ref.path))]

    def in_turn(self, cursor: FileCursor) -> bool:
        """Whether the next read of `cursor` is a backlog's, read in turn with the others
        rather than at once as a live change: only history is left, or more than LIVE_BYTES
        are new (a big file that appeared)."""
        new = file_size(cursor.ref.path) - min(cursor.sent, cursor.scanned)
        return new > LIVE_BYTES or (new <= 0 and cursor.history is not None)

    def advance(self, cursor: FileCursor) -> Advance:
        """Read the next slice of `cursor`'s file: fold metadata, build at most one batch
        (waiting only for an advance of the same file)."""
        with cursor.lock:
            return self._advance(cursor)

    def advance_small(self, cursor: FileCursor, most: int = INLINE_BYTES) -> Advance | None:
        """`advance` when at most `most` new bytes wait and no thread reads the same file (a
        live line, read on the event loop without a thread hop, whatever other files a thread
        reads); None otherwise, and when nothing new waits but history does (a history run is
        read in a thread)."""
        new = file_size(cursor.ref.path) - min(cursor.sent, cursor.scanned)
        if new > most or (new <= 0 and cursor.history is not None):
            return None
        if not cursor.lock.acquire(blocking=False):
            return None
        try:
            return self._advance(cursor)
        finally:
            cursor.lock.release()

    def _advance(self, cursor: FileCursor) -> Advance:
        meta = self.sessions[cursor.ref.session_id]
        before = meta.snapshot()
        seen: list[Seen] = []
        try:
            size = os.stat(cursor.ref.path).st_size
            if size < cursor.sent or size < cursor.scanned:
                raise FileShrunk(f"{cursor.ref.key} has {size} bytes")
            read = next_read(
                size=size,
                sent=cursor.sent,
                scanned=cursor.scanned,
                history=cursor.history,
                tail_ok=self.tail_ok,
                tail_above=self.tail_above,
                tail_bytes=self.tail_bytes,
                history_bytes=self.run_bytes if self.runs_ok else self.history_bytes,
            )
            if read is None:
                return Advance(None, False)
            if read.part == "history":
                return self._history(cursor, meta, read, before)
            if read.part == "tail":
                read = self._tail(cursor, read)
            lines = read_lines(cursor.ref.path, read.start, max_bytes=self.slice_bytes)
            with closing(lines):
                messages, end = self._consume(cursor, meta, lines, seen, read)
        except FileShrunk:
            # rewritten from scratch: read it again
            cursor.sent = cursor.scanned = cursor.noticed = cursor.folded = 0
            cursor.history = cursor.head_prompt = None
            return Advance(None, False)
        except FileNotFoundError:
            return Advance(None, False)
        batch = None
        if end > read.batch_from:
            batch = Messages(
                session_id=cursor.ref.session_id,
                file=cursor.ref.key,
                start_offset=read.batch_from,
                end_offset=end,
                messages=messages,
                part=read.part,
            )
            cursor.sent = end
        return Advance(batch, meta.snapshot() != before, tuple(seen))

    def _tail(self, cursor: FileCursor, read: Read) -> Read:
        """Where the tail starts (a line start): bytes below it become the missing history.
        A file with no complete line past that point is read from its start instead."""
        start = line_start(cursor.ref.path, read.start)
        if not start:
            return Read("next", 0, 0)
        cursor.sent = cursor.scanned = cursor.folded = start
        cursor.history = start
        return Read("tail", start, start)

    def _history(
        self, cursor: FileCursor, meta: SessionMeta, read: Read, before: tuple[object, ...]
    ) -> Advance:
        """The next run of the missing history, newest first (backfill.py)."""
        run = bytes_run if self.runs_ok else history_run
        batch = run(self.history_threads, cursor, meta, read.start, read.stop or 0)
        return Advance(batch, meta.snapshot() != before)

    def _consume(
        self,
        cursor: FileCursor,
        meta: SessionMeta,
        lines: Iterator[Line],
        seen: list[Seen],
        read: Read,
    ) -> tuple[list[Message], int]:
        messages: list[Message] = []
        used = 0
        end = read.batch_from
        for line in lines:
            record, message, full, size = parse(self.threads, line)
            if line.end > cursor.scanned:
                if record is not None:
                    with cursor.meta_lock:
                        self._fold(cursor, meta, record, message)
                cursor.scanned = line.end
            if line.end > cursor.noticed:
                if record is not None:
                    seen += seen_in(record, full, cursor.ref.key, line.end, main=cursor.ref.main)
                cursor.noticed = line.end
            if line.end <= read.batch_from:
                continue
            if message is not None:
                if messages and used + size > BATCH_BUDGET:
                    break  # this line starts the next batch; scanned already covers it
                messages.append(message)
                used += size
            end = line.end
        return messages, end

    @staticmethod
    def _fold(
        cursor: FileCursor, meta: SessionMeta, record: dict[str, Any], message: Message | None
    ) -> None:
        """Fold a line in file order. While history is missing, not as the first prompt (only
        the history tells it; kept in case the history has none)."""
        if cursor.history is None:
            meta.update(record, message, main=cursor.ref.main)
            return
        first = meta.first_prompt
        meta.first_prompt = ""
        meta.update(record, message, main=cursor.ref.main)
        cursor.tail_prompt = cursor.tail_prompt or meta.first_prompt
        meta.first_prompt = first
