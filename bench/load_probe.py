"""Where a burst waits: CPU of n8n and Postgres from /proc, Postgres sessions from
pg_stat_activity, sampled on a thread while bench_load.py sends its captures."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TICK = os.sysconf("SC_CLK_TCK")
ACTIVITY = """
    SELECT state, COALESCE(wait_event, 'cpu') AS wait, left(query, 40) AS query
      FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def _processes() -> Iterator[tuple[int, list[str]]]:
    """Every live process: its pid and the fields of its /proc stat after the command name."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) of every live process of process group `pgid`."""
    ticks = sum(int(f[11]) + int(f[12]) for _, f in _processes() if int(f[2]) == pgid)
    return ticks / TICK


def tree_cpu_s(root: int) -> float:
    """CPU seconds of process `root` and its children (the postmaster and its backends)."""
    ticks = sum(int(f[11]) + int(f[12]) for pid, f in _processes() if root in (pid, int(f[1])))
    return ticks / TICK


@dataclass
class Probe:
    """Samples every `every` seconds until stopped; the summary says where the time went."""

    dsn: str
    n8n_pgid: int
    postmaster: int
    every: float = 0.25
    samples: int = 0
    peak_sessions: int = 0
    states: Counter[str] = field(default_factory=Counter)
    queries: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def start(self) -> None:
        """Note the CPU counters and start sampling."""
        self._cpu = (group_cpu_s(self.n8n_pgid), tree_cpu_s(self.postmaster), time.monotonic())
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.wait(self.every):
                rows = conn.execute(ACTIVITY).fetchall()
                self.samples += 1
                self.peak_sessions = max(self.peak_sessions, len(rows))
                for state, wait, query in rows:
                    self.states[f"{state}/{wait}"] += 1
                    if state == "active":
                        self.queries[" ".join(query.split())] += 1

    def stop(self, captures: int) -> str:
        """Stop sampling; a few lines on CPU per capture and what the Postgres sessions did."""
        n8n0, pg0, t0 = self._cpu
        n8n_s, pg_s = group_cpu_s(self.n8n_pgid) - n8n0, tree_cpu_s(self.postmaster) - pg0
        wall = time.monotonic() - t0
        self._stop.set()
        if self._thread:
            self._thread.join()
        per = max(self.samples, 1)
        states = ", ".join(f"{k} {v / per:.1f}" for k, v in self.states.most_common(5))
        queries = "; ".join(f"{q!r} {v / per:.1f}" for q, v in self.queries.most_common(3))
        return (
            f"  n8n CPU {n8n_s:.1f} s ({n8n_s / captures * 1000:.0f} ms a capture, "
            f"{n8n_s / wall * 100:.0f}% of one core), Postgres CPU {pg_s:.1f} s "
            f"({pg_s / wall * 100:.0f}% of one core) over {wall:.1f} s\n"
            f"  Postgres sessions: peak {self.peak_sessions}; mean per state/wait: {states}\n"
            f"  active queries (mean): {queries}"
        )


def postmaster_pid(pgdata: Path) -> int:
    """The embedded Postgres server's pid (first line of postmaster.pid)."""
    return int((pgdata / "postmaster.pid").read_text().split()[0])
