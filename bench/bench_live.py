"""Live latency: a line appended to a transcript → SSE client, against a bare inotify watcher.

    uv run python bench/bench_live.py [--events 300] [--gap-ms 20] [--burst 1] [--trace]
                                      [--backfill MB]

The real `mesh-agent run` process and the real hub (`solo-brain serve mesh`, throwaway embedded
Postgres). For every appended line, in the same run and the same event loop as the SSE client,
a bare inotify watcher on the transcript's folder notes when the kernel woke it: the floor any
watcher can reach. Printed per line: p50/p99 (and max) of the SSE latency, of the inotify
wake, and their differences. Printed, never asserted. With --trace the agent and the hub record
when each line passed each stage (MESH_TRACE, mesh_protocol/trace.py) and the table gets one
row per stage.
With --backfill MB a transcript of that size appears in another session just before the first
line: the lines are measured while the agent sends it (its tail, then its history).

Before/after under the same load: run two at once, one of them with
PYTHONPATH=<old>/python-services/src:<old>/mesh-agent/src:<old>/mesh-protocol/src (the sources
of another revision, e.g. from `git archive`): its hub and agent then run that code.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mesh_agent.inotify import TreeWatch  # noqa: E402
from tests.support.mesh_stack import Hub, Machine, create_token  # noqa: E402
from tests.support.transcripts import encoded, transcript_line  # noqa: E402

SID = "00000000-0000-4000-8000-00000001ae27"
BIG_SID = "b16b16b1-0000-4000-8000-000000000b16"  # its uuids differ from SID's
CWD = "/home/moi/Projets clients/bench live"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)]


def _append(path: Path, line: bytes) -> float:
    """Append `line`; return the perf_counter just before the write."""
    with open(path, "ab") as handle:
        started = time.perf_counter()
        handle.write(line)
    return started


async def _measure(hub_url: str, token: str, path: Path, count: int, gap: float) -> dict[str, list]:
    """Append `count` lines; for each, when inotify woke a bare watcher and when SSE had it."""
    loop = asyncio.get_running_loop()
    watch = TreeWatch(path.parent, lambda name: name == path.name)
    woke: list[float] = []
    loop.add_reader(watch.fd, lambda: woke.append(time.perf_counter()) or watch.changed())
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, list] = {"sse": [], "inotify": [], "stamps": []}
    try:
        async with httpx.AsyncClient(base_url=hub_url, headers=headers, timeout=30) as client:
            async with client.stream("GET", f"/api/sessions/{SID}/stream") as stream:
                lines = stream.aiter_lines()
                await anext(lines)  # the stream's first bytes: subscribed
                for n in range(1, count + 1):
                    line = transcript_line(SID, CWD, n)
                    uuid = json.loads(line)["uuid"]
                    woke.clear()
                    started = _append(path, line)
                    async for text in lines:
                        if text.startswith("data:") and json.loads(text[5:]).get("uuid") == uuid:
                            read = time.perf_counter()
                            out["sse"].append((read - started) * 1000)
                            break
                    if woke:
                        out["inotify"].append((woke[0] - started) * 1000)
                        out["stamps"].append((uuid, started, woke[0], read))
                    await asyncio.sleep(gap)
    finally:
        loop.remove_reader(watch.fd)
        watch.close()
    return out


async def _measure_bursts(
    hub_url: str, token: str, path: Path, rounds: int, burst: int, gap: float
) -> dict[str, list]:
    """Append `rounds` bursts of `burst` lines 1 ms apart (Claude Code writes a turn's lines
    so); for each line, when inotify woke a bare watcher after its write and when SSE had it."""
    loop = asyncio.get_running_loop()
    watch = TreeWatch(path.parent, lambda name: name == path.name)
    woke: list[float] = []
    loop.add_reader(watch.fd, lambda: woke.append(time.perf_counter()) or watch.changed())
    started: dict[str, float] = {}
    read: dict[str, float] = {}
    total = rounds * burst
    all_read = asyncio.Event()
    headers = {"Authorization": f"Bearer {token}"}

    async def reader(lines: AsyncIterator[str]) -> None:
        async for text in lines:
            if text.startswith("data:"):
                uuid = json.loads(text[5:]).get("uuid")
                if uuid in started:
                    read[uuid] = time.perf_counter()
                    if len(read) == total:
                        all_read.set()

    try:
        async with httpx.AsyncClient(base_url=hub_url, headers=headers, timeout=30) as client:
            async with client.stream("GET", f"/api/sessions/{SID}/stream") as stream:
                lines = stream.aiter_lines()
                await anext(lines)  # the stream's first bytes: subscribed
                reading = asyncio.create_task(reader(lines))
                for n in range(total):
                    line = transcript_line(SID, CWD, n + 1)
                    started[json.loads(line)["uuid"]] = _append(path, line)
                    await asyncio.sleep(0.001 if (n + 1) % burst else gap)
                try:
                    await asyncio.wait_for(all_read.wait(), 30)
                finally:
                    reading.cancel()
    finally:
        loop.remove_reader(watch.fd)
        watch.close()
    out: dict[str, list] = {"sse": [], "inotify": [], "stamps": []}
    for uuid, at in started.items():
        wake = next((w for w in woke if w >= at), None)
        if uuid in read and wake is not None:
            out["sse"].append((read[uuid] - at) * 1000)
            out["inotify"].append((wake - at) * 1000)
            out["stamps"].append((uuid, at, wake, read[uuid]))
    return out


STAGES = [
    "agent.read",
    "agent.sent",
    "hub.received",
    "hub.handled",
    "hub.inserted",
    "hub.committed",
    "hub.sse",
]


def stage_table(trace_file: Path, stamps: list[tuple[str, float, float, float]]) -> list[str]:
    """Rows `stage  p50  p99`: the time from the previous stage a line passed to this one
    (a stage the running code does not record, e.g. an older revision's, is left out)."""
    at: dict[str, dict[str, float]] = {}
    for row in trace_file.read_text().splitlines():
        stage, uuid, clock = row.split()
        at.setdefault(uuid, {}).setdefault(stage, float(clock))
    recorded = {stage for stages in at.values() for stage in stages}
    names = ["inotify wake (bare)", *(s for s in STAGES if s in recorded), "client read"]
    deltas: dict[str, list[float]] = {name: [] for name in names}
    for uuid, written, woke, read in stamps:
        stages = at.get(uuid, {})
        times = [woke, *(stages.get(s) for s in names[1:-1]), read]
        if None in times:
            continue
        previous = written
        for name, clock in zip(names, times, strict=True):
            assert clock is not None
            deltas[name].append((clock - previous) * 1000)
            previous = clock if name != "inotify wake (bare)" else written
    rows = [f"per stage, from the previous one (ms; {len(deltas['client read'])} lines traced)"]
    for name, values in deltas.items():
        if values:
            rows.append(f"  {name:26} {statistics.median(values):7.2f} {_pct(values, 0.99):7.2f}")
    return rows


def _backfill(folder: Path, size_mb: int) -> None:
    """Make a transcript of about `size_mb` MB appear at once in `folder` (another session):
    written aside, then renamed in, as a copied transcript arrives."""
    aside = folder / f"{BIG_SID}.partial"
    with open(aside, "wb") as handle:
        for n in range(size_mb * 1_000_000 // 5_000):
            handle.write(transcript_line(BIG_SID, CWD, n, f"historique {n} " + "é" * 2_400))
    aside.rename(folder / f"{BIG_SID}.jsonl")


def run(
    scratch: Path,
    count: int,
    gap: float,
    trace: Path | None = None,
    burst: int = 1,
    backfill_mb: int = 0,
) -> dict[str, list]:
    """Start Postgres, the hub and an agent; measure; stop them all."""
    from solo_brain.db import apply_migrations
    from solo_brain.db.embedded import start_embedded

    url = start_embedded(scratch / "pg", cleanup_mode="delete")
    apply_migrations(url)
    traced = {"MESH_TRACE": str(trace)} if trace is not None else {}
    if os.environ.get("PYTHONPATH"):  # the hub and the agent run from another checkout's code
        traced["PYTHONPATH"] = os.environ["PYTHONPATH"]
    hub = Hub(url, scratch, MESH_HEARTBEAT_S="20", **traced)
    hub.start()
    machine = Machine(scratch / "machine", "bench", "http://127.0.0.1:9")
    machine.env.update(traced)
    path = machine.projects / encoded(Path(CWD)) / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(transcript_line(SID, CWD, 0))
    try:
        full = create_token(url, "full")
        machine.write_config(heartbeat_s=20, live_window_s=1)
        machine.start_agent(hub.url, create_token(url, "agent"))
        deadline = time.monotonic() + 30
        auth = {"Authorization": f"Bearer {full}"}
        while httpx.get(f"{hub.url}/api/sessions/{SID}/messages", headers=auth).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the agent did not register the session ({machine.log})")
            time.sleep(0.1)
        if backfill_mb:
            _backfill(path.parent, backfill_mb)
        if burst > 1:
            rounds = max(1, count // burst)
            return asyncio.run(_measure_bursts(hub.url, full, path, rounds, burst, gap))
        return asyncio.run(_measure(hub.url, full, path, count, gap))
    finally:
        machine.kill_agent()
        hub.stop()


def main() -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--gap-ms", type=float, default=20.0, help="pause between two lines")
    parser.add_argument("--burst", type=int, default=1, help="lines per burst, 1 ms apart")
    parser.add_argument("--trace", action="store_true", help="time every stage (MESH_TRACE)")
    parser.add_argument("--backfill", type=int, default=0, help="MB sent meanwhile")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-live-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    trace = scratch / "trace.txt" if args.trace else None
    r = run(scratch, args.events, args.gap_ms / 1000, trace, args.burst, args.backfill)
    sse, ino = r["sse"], r["inotify"]
    every = f"in bursts of {args.burst} (1 ms apart), " if args.burst > 1 else ""
    during = f", during a {args.backfill} MB backfill" if args.backfill else ""
    print(f"{len(sse)} lines appended {every}{args.gap_ms:.0f} ms apart{during}; latencies in ms")
    print(f"{'':28} {'p50':>7} {'p99':>7} {'max':>7}")
    for name, values in (("bare inotify watcher wakes", ino), ("SSE client has the message", sse)):
        p50, p99 = statistics.median(values), _pct(values, 0.99)
        print(f"{name:28} {p50:7.2f} {p99:7.2f} {max(values):7.2f}")
    print(
        f"{'SSE minus inotify':28} {statistics.median(sse) - statistics.median(ino):7.2f} "
        f"{_pct(sse, 0.99) - _pct(ino, 0.99):7.2f}"
    )
    print(f"ratio SSE / inotify (p50): {statistics.median(sse) / statistics.median(ino):.0f}×")
    if trace is not None:
        print("\n".join(stage_table(trace, r["stamps"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
