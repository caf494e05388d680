"""Benchmark captures through the real n8n against the same work done directly, and n8n's floor.

    uv run python bench/bench_n8n.py [--requests 40] [--warmup 5] [--parts] [--rounds 1]

Three ways to file the same capture, in the same run, with zero-latency fakes (Whisper, Ollama,
Kokoro answers are cached by text), the real glue and classify services and a real Postgres:

  floor   a trivial workflow: Webhook -> Respond to Webhook (n8n's own cost per execution)
  n8n     POST /webhook/capture: the capture workflow, which starts capture-process and answers
          once the outcome is told (record, transcribe, classify, file, speech, speak, tell)
  direct  the same service calls and SQL functions made by a Python client, no n8n

Text captures and voice captures (a short WAV) are measured separately. Prints p50 / p95 latency,
captures per second and the ratios; nothing is asserted. --parts adds probe workflows (the floor
plus one kind of step: no-op nodes, a Postgres query, an HTTP hop, a sub-workflow started with or
without waiting, the header check) to price each part. --rounds N interleaves the scenarios: each
round measures every scenario once more, so that a busy moment of the machine hits them all.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solo_brain.db import apply_migrations  # noqa: E402
from solo_brain.db.embedded import start_embedded  # noqa: E402
from solo_brain.n8n.config import WORKFLOWS_DIR  # noqa: E402
from tests.e2e.n8n.stack import CAPTURE_TOKEN, Stack, run_stack  # noqa: E402
from tests.support.audio import tone_wav  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from n8n_probes import SUB, TOKEN_CREDENTIAL, capture_copy, probes  # noqa: E402

NOTE = "Penser à mesurer la consommation du module caméra"
NEVER = "0 0 1 1 *"  # the schedules stay out of the measurement

FLOOR = {
    "id": "sbBenchFloor0001", "name": "bench-floor", "active": False,
    "settings": {"executionOrder": "v1", "saveDataSuccessExecution": "none",
                 "errorWorkflow": "sbErrorHandler00"},
    "nodes": [
        {"id": "c0a8f1d2-0000-4000-8000-000000000001", "name": "Floor webhook",
         "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
         "webhookId": "c0a8f1d2-0000-4000-8000-0000000000aa",
         "parameters": {"httpMethod": "POST", "path": "bench-floor",
                        "responseMode": "responseNode", "options": {}}},
        {"id": "c0a8f1d2-0000-4000-8000-000000000002", "name": "Answer at once",
         "type": "n8n-nodes-base.respondToWebhook", "typeVersion": 1.1, "position": [260, 0],
         "parameters": {"respondWith": "json", "responseBody": "={{ { ok: true } }}",
                        "options": {}}},
    ],
    "connections": {"Floor webhook": {"main": [[{"node": "Answer at once", "type": "main",
                                                 "index": 0}]]}},
}  # fmt: skip


class Direct:
    """The capture path of the workflows, called from Python: the work n8n orchestrates."""

    def __init__(self, stack: Stack) -> None:
        self.http = httpx.Client(timeout=30)
        self.db = psycopg.connect(stack.dsn, autocommit=True, row_factory=dict_row)
        self.glue, self.classify = stack.settings.glue_url, stack.settings.classify_url

    def sql(self, function: str, payload: dict[str, Any]) -> Any:
        """One SQL function call with one jsonb argument, like the Postgres node."""
        return self.db.execute(f"SELECT assistant.{function}(%s::jsonb) AS r",
                               (json.dumps(payload),)).fetchone()["r"]  # fmt: skip

    def capture(self, text: str | None = None, wav: bytes | None = None) -> dict[str, Any]:
        """File one capture; its answer."""
        if wav is not None:
            kept = self.http.post(f"{self.glue}/v1/audio", files={"audio": ("a.wav", wav)}).json()
            cap = self.sql("receive_capture", {"audio_ref": kept["audio_ref"], "mode": "voice"})
            heard = self.http.post(f"{self.glue}/v1/transcribe/{kept['audio_ref']}").json()
            cap = self.sql("record_capture", {**heard, "capture_id": cap["capture_id"]})
            text = heard["transcript"]
        else:
            cap = self.sql("receive_capture", {"text": text, "channel": "api"})
        cap_id = cap["capture_id"]
        result = self.http.post(f"{self.classify}/v1/classify",
                                json={"text": text, "now": cap["created_at"]}).json()  # fmt: skip
        filed = self.sql("file_capture", {"capture_id": cap_id, "result": result,
                                          "long_note_chars": 600})  # fmt: skip
        said = self.http.post(f"{self.classify}/v1/speech", json=filed["speech_request"]).json()
        spoken = self.http.post(f"{self.glue}/v1/speak", json={"text": said["speech"]}).json()
        self.sql("finish_capture", {"capture_id": cap_id, "speech": said["speech"],
                                    "tts_url": spoken["url"]})  # fmt: skip
        return dict(self.sql("await_confirmation", {"capture_id": cap_id})["answer"])


class CpuMeter:
    """CPU time spent by n8n's processes (its main process and its task runners), from /proc.

    On a busy shared machine latencies swell with everyone's load; the CPU n8n spends on a
    request barely moves, so it says where n8n's own time goes.
    """

    def __init__(self, n8n_port: int) -> None:
        mark = f"N8N_PORT={n8n_port}".encode()
        self.pids = {int(p.name) for p in Path("/proc").iterdir()
                     if p.name.isdigit() and mark in _read(p / "environ").split(b"\0")}  # fmt: skip
        self.tick = os.sysconf("SC_CLK_TCK")

    def ms(self) -> float:
        """CPU milliseconds used so far by n8n and its children."""
        ticks = 0
        for pid in self.pids:
            fields = _read(Path(f"/proc/{pid}/stat")).rsplit(b")", 1)[-1].split()
            ticks += int(fields[11]) + int(fields[12]) if len(fields) > 12 else 0
        return ticks * 1000 / self.tick


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def measure(
    call: Callable[[], httpx.Response | dict[str, Any]],
    n: int,
    warmup: int,
    cpu: CpuMeter | None = None,
    spent: list[float] | None = None,
) -> list[float]:
    """Latencies in ms of `n` sequential calls after `warmup` unmeasured ones (n8n's CPU ms
    per call appended to `spent`)."""
    for _ in range(warmup):
        call()
    before = cpu.ms() if cpu else 0.0
    times = []
    for _ in range(n):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
        if isinstance(answer, httpx.Response) and answer.status_code != 200:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
    if cpu and spent is not None:
        spent.append((cpu.ms() - before) / n)
    return times


def row(name: str, times: list[float]) -> tuple[str, float, float, float]:
    """(name, p50, p95, per second) of one scenario."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return name, statistics.median(ordered), p95, 1000 * len(times) / sum(times)


def main() -> None:
    """Run the three scenarios and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--parts", action="store_true", help="also price each part of n8n")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds")
    parser.add_argument("--against", metavar="REF", help="also the capture workflows of git REF")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-n8n-"))
    workflows = tmp / "workflows"
    shutil.copytree(WORKFLOWS_DIR, workflows)
    (workflows / "bench-floor.json").write_text(json.dumps(FLOOR))
    # n8n's header auth, for the probe and for captures of a git REF from before classify
    # checked the capture token (n8n no longer ships this credential).
    (workflows / "credentials" / "capture-webhook.json").write_text(json.dumps(TOKEN_CREDENTIAL))
    extra = probes({"id": "sbPostgres000001", "name": "Solo Brain Postgres"}) if args.parts else {}
    if extra:
        (workflows / "bench-probe-sub.json").write_text(json.dumps(SUB))
    for workflow in extra.values():
        (workflows / f"{workflow['name']}.json").write_text(json.dumps(workflow))
    copies = capture_copy(None, "capture-no-token", auth=False) if args.parts else []
    if args.against:
        copies += capture_copy(args.against, "capture-before")
    for workflow in copies:
        (workflows / f"{workflow['id']}.json").write_text(json.dumps(workflow))
    server = start_embedded(tmp / "pg", cleanup_mode="delete")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = make_conninfo(**{**conninfo_to_dict(server), "dbname": name})
    apply_migrations(dsn)
    wav = tone_wav(1.5)
    knobs = {
        "N8N_WORKFLOWS_DIR": str(workflows),
        "RETRY_PENDING_CRON": NEVER,
        "REMINDERS_CRON": NEVER,
        "BRIEFING_CRON": NEVER,
        "CAPTURE_TIME_BUDGET_S": "30",
    }
    try:
        with run_stack(dsn, tmp, **knobs) as stack:
            stack.whisper_state.default_transcript = NOTE
            direct = Direct(stack)
            auth = {"Authorization": f"Bearer {CAPTURE_TOKEN}"}
            n8n = httpx.Client(base_url=stack.n8n_url, headers=auth, timeout=60)
            scenarios = {
                "floor (webhook -> respond)": lambda: n8n.post("/webhook/bench-floor", json={}),
                "n8n text capture": lambda: n8n.post("/webhook/capture", data={"text": NOTE}),
                "direct text capture": lambda: direct.capture(text=NOTE),
                "n8n voice capture": lambda: n8n.post(
                    "/webhook/capture", files={"audio": ("a.wav", wav, "audio/wav")}),
                "direct voice capture": lambda: direct.capture(wav=wav),
            }  # fmt: skip
            if args.parts:
                scenarios["n8n text capture, no token"] = lambda: n8n.post(
                    "/webhook/capture-no-token", data={"text": NOTE}
                )
            if args.against:
                scenarios[f"n8n text capture ({args.against})"] = lambda: n8n.post(
                    "/webhook/capture-before", data={"text": NOTE}
                )
            for label, workflow in extra.items():
                path = workflow["nodes"][0]["parameters"]["path"]
                scenarios[label] = lambda path=path: n8n.post(f"/webhook/{path}", json={})
            times: dict[str, list[float]] = {label: [] for label in scenarios}
            cpu_ms: dict[str, list[float]] = {label: [] for label in scenarios}
            meter = CpuMeter(stack.settings.port)
            per_round = max(1, args.requests // max(1, args.rounds))
            for _ in range(max(1, args.rounds)):
                for label, call in scenarios.items():
                    times[label] += measure(call, per_round, args.warmup, meter, cpu_ms[label])
            rows = [row(label, spent) for label, spent in times.items()]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{'scenario':30} {'p50 ms':>8} {'p95 ms':>8} {'per s':>7} {'n8n cpu':>8}   "
          f"({per_round * max(1, args.rounds)} sequential, {args.rounds} rounds)")  # fmt: skip
    for label, p50, p95, rate in rows:
        cpu = statistics.median(cpu_ms[label])
        print(f"{label:30} {p50:8.1f} {p95:8.1f} {rate:7.1f} {cpu:8.1f}")
    by = {label: p50 for label, p50, _, _ in rows}
    floor = by["floor (webhook -> respond)"]
    for kind in ("text", "voice"):
        through, alone = by[f"n8n {kind} capture"], by[f"direct {kind} capture"]
        added = through - alone
        print(
            f"{kind:5}: n8n / direct = {through / alone:4.1f}x, n8n / floor = "
            f"{through / floor:4.1f}x, n8n adds {added:6.1f} ms p50 = {added / floor:4.1f} floors, "
            f"{through - floor:6.1f} ms above the floor"
        )
    if args.parts:
        bare = by["n8n text capture, no token"]
        print(f"text without the token's header auth: {bare - floor:6.1f} ms above the floor")
    if args.against:
        before = by[f"n8n text capture ({args.against})"]
        print(f"text before ({args.against}): {before - floor:6.1f} ms above the floor")


if __name__ == "__main__":
    main()
