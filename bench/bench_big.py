"""A big new transcript end to end: time to its newest page, history rate, agent RSS, vs orjson.

    uv run --with orjson python bench/bench_big.py [--size-mb 300]

A generated transcript of mixed line sizes (most of a few KB, some tool results and attachments
up to 200 KB, about 29 000 lines for 300 MB) is moved into a watched projects/ folder of a
running `mesh-agent` connected to the real hub (`solo-brain serve mesh`, throwaway embedded
Postgres). Measured from the rename (the file appearing): when
`/api/sessions/{id}/messages` first shows the file's newest message, and when the hub has
committed the whole file (its offset reaches the file size and no history is missing: the
agent sends a big new file tail first); the agent's peak RSS (VmHWM); the CPU seconds of the
agent, the hub and Postgres meanwhile; how much smaller the history runs are than the lines they
hold (zstd: what a PC behind NAT uploads and what the hub stores).
In the same run, orjson parses every line of the same file: the floor of any JSON reader.
Printed, never asserted.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_mesh_agent import _text  # noqa: E402

from tests.support.mesh_stack import Hub, Machine, create_token  # noqa: E402
from tests.support.transcripts import encoded  # noqa: E402

SID = "00000000-0000-4000-8000-0000000b1600"
CWD = "/home/moi/Projets clients/bench gros"


def _size(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.60:
        return rng.randint(300, 3000)
    if r < 0.92:
        return rng.randint(3000, 20000)
    if r < 0.98:
        return rng.randint(20000, 100000)
    return rng.randint(100000, 200000)


def _record(rng: random.Random, n: int) -> dict[str, object]:
    size = _size(rng)
    base: dict[str, object] = {
        "parentUuid": f"big-{n - 1}" if n else None,
        "isSidechain": False,
        "uuid": f"big-{n}",
        "timestamp": f"2026-05-14T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        "cwd": CWD,
        "sessionId": SID,
        "version": "2.1.330",
        "gitBranch": "main",
    }
    kind = rng.random()
    if size > 20000 and kind < 0.5:
        content = [{"type": "tool_result", "tool_use_id": f"t{n}", "content": _text(rng, size)}]
        return {**base, "type": "user", "message": {"role": "user", "content": content}}
    if size > 20000:
        return {**base, "type": "attachment", "attachment": {"text": _text(rng, size)}}
    if kind < 0.1:
        return {**base, "type": "user", "message": {"role": "user", "content": _text(rng, size)}}
    blocks = [{"type": "text", "text": _text(rng, size)}]
    return {**base, "type": "assistant", "message": {"id": f"m{n}", "content": blocks}}


def generate(path: Path, size_mb: int) -> tuple[int, int]:
    """Write the transcript; return its size and line count."""
    rng = random.Random(7)
    target = size_mb * 1_000_000
    written = lines = 0
    with open(path, "wb") as handle:
        while written < target:
            line = json.dumps(_record(rng, lines), ensure_ascii=False).encode() + b"\n"
            handle.write(line)
            written += len(line)
            lines += 1
    return written, lines


def orjson_seconds(path: Path) -> float:
    """Seconds orjson takes to parse every line of the file (read included)."""
    import orjson

    started = time.perf_counter()
    with open(path, "rb") as handle:
        for line in handle:
            orjson.loads(line)
    return time.perf_counter() - started


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int, children: bool = False) -> float:
    """CPU seconds of a process (with its reaped children's when `children`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_s(data_dir: Path) -> float:
    """CPU seconds of the postmaster and every backend (live or reaped)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    total = _cpu_s(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                total += _cpu_s(int(entry.name))
    return total


def run(scratch: Path, size_mb: int) -> None:
    """Generate, start the stack, drop the file in, measure."""
    from solo_brain.db import apply_migrations
    from solo_brain.db.embedded import start_embedded

    staged = scratch / "staged.jsonl"
    size, lines = generate(staged, size_mb)
    print(f"transcript: {size / 1e6:.0f} MB, {lines} lines")
    try:
        floor = orjson_seconds(staged)
    except ImportError:
        floor = float("nan")
        print("orjson is not installed: run with `uv run --with orjson`")
    url = start_embedded(scratch / "pg", cleanup_mode="delete")
    apply_migrations(url)
    hub = Hub(url, scratch, MESH_HEARTBEAT_S="20")
    hub.start()
    machine = Machine(scratch / "machine", "bench", "http://127.0.0.1:9")
    folder = machine.projects / encoded(Path(CWD))
    folder.mkdir(parents=True)
    try:
        full = create_token(url, "full")
        machine.write_config(heartbeat_s=20)
        machine.start_agent(hub.url, create_token(url, "agent"))
        auth = {"Authorization": f"Bearer {full}"}
        deadline = time.monotonic() + 30
        while not any(a["online"] for a in httpx.get(f"{hub.url}/api/agents", headers=auth).json()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the agent did not connect ({machine.log})")
            time.sleep(0.1)
        newest = f"big-{lines - 1}"
        assert machine.proc is not None and hub.proc is not None
        cpu_before = (
            _cpu_s(machine.proc.pid),
            _cpu_s(hub.proc.pid),
            _postgres_cpu_s(scratch / "pg"),
        )
        started = time.perf_counter()
        os.rename(staged, folder / f"{SID}.jsonl")
        first = whole = None
        with psycopg.connect(url, autocommit=True) as conn, httpx.Client() as client:
            while whole is None and time.perf_counter() - started < 600:
                now = time.perf_counter() - started
                if first is None:
                    page = client.get(
                        f"{hub.url}/api/sessions/{SID}/messages", headers=auth, params={"limit": 20}
                    )
                    if page.status_code == 200 and any(
                        m["uuid"] == newest for m in page.json()["messages"]
                    ):
                        first = now
                row = conn.execute(
                    'SELECT "offset", history_end FROM assistant.mesh_offsets '
                    "WHERE session_id = %s",
                    (SID,),
                ).fetchone()
                if row is not None and row[0] >= size and row[1] is None:
                    whole = now
                    first = first if first is not None else now
                time.sleep(0.02)
        rss = _peak_rss_mib(machine.proc.pid)
        with psycopg.connect(url, autocommit=True) as conn:
            packed = conn.execute(
                "SELECT coalesce(sum(end_offset - start_offset), 0)::float8, "
                "coalesce(sum(octet_length(data)), 0)::float8, count(*) "
                "FROM assistant.transcript_runs"
            ).fetchone()
        cpu = [
            after - before
            for before, after in zip(
                cpu_before,
                (_cpu_s(machine.proc.pid), _cpu_s(hub.proc.pid), _postgres_cpu_s(scratch / "pg")),
                strict=True,
            )
        ]
    finally:
        machine.kill_agent()
        hub.stop()
    if whole is None or first is None:
        print("the hub did not get the whole file within 600 s")
        return
    rate = size / 1e6 / whole
    floor_rate = size / 1e6 / floor
    print(f"orjson parses every line   {floor:6.2f} s  {floor_rate:6.0f} MB/s")
    print(f"newest page readable after {first:6.2f} s")
    print(
        f"whole history committed    {whole:6.2f} s  {rate:6.1f} MB/s  "
        f"({rate / floor_rate:.1%} of orjson's rate)"
    )
    print(f"agent peak RSS             {rss:6.0f} MiB")
    print(f"CPU seconds meanwhile      agent {cpu[0]:.2f}, hub {cpu[1]:.2f}, Postgres {cpu[2]:.2f}")
    if packed and packed[1]:
        print(
            f"history runs               {packed[2]} runs, {packed[0] / 1e6:.0f} MB of lines "
            f"in {packed[1] / 1e6:.1f} MB (zstd: {packed[0] / packed[1]:.1f}x smaller)"
        )
    print(f"load average               {os.getloadavg()[0]:.1f} (1 min, at the end)")


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-big-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    run(scratch, args.size_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
