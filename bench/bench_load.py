"""Load: concurrent captures through nginx and the real n8n, zero-latency fakes behind them.

    uv run python bench/bench_load.py [--captures 100] [--rounds 1] [--production-limits]

nginx runs with the repository's `nginx/locations.conf` in front of the real hub (the capture
token checked by `auth_request`) and of the stack's n8n (tests/e2e/n8n/stack.py: real glue,
classify and Postgres, protocol fakes for the model servers). N text captures are sent at once;
the table gives the status counts, p50/p95 latency and captures per second, then what Postgres
holds: stored, duplicated (same idempotency key twice) and lost (an OK answer without its row).

`--production-limits` keeps the shipped rate limit of /api/capture (30 a minute, burst 10, per
address): 100 simultaneous captures from one address are then mostly refused with 503, as
intended. By default the bench lifts that limit to measure the stack itself. Nothing asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import statistics
import subprocess
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

from solo_brain.db import apply_migrations  # noqa: E402
from solo_brain.db.embedded import start_embedded  # noqa: E402
from solo_brain.mesh.store.tokens import create_token  # noqa: E402
from tests.e2e.n8n.stack import CAPTURE_TOKEN, run_stack  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402
from tests.support.wait import wait_for  # noqa: E402

NEVER = "0 0 1 1 *"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NGINX_DIR = ROOT / "nginx"


def start_nginx(
    tmp: Path, hub: str, n8n: str, glue: str, production_limits: bool
) -> tuple[subprocess.Popen[bytes], str]:
    """nginx with the repository's locations in front of the stack; its process and URL."""
    upstreams = (NGINX_DIR / "upstreams.conf").read_text()
    for default, url in {8100: hub, 8101: glue, 5678: n8n}.items():
        upstreams = upstreams.replace(f"127.0.0.1:{default};", url.removeprefix("http://") + ";")
    if not production_limits:
        upstreams = upstreams.replace("rate=30r/m", "rate=100000r/s")
    # n8n checks a token of its own (CAPTURE_WEBHOOK_TOKEN): nginx sends it in place of the
    # phone's, as the hub does without nginx (MESH_CAPTURE_TOKEN).
    locations = (
        (NGINX_DIR / "locations.conf")
        .read_text()
        .replace(
            "proxy_pass http://solo_n8n/webhook/capture;",
            f'proxy_set_header Authorization "Bearer {CAPTURE_TOKEN}";\n'
            "    proxy_pass http://solo_n8n/webhook/capture;",
        )
    )
    if not production_limits:
        locations = locations.replace("zone=solo_capture burst=10", "zone=solo_capture burst=1000")
    (tmp / "upstreams.conf").write_text(upstreams)
    (tmp / "locations.conf").write_text(locations)
    port = free_port()
    (tmp / "nginx.conf").write_text(f"""
        daemon off;
        pid {tmp}/nginx.pid;
        error_log {tmp}/error.log warn;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            client_body_temp_path {tmp}/body;
            proxy_temp_path {tmp}/proxy;
            include {tmp}/upstreams.conf;
            server {{ listen 127.0.0.1:{port}; include {tmp}/locations.conf; }}
        }}
    """)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _accepts(url), timeout=10, what="nginx")
    return proc, url


def _accepts(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.HTTPError:
        return False
    return True


async def burst(
    url: str, token: str, n: int, tag: str
) -> tuple[list[float], Counter[int], list[str], float]:
    """`n` captures at once; latencies (ms), status counts, the keys answered OK, wall time."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=180, limits=limits) as c:

        async def one(i: int) -> tuple[float, int, str]:
            key = "cap_" + "".join(random.choices(CROCKFORD, k=26))  # the PWA's outbox id
            text = f"Note de charge {tag} numéro {i} : penser au devis du client"
            started = time.perf_counter()
            answer = await c.post("/api/capture", data={"text": text, "capture_id": key})
            return (time.perf_counter() - started) * 1000, answer.status_code, key

        started = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - started
    return (
        [r[0] for r in results],
        Counter(r[1] for r in results),
        [r[2] for r in results if r[1] == 200],
        wall,
    )


def main() -> None:
    """Start the stack behind nginx, send the bursts, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--production-limits", action="store_true")
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
             "CAPTURE_TIME_BUDGET_S": "60"}  # fmt: skip
    (tmp / "no-nodes").mkdir()
    rows = []
    try:
        with run_stack(dsn, tmp, N8N_NODES_DIR=str(tmp / "no-nodes"), **knobs) as stack:
            nginx, url = start_nginx(tmp, stack.hub.url, stack.n8n_url, stack.glue_url,
                                     args.production_limits)  # fmt: skip
            try:
                asyncio.run(burst(url, phone_token, 3, "warmup"))
                for r in range(args.rounds):
                    tag = f"r{r}-{uuid.uuid4().hex[:6]}"
                    times, statuses, ok_keys, wall = asyncio.run(
                        burst(url, phone_token, args.captures, tag)
                    )
                    stack.wait_idle(timeout=300)
                    with psycopg.connect(dsn) as conn:
                        found = conn.execute(
                            "SELECT id, c::text FROM assistant.captures c WHERE c::text LIKE %s",
                            (f"%{tag}%",),
                        ).fetchall()  # fmt: skip
                    ids = {r[0] for r in found}
                    per_note = Counter(re.search(r"numéro (\d+)", r[1])[1] for r in found)  # type: ignore[index]
                    dup = sum(n - 1 for n in per_note.values())
                    lost = len([k for k in ok_keys if k not in ids])
                    rows.append((tag, times, statuses, wall, len(per_note), dup, lost))
            finally:
                nginx.terminate()
                nginx.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    limits = "production limits" if args.production_limits else "rate limit lifted"
    print(f"\n{args.captures} simultaneous text captures through nginx + n8n ({limits})")
    print(f"{'round':14} {'statuses':22} {'p50 ms':>8} {'p95 ms':>8} {'capt/s':>7} "
          f"{'stored':>6} {'dup':>4} {'lost':>4}")  # fmt: skip
    for tag, times, statuses, wall, stored_n, dup, lost in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        shown = ",".join(f"{s}:{n}" for s, n in sorted(statuses.items()))
        print(f"{tag:14} {shown:22} {statistics.median(ordered):8.0f} {p95:8.0f} "
              f"{len(times) / wall:7.1f} {stored_n:6} {dup:4} {lost:4}")  # fmt: skip


if __name__ == "__main__":
    main()
