"""Linux inotify on the asyncio loop: a folder tree's changed files, the moment they change.

watchfiles polls its Rust watcher every `step` ms and waits for the changes to settle before it
reports them, which costs 15-25 ms per appended line; here the kernel's queue is read as soon
as the event loop sees it readable (about 0.1 ms after the write), with nothing polling while
nothing changes. Every directory of the tree gets a watch (new ones as they appear, their files
reported at once since they may have been written before the watch existed). A queue overflow
reports every file of the tree. Outside Linux, or when the kernel refuses, `open_tree` raises
`InotifyUnavailable` and the caller falls back to watchfiles.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import errno
import os
import struct
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

IN_MODIFY = 0x00000002
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE_SELF = 0x00000400
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
_MASK = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF
_EVENT = struct.Struct("iIII")
_READ_BYTES = 256 * 1024


class InotifyUnavailable(OSError):
    """The kernel offers no inotify here (not Linux, or out of instances or watches)."""


def _libc() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise InotifyUnavailable("inotify exists on Linux only")
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def parse_events(buffer: bytes) -> list[tuple[int, int, str]]:
    """The (watch descriptor, mask, name) of each inotify_event in a buffer read from the fd."""
    events: list[tuple[int, int, str]] = []
    pos = 0
    while pos + _EVENT.size <= len(buffer):
        wd, mask, _cookie, length = _EVENT.unpack_from(buffer, pos)
        raw = buffer[pos + _EVENT.size : pos + _EVENT.size + length]
        events.append((wd, mask, os.fsdecode(raw.rstrip(b"\0"))))
        pos += _EVENT.size + length
    return events


class TreeWatch:
    """Watches on every directory under `root`; `changed()` turns queued events into paths."""

    def __init__(self, root: Path, wanted: Callable[[str], bool]) -> None:
        self.root = root
        self.wanted = wanted
        self._libc = _libc()
        self.fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise InotifyUnavailable(ctypes.get_errno(), "inotify_init1 failed")
        self.dirs: dict[int, Path] = {}
        try:
            self._add_tree(root)
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        """Drop every watch."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _add_tree(self, top: Path) -> list[Path]:
        """Watch `top` and every directory below it; return the wanted files found there."""
        found: list[Path] = []
        stack = [top]
        while stack:
            folder = stack.pop()
            wd = self._libc.inotify_add_watch(self.fd, os.fsencode(folder), _MASK)
            if wd < 0:
                code = ctypes.get_errno()
                if code in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
                    continue  # gone already, or not ours to read
                raise InotifyUnavailable(code, f"inotify_add_watch {folder}: {os.strerror(code)}")
            self.dirs[wd] = folder
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif self.wanted(entry.name):
                    found.append(Path(entry.path))
        return found

    def changed(self) -> set[Path]:
        """Read every queued event; return the wanted files that changed (empty when none)."""
        paths: set[Path] = set()
        while True:
            try:
                buffer = os.read(self.fd, _READ_BYTES)
            except BlockingIOError:
                return paths
            for wd, mask, name in parse_events(buffer):
                if mask & IN_Q_OVERFLOW:
                    paths.update(self._add_tree(self.root))  # lost events: report everything
                    continue
                if mask & IN_IGNORED:
                    self.dirs.pop(wd, None)
                    continue
                folder = self.dirs.get(wd)
                if folder is None or not name:
                    continue
                path = folder / name
                if mask & IN_ISDIR:
                    if mask & (IN_CREATE | IN_MOVED_TO):
                        paths.update(self._add_tree(path))
                elif self.wanted(name):
                    paths.add(path)


async def watch_tree(root: Path, wanted: Callable[[str], bool]) -> AsyncIterator[set[Path]]:
    """Yield the wanted files under `root` that changed, as soon as the kernel says so."""
    watch = TreeWatch(root, wanted)
    ready = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(watch.fd, ready.set)
    try:
        while True:
            await ready.wait()
            ready.clear()
            paths = watch.changed()
            if paths:
                yield paths
    finally:
        loop.remove_reader(watch.fd)
        watch.close()
