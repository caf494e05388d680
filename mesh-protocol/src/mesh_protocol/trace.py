"""Per-stage latency trace of live transcript lines, for `bench/bench_live.py`; off by default.

When the environment variable MESH_TRACE names a file, the agent and the hub append one line
per stage a message passes: `<stage> <uuid> <clock>`, the clock being `time.perf_counter()`
(CLOCK_MONOTONIC on Linux: one clock for every process of the machine, so stages of different
processes subtract). Unset, `trace` returns at once and writes nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

_PATH = os.environ.get("MESH_TRACE") or None
_fd: int | None = None


def enabled() -> bool:
    """Whether this process records a trace (MESH_TRACE is set)."""
    return _PATH is not None


def trace(stage: str, uuids: Iterable[str]) -> None:
    """Record that the messages `uuids` reached `stage` now (nothing when tracing is off)."""
    global _fd
    if _PATH is None:
        return
    now = time.perf_counter()
    if _fd is None:
        _fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    lines = "".join(f"{stage} {uuid} {now:.6f}\n" for uuid in uuids)
    if lines:
        os.write(_fd, lines.encode())  # O_APPEND: lines of several processes never interleave
