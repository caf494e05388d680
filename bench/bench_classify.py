"""Benchmark the classify service's own overhead: a zero-latency Ollama fake, a real Postgres.

    uv run python bench/bench_classify.py [--requests 300] [--concurrency 1 8]

The service (`solo-brain serve classify`) and the Ollama fake (uvicorn) each run as their own
process, so the load generator here does not share a GIL with either. Postgres is a throwaway
embedded server (never DATABASE_URL: the bench writes its own projects and clients).
Prints p50 / p95 latency and requests per second for each scenario; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solo_brain.catalog import Client, Project, upsert_client, upsert_project  # noqa: E402
from solo_brain.db import apply_migrations  # noqa: E402
from solo_brain.db.embedded import start_embedded  # noqa: E402
from tests.fakes.ollama import OllamaState, create_app  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402

MODEL = "qwen3.6:35b"
NOTE = "Idée : benchmarker le NPU 26 TOPS du imx8 d'ici vendredi, et relancer Paul demain."
ANSWER = {
    "category": "idee_rd",
    "project": "imx8mp-vision",
    "client": None,
    "summary": "Benchmarker le NPU du i.MX8MP",
    "actions": [
        {"text": "benchmarker le NPU 26 TOPS", "due_phrase": "vendredi"},
        {"text": "relancer Paul", "due_phrase": "demain"},
    ],
    "cc_prompt": None,
}


def _seed(url: str) -> None:
    apply_migrations(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(3):
            upsert_client(conn, Client(id=f"client-{i}", name=f"Client {i}", aliases=[f"c{i}"]))
        for i in range(20):
            project = Project(
                slug=f"project-{i}",
                name=f"Projet numéro {i}",
                client_id=f"client-{i % 3}" if i % 2 else None,
                aliases=[f"p{i}", f"proj {i}"],
            )
            upsert_project(conn, project)
        upsert_project(conn, Project(slug="imx8mp-vision", name="IMX8MP vision", aliases=["imx8"]))


def fake_ollama() -> Any:
    """The Ollama fake answering ANSWER at once (uvicorn factory for the fake's process)."""
    state = OllamaState(models=[MODEL])
    state.script.responder = lambda messages, schema: ANSWER
    return create_app(state)


@contextmanager
def _process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=os.environ | (env or {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{command[:4]} did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _fake_ollama() -> Any:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "--app-dir", str(ROOT / "bench")]
    command += ["bench_classify:fake_ollama", "--port", str(port), "--log-level", "warning"]
    return _process(command, port)


def _service(database_url: str, ollama_url: str | None) -> Any:
    port = free_port()
    command = ["uv", "run", "solo-brain", "serve", "classify", "--port", str(port)]
    env = {"DATABASE_URL": database_url, "OLLAMA_URL": ollama_url or ""}
    return _process(command, port, env)


async def _load(
    base: str, path: str, body: dict[str, Any], total: int, concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        for _ in range(5):  # warm up connections and the pool
            (await http.post(path, json=body)).raise_for_status()

        async def worker() -> None:
            for _ in queue:
                started = time.perf_counter()
                response = await http.post(path, json=body)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def _row(name: str, concurrency: int, latencies: list[float], elapsed: float) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    p50, p95 = cuts[49] * 1000, cuts[94] * 1000
    rate = len(latencies) / elapsed
    return f"{name:<34} {concurrency:>4} {len(latencies):>6} {p50:>8.1f} {p95:>8.1f} {rate:>8.0f}"


def main() -> int:
    """Run every scenario at every concurrency and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-classify-"))
    # Registered first, so it runs last at exit: after pgserver has stopped and deleted its data.
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    url = start_embedded(scratch / "pg", cleanup_mode="delete")
    _seed(url)
    body = {"text": NOTE, "source": "siri"}
    rows = []
    with _fake_ollama() as ollama_url:
        with _service(url, ollama_url) as base:
            for concurrency in args.concurrency:
                lat, took = asyncio.run(
                    _load(base, "/v1/classify", body, args.requests, concurrency)
                )
                rows.append(_row("classify, Ollama fake (0 ms)", concurrency, lat, took))
            for concurrency in args.concurrency:
                date_body = {"phrase": "vendredi prochain"}
                lat, took = asyncio.run(
                    _load(base, "/v1/resolve-date", date_body, args.requests, concurrency)
                )
                rows.append(_row("resolve-date", concurrency, lat, took))
    with _service(url, None) as base:
        for concurrency in args.concurrency:
            lat, took = asyncio.run(_load(base, "/v1/classify", body, args.requests, concurrency))
            rows.append(_row("classify, heuristic (no Ollama)", concurrency, lat, took))
    print(f"{'scenario':<34} {'conc':>4} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
    print("\n".join(rows))
    print(f"({args.requests} requests per row after 5 warm-up ones; CPUs: {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
