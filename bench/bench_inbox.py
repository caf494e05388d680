"""Inbox benchmarks: listing and French full-text search over many captures.

    uv run python bench/bench_inbox.py [--captures 20000] [--runs 20]

The hub runs in this process (`create_app`, served by uvicorn on loopback) on a throwaway
embedded Postgres (never DATABASE_URL: the bench writes its own captures). Each capture is a
random French note of 8 to 40 words with one action. Printed, never asserted: `GET
/api/captures` p50/p95 for the first page unfiltered, for a rare word (one capture), for a
common word (half of them), a prefix, and a category filter.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solo_brain.db import apply_migrations  # noqa: E402
from solo_brain.db.embedded import start_embedded  # noqa: E402
from solo_brain.mesh.app import create_app  # noqa: E402
from solo_brain.mesh.store.tokens import create_token  # noqa: E402
from tests.fakes.server import serve  # noqa: E402
from tests.support.settings import mesh_settings  # noqa: E402

WORDS = (
    "réunion client caméra thermique devis relancer benchmark capteur orchestrateur tester "
    "documentation facture appeler prototype carte firmware livraison planning idée vendredi"
).split()
CATEGORIES = ("client", "idee_rd", "todo", "note_tech", "admin", "perso")


def seed(url: str, count: int) -> None:
    """`count` random captures with one action each, and one with a rare word."""
    rng = random.Random(7)
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for _ in range(count):
            note = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            capture = {"text": note, "category": rng.choice(CATEGORIES),
                       "actions": [{"text": f"{rng.choice(WORDS)} demain"}]}  # fmt: skip
            conn.execute("SELECT assistant.record_capture(%s::jsonb)", (json.dumps(capture),))
        conn.execute("SELECT assistant.record_capture(%s::jsonb)",
                     (json.dumps({"text": "zeppelin rarissime", "category": "todo"}),))  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def timed(client: httpx.Client, params: dict[str, str], runs: int) -> tuple[float, float, int]:
    """p50 and p95 in ms of `GET /api/captures?params`, and how many captures the page had."""
    times, found = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get("/api/captures", params=params)
        times.append((time.perf_counter() - start) * 1000)
        answer.raise_for_status()
        found = len(answer.json()["captures"])
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], found


def main() -> None:
    """Seed, serve the hub, time each query, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    # pgserver stops this Postgres and deletes its folder when the process exits.
    url = start_embedded(Path(tempfile.mkdtemp(prefix="bench-inbox-")), cleanup_mode="delete")
    apply_migrations(url)
    started = time.perf_counter()
    seed(url, args.captures)
    print(f"seeded {args.captures} captures in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(url) as conn:
        _, token = create_token(conn, "full", "bench")
    with serve(create_app(mesh_settings(DATABASE_URL=url))) as hub:
        client = httpx.Client(base_url=hub, headers={"Authorization": f"Bearer {token}"})
        print("| query | p50 ms | p95 ms | page |\n|---|---|---|---|")
        for label, params in (
            ("first page, no filter", {}),
            ("category=todo", {"category": "todo"}),
            ("q=zeppelin (1 capture)", {"q": "zeppelin"}),
            ("q=réunion (about half)", {"q": "réunion"}),
            ("q=cam (prefix)", {"q": "cam"}),
            ("q=facture demain (action words)", {"q": "facture demain"}),
        ):
            p50, p95, found = timed(client, params, args.runs)
            print(f"| {label} | {p50:.1f} | {p95:.1f} | {found} |")


if __name__ == "__main__":
    main()
