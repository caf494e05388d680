"""Load: concurrent captures through nginx and the real n8n, zero-latency fakes behind them.

    uv run python bench/bench_load.py [--captures 100] [--rounds 1] [--budget 8]
                                      [--production-limits] [--voice]

nginx runs with the repository's `nginx/` site (tests/support/nginx.py) in front of the real hub
(the capture token checked by `auth_request`), which forwards the captures to the stack's n8n
(tests/e2e/n8n/stack.py: real glue, classify and Postgres, protocol fakes for the model servers)
and answers "on it" itself for those n8n is late with. N text captures (`--voice`: voice notes,
each its own WAV that the Whisper fake hears as its own words) are sent at once; the
table counts the answers by status and what the phone makes of them (the capture's status, or
the error's code; "html" / "no-speech" when it has nothing to say), gives p50/p95 latency and
captures per second, then what Postgres holds once n8n is idle: stored, filed, duplicated (same
note twice) and lost (a 200 without its row), how long after the burst every capture was filed
("all filed"), and where the time went until then (bench/load_probe.py: CPU of n8n and
Postgres, Postgres sessions).
n8n starts as the end-to-end stack starts it, its node package installed (mesh-events needs its
trigger). `--budget` is CAPTURE_TIME_BUDGET_S (the shipped 8 s by default): a capture not filed
within it is answered "on it" (200, status pending_*), as the phone gets it.

`--production-limits` keeps the shipped rate limit of /api/capture (30 a minute, burst 10, per
address): 100 simultaneous captures from one address are then mostly refused with 429, as
intended. By default the bench lifts that limit to measure the stack itself. Nothing asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load_probe import Probe, postmaster_pid  # noqa: E402

from solo_brain.db import apply_migrations  # noqa: E402
from solo_brain.db.embedded import start_embedded  # noqa: E402
from solo_brain.mesh.store.tokens import create_token  # noqa: E402
from tests.e2e.n8n.stack import run_stack  # noqa: E402
from tests.fakes.whisper import WhisperState  # noqa: E402
from tests.support.audio import tone_wav  # noqa: E402
from tests.support.nginx import running_nginx  # noqa: E402

NEVER = "0 0 1 1 *"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def answer_kind(answer: httpx.Response) -> str:
    """The HTTP status and what the phone makes of the body: the capture's status (filed,
    pending_*) or the error code when it is JSON with a `speech` to say, else "no-speech"."""
    try:
        body = answer.json()
    except ValueError:
        return f"{answer.status_code} html"
    if not isinstance(body, dict) or not body.get("speech"):
        return f"{answer.status_code} no-speech"
    return f"{answer.status_code} {body.get('status') or body.get('error', {}).get('code')}"


async def burst(
    url: str, token: str, n: int, tag: str, whisper: WhisperState | None = None
) -> tuple[list[float], Counter[str], list[str], float]:
    """`n` captures at once (voice notes when given the `whisper` fake to teach their words);
    latencies (ms), answer kinds counted, the keys answered 200, wall time."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    texts = [f"Note de charge {tag} numéro {i} : penser au devis du client" for i in range(n)]
    audio = [tone_wav(1.0 + i / 100) for i in range(n)] if whisper else []
    if whisper is not None:
        for wav, text in zip(audio, texts, strict=True):
            whisper.expect(wav, text)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=180, limits=limits) as c:

        async def one(i: int) -> tuple[float, int, str]:
            key = "cap_" + "".join(random.choices(CROCKFORD, k=26))  # the PWA's outbox id
            started = time.perf_counter()
            if audio:
                files = {"audio": ("note.wav", audio[i], "audio/wav")}
                form = {"mode": "voice", "capture_id": key}
                answer = await c.post("/api/capture", data=form, files=files)
            else:
                answer = await c.post("/api/capture", data={"text": texts[i], "capture_id": key})
            return (time.perf_counter() - started) * 1000, answer_kind(answer), key

        started = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - started
    return (
        [r[0] for r in results],
        Counter(r[1] for r in results),
        [r[2] for r in results if r[1].startswith("200")],
        wall,
    )


def all_filed(dsn: str, tag: str, n: int, sent: float, timeout: float = 900) -> str:
    """Wait until the `n` captures of the burst `tag` are filed; how long after they were sent
    ("<s> s"), or how many were when `timeout` ran out or two minutes passed without progress."""
    query = "SELECT count(*) FROM assistant.captures c WHERE c::text LIKE %s AND status = 'filed'"
    filed, last, moved = 0, -1, time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.perf_counter() - sent < timeout and time.perf_counter() - moved < 120:
            (filed,) = conn.execute(query, (f"%{tag}%",)).fetchone() or (0,)
            if filed >= n:
                return f"{time.perf_counter() - sent:.0f} s"
            if filed != last:
                last, moved = filed, time.perf_counter()
            time.sleep(0.5)
    return f"{filed}/{n}"


def main() -> None:
    """Start the stack behind nginx, send the bursts, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--budget", type=float, default=8.0)
    parser.add_argument("--production-limits", action="store_true")
    parser.add_argument("--voice", action="store_true", help="voice notes instead of text")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = start_embedded(tmp / "pg", cleanup_mode="delete")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = make_conninfo(**{**conninfo_to_dict(server), "dbname": name})
    apply_migrations(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        _, phone_token = create_token(conn, "capture", "bench-phone")
    knobs = {"RETRY_PENDING_CRON": NEVER, "REMINDERS_CRON": NEVER, "BRIEFING_CRON": NEVER,
             "CAPTURE_TIME_BUDGET_S": f"{args.budget:g}"}  # fmt: skip
    rows, evidence = [], []
    try:
        with run_stack(dsn, tmp, **knobs) as stack:
            upstreams = {8100: stack.hub.url, 8101: stack.glue_url, 5678: stack.n8n_url}
            lifted = {"rate=30r/m": "rate=100000r/s",
                      "zone=solo_capture burst=10": "zone=solo_capture burst=1000"}  # fmt: skip
            edits = {} if args.production_limits else lifted
            whisper = stack.whisper_state if args.voice else None
            with running_nginx(tmp / "nginx", upstreams, edits=edits) as url:
                asyncio.run(burst(url, phone_token, 3, "warmup"))
                for r in range(args.rounds):
                    tag = f"r{r}-{uuid.uuid4().hex[:6]}"
                    assert stack.runner and stack.runner.process
                    probe = Probe(dsn, stack.runner.process.pid, postmaster_pid(tmp / "pg"))
                    probe.start()
                    sent = time.perf_counter()
                    times, statuses, ok_keys, wall = asyncio.run(
                        burst(url, phone_token, args.captures, tag, whisper)
                    )
                    print(f"{tag}: {dict(statuses)}", file=sys.stderr, flush=True)
                    drained = all_filed(dsn, tag, args.captures, sent)
                    stack.wait_idle(timeout=300)
                    evidence.append(f"{tag}:\n" + probe.stop(args.captures))
                    with psycopg.connect(dsn) as conn:
                        found = conn.execute(
                            "SELECT id, c::text, status FROM assistant.captures c "
                            "WHERE c::text LIKE %s",
                            (f"%{tag}%",),
                        ).fetchall()  # fmt: skip
                    ids = {r[0] for r in found}
                    per_note = Counter(re.search(r"numéro (\d+)", r[1])[1] for r in found)  # type: ignore[index]
                    dup = sum(n - 1 for n in per_note.values())
                    lost = len([k for k in ok_keys if k not in ids])
                    filed = sum(r[2] == "filed" for r in found)
                    rows.append((tag, times, statuses, wall, len(per_note), filed, dup, lost,
                                 drained))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    limits = "production limits" if args.production_limits else "rate limit lifted"
    print(
        f"\n{args.captures} simultaneous {'voice' if args.voice else 'text'} captures through "
        f"nginx + n8n ({limits}, "
        f"budget {args.budget:g} s)"
    )
    print(f"{'round':14} {'answers':38} {'p50 ms':>8} {'p95 ms':>8} {'capt/s':>7} "
          f"{'stored':>6} {'filed':>5} {'dup':>4} {'lost':>4} {'all filed':>9}")  # fmt: skip
    for tag, times, statuses, wall, stored_n, filed, dup, lost, drained in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
        print(f"{tag:14} {shown:38} {statistics.median(ordered):8.0f} {p95:8.0f} "
              f"{len(times) / wall:7.1f} {stored_n:6} {filed:5} {dup:4} {lost:4} "
              f"{drained:>9}")  # fmt: skip
    print("\n".join(["where the time went (burst until all filed):", *evidence]))


if __name__ == "__main__":
    main()
