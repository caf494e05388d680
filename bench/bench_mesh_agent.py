"""mesh-agent benchmarks: cold index of a huge transcript, one appended line, end-to-end latency.

    uv run python bench/bench_mesh_agent.py [--size-mb 600] [--latency-events 200] [--no-hub]

- cold index: a generated transcript of realistic line types (prompts, text and tool-use blocks,
  large tool results, attachments, api-request blobs, bookkeeping lines) is read from offset 0
  to its end exactly as the agent does it (read, parse, normalise, fold metadata, build and
  serialise frames), in a fresh process: MB/s, messages, peak RSS (and the RSS before indexing);
- incremental: one line appended to that file, then `Index.advance`: p50/p99;
- latency: the real `mesh-agent run` process and the real hub (`solo-brain serve mesh`, on a
  throwaway embedded Postgres); a line appended to a watched transcript → SSE client: p50/p99.
Printed, never asserted.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mesh_agent.index import Index  # noqa: E402
from mesh_protocol import dump_frame  # noqa: E402
from tests.support.transcripts import encoded, transcript_line  # noqa: E402

SID = "00000000-0000-4000-8000-0000000a6e27"
CWD = "/home/moi/Projets clients/bench agent"
WORDS = "le la les un une des code test fichier fonction erreur build image caméra NPU".split()


def _text(rng: random.Random, size: int) -> str:
    out: list[str] = []
    length = 0
    while length < size:
        out.append(rng.choice(WORDS))
        length += len(out[-1]) + 1
    return " ".join(out)


def _line(rng: random.Random, n: int) -> dict[str, object]:
    base = {
        "parentUuid": f"u-{n - 1}",
        "isSidechain": False,
        "uuid": f"u-{n}",
        "timestamp": f"2026-05-14T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        "cwd": CWD,
        "sessionId": SID,
        "version": "2.1.330",
        "gitBranch": "main",
        "userType": "external",
    }
    kind = rng.random()
    if kind < 0.05:
        return {**base, "type": "user", "message": {"role": "user", "content": _text(rng, 300)}}
    if kind < 0.40:
        content = [{"type": "text", "text": _text(rng, rng.randint(200, 2000))}]
        return {**base, "type": "assistant", "message": {"id": f"msg_{n}", "content": content}}
    if kind < 0.55:
        use = {
            "type": "tool_use",
            "id": f"toolu_{n}",
            "name": "Edit",
            "input": {
                "file_path": "/src/main.c",
                "old_string": _text(rng, 400),
                "new_string": _text(rng, 500),
            },
        }
        return {**base, "type": "assistant", "message": {"id": f"msg_{n}", "content": [use]}}
    if kind < 0.70:
        result = {
            "type": "tool_result",
            "tool_use_id": f"toolu_{n - 1}",
            "content": _text(rng, rng.randint(2000, 20000)),
            "is_error": False,
        }
        return {
            **base,
            "type": "user",
            "message": {"role": "user", "content": [result]},
            "toolUseResult": {"stdout": "", "stderr": ""},
        }
    if kind < 0.95:
        return {
            **base,
            "type": "attachment",
            "attachment": {"type": "prompt_snapshot", "systemPrompt": [_text(rng, 8000)]},
        }
    if kind < 0.98:
        blob = {"role": "user", "content": [{"type": "text", "text": _text(rng, 30000)}]}
        return {"type": "api-request-blob", "sessionId": SID, "hash": str(n), "message": blob}
    return {"type": "queue-operation", "operation": "enqueue", "sessionId": SID}


def generate(path: Path, size_mb: int) -> int:
    """Write a transcript of about `size_mb` MB; return its size in bytes."""
    rng = random.Random(42)
    path.parent.mkdir(parents=True, exist_ok=True)
    templates = [json.dumps(_line(rng, n), ensure_ascii=False) for n in range(2000)]
    target = size_mb * 1_000_000
    written = 0
    with open(path, "w") as handle:
        n = 0
        while written < target:
            line = templates[n % len(templates)].replace('"u-', f'"{n // 2000}-u-') + "\n"
            handle.write(line)
            written += len(line.encode())
            n += 1
    return path.stat().st_size


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cold_index(projects: Path, appends: int) -> dict[str, float]:
    """Index every transcript under `projects` from zero, then time single-line appends."""
    before = _rss_kb()
    index = Index(projects)
    [cursor] = index.discover()
    started = time.perf_counter()
    messages = frames = 0
    while True:
        step = index.advance(cursor)
        if step.batch is None:
            break
        messages += len(step.batch.messages)
        frames += 1
        dump_frame(step.batch)
        cursor.acked = cursor.sent
    seconds = time.perf_counter() - started
    size = cursor.ref.path.stat().st_size
    times = []
    for n in range(appends):
        _append(cursor.ref.path, transcript_line(SID, CWD, 10_000_000 + n))
        started = time.perf_counter()
        step = index.advance(cursor)
        times.append((time.perf_counter() - started) * 1e6)
        assert step.batch is not None and len(step.batch.messages) == 1
    return {
        "seconds": seconds,
        "bytes": size,
        "messages": messages,
        "frames": frames,
        "rss_before_kb": before,
        "rss_peak_kb": _rss_kb(),
        "append_p50_us": statistics.median(times),
        "append_p99_us": sorted(times)[int(len(times) * 0.99) - 1],
    }


def bench_cold(scratch: Path, size_mb: int) -> None:
    """Generate the file, then index it in a fresh process (so that peak RSS is its own)."""
    projects = scratch / "claude" / "projects"
    path = projects / encoded(Path(CWD)) / f"{SID}.jsonl"
    started = time.perf_counter()
    size = generate(path, size_mb)
    print(f"generated {size / 1e6:.0f} MB transcript in {time.perf_counter() - started:.1f} s")
    code = f"import json,sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import bench_mesh_agent as b; print(json.dumps(b.cold_index(__import__('pathlib').Path({str(projects)!r}), 200)))"  # noqa: E501
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"cold index     {r['bytes'] / 1e6:7.0f} MB  {r['seconds']:6.1f} s  "
        f"{r['bytes'] / 1e6 / r['seconds']:6.1f} MB/s  {r['messages']:>7} messages  "
        f"{r['frames']:>5} frames  peak RSS {r['rss_peak_kb'] / 1024:5.0f} MiB "
        f"(before indexing {r['rss_before_kb'] / 1024:.0f} MiB)"
    )
    print(
        f"append 1 line  p50 {r['append_p50_us']:7.0f} µs  p99 {r['append_p99_us']:7.0f} µs"
        f"  (on the {r['bytes'] / 1e6:.0f} MB file, 200 appends)"
    )


def _append(path: Path, line: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(line)


def bench_latency(scratch: Path, count: int) -> None:
    """The real agent process and hub: appended line → SSE event (bench_live.py's run)."""
    from bench_live import run

    times = run(scratch, count, 0.02)["sse"]
    print(
        f"agent→hub→SSE  p50 {statistics.median(times):6.1f} ms  "
        f"p99 {sorted(times)[int(len(times) * 0.99) - 1]:6.1f} ms  ({len(times)} lines, "
        "file watching included)"
    )


def main() -> int:
    """Run the benchmarks and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=600)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--no-hub", action="store_true", help="skip the latency benchmark")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-mesh-agent-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ.pop("CLAUDE_CONFIG_DIR", None)
    bench_cold(scratch, args.size_mb)
    if not args.no_hub:
        bench_latency(scratch, args.latency_events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
