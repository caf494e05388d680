"""Finding transcripts and reading their complete lines from a byte offset, in bounded memory.

    projects/<project dir>/<session_id>.jsonl                       main transcript
    projects/<project dir>/<session_id>/subagents/<agent>.jsonl     subagent transcript

`read_lines` never returns a half-written last line: it stops after the last newline, and the
caller reads again from the end of the last line it got. A line longer than `max_line` bytes is
skipped (reported as `Line(None, end)`) instead of being held in memory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from mesh_protocol import FILE_KEY_PATTERN, is_valid_session_id

MAX_LINE_BYTES = 32 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
_FILE_KEY_MAX = 512
_FILE_KEY_RE = re.compile(FILE_KEY_PATTERN)


@dataclass(frozen=True)
class Line:
    """One complete line (without its newline; None when too long to keep) ending at `end`."""

    data: bytes | bytearray | None
    end: int


@dataclass(frozen=True)
class TranscriptRef:
    """A transcript file and what its place in projects/ says about it."""

    key: str  # path relative to projects/, the protocol's `file`
    path: Path
    session_id: str
    project_dir: str
    main: bool


class FileShrunk(Exception):
    """The file is now shorter than the offset asked for (it was rewritten or truncated)."""


def transcript_ref(projects: Path, path: Path) -> TranscriptRef | None:
    """The TranscriptRef of `path`, or None when it is not a transcript the mesh follows."""
    try:
        rel = path.relative_to(projects)
    except ValueError:
        return None
    parts = rel.parts
    if not parts or not parts[-1].endswith(".jsonl"):
        return None
    key = rel.as_posix()
    if len(key) > _FILE_KEY_MAX or not _key_ok(key):
        return None
    if len(parts) == 2:
        session_id, main = parts[1][: -len(".jsonl")], True
    elif len(parts) == 4 and parts[2] == "subagents":
        session_id, main = parts[1], False
    else:
        return None
    if not is_valid_session_id(session_id):
        return None
    return TranscriptRef(key=key, path=path, session_id=session_id, project_dir=parts[0], main=main)


def _key_ok(key: str) -> bool:
    parts_ok = all(part not in ("", ".", "..") for part in key.split("/"))
    return parts_ok and bool(_FILE_KEY_RE.fullmatch(key))


def discover(projects: Path) -> list[TranscriptRef]:
    """Every transcript under projects/, main transcripts before their subagents."""
    refs: list[TranscriptRef] = []
    if not projects.is_dir():
        return refs
    for pattern in ("*/*.jsonl", "*/*/subagents/*.jsonl"):
        for path in sorted(projects.glob(pattern)):
            ref = transcript_ref(projects, path)
            if ref is not None and path.is_file():
                refs.append(ref)
    return refs


def file_size(path: Path) -> int:
    """Size of `path` in bytes, 0 when it vanished."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def read_lines(
    path: Path,
    start: int,
    *,
    max_bytes: int = 4 * 1024 * 1024,
    chunk: int = CHUNK_BYTES,
    max_line: int = MAX_LINE_BYTES,
) -> Generator[Line, None, None]:
    """Complete lines from byte `start`, reading about `max_bytes` (always at least one line)."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if start > size:
            raise FileShrunk(f"{path} has {size} bytes, less than offset {start}")
        handle.seek(start)
        pos = start  # absolute offset of the next byte to read
        pending = bytearray()  # start of a line whose newline has not been read yet
        skipping = False  # inside a line longer than max_line
        read = 0
        produced = False
        while read < max_bytes or not produced:
            data = handle.read(chunk)
            if not data:
                return  # EOF: an incomplete last line stays unread
            read += len(data)
            begin = 0
            while True:
                newline = data.find(b"\n", begin)
                if newline < 0:
                    if not skipping:
                        pending += data[begin:]
                        if len(pending) > max_line:
                            pending.clear()
                            skipping = True
                    break
                end = pos + newline + 1
                if skipping:
                    skipping = False
                    yield Line(None, end)
                elif pending:  # handed over as is, not copied: a long line is held once
                    pending += data[begin:newline]
                    yield Line(pending, end)
                    pending = bytearray()
                else:
                    yield Line(data[begin:newline], end)
                produced = True
                begin = newline + 1
            pos += len(data)


def line_start(path: Path, pos: int, *, chunk: int = CHUNK_BYTES) -> int | None:
    """The first line start at or after byte `pos` that a complete line follows (`pos` itself
    when a line starts there); None when there is none. Holds one chunk, whatever the lines."""
    if pos <= 0:
        return 0
    with open(path, "rb") as handle:
        handle.seek(pos - 1)
        at = pos - 1
        while data := handle.read(chunk):
            newline = data.find(b"\n")
            if newline >= 0:
                start = at + newline + 1
                rest = data[newline + 1 :]
                if b"\n" in rest:
                    return start
                while more := handle.read(chunk):  # is the line that starts there complete?
                    if b"\n" in more:
                        return start
                return None
            at += len(data)
    return None


def line_start_before(path: Path, pos: int, *, chunk: int = 64 * 1024) -> int:
    """The last line start at or before byte `pos` (0 when no newline precedes it), reading
    backwards one chunk at a time, whatever the lines."""
    with open(path, "rb") as handle:
        end = pos
        while end > 0:
            begin = max(0, end - chunk)
            handle.seek(begin)
            newline = handle.read(end - begin).rfind(b"\n")
            if newline >= 0:
                return begin + newline + 1
            end = begin
    return 0
