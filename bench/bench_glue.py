"""Glue service overhead with zero-latency fakes: latency p50/p95 and requests/s per route.

The glue runs as its own process (`solo-brain serve glue`, uvicorn on loopback) in front of the
protocol-faithful Whisper and Kokoro fakes (served from this process). Each route is driven with
httpx, one request at a time and then N at a time; the same call made straight to the fake is
shown as a baseline, so the difference is what the glue adds (form parsing, sniffing, fsync'd
storage, the upstream hop). Numbers are printed, never asserted.

    uv run python bench/bench_glue.py [--count 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.kokoro import KokoroState, create_kokoro_app  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402
from tests.fakes.whisper import WhisperState, create_whisper_app  # noqa: E402
from tests.support.audio import tone_wav  # noqa: E402

Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def measure(call: Call, count: int, concurrency: int) -> tuple[list[float], float]:
    """Latencies (s) of `count` calls made `concurrency` at a time, and the wall time."""
    latencies: list[float] = []
    queue = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        await call(http)  # warm up: connection, caches

        async def worker() -> None:
            for _ in queue:
                start = time.perf_counter()
                response = await call(http)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def row(name: str, concurrency: int, latencies: list[float], wall: float) -> str:
    """One table line: p50, p95 (ms) and requests per second."""
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    rate = len(latencies) / wall
    median = statistics.median(ordered) * 1000
    return f"{name:<34} {concurrency:>4} {median:>9.2f} {p95 * 1000:>9.2f} {rate:>9.1f}"


@contextmanager
def serve_tcp(app: Any) -> Iterator[str]:
    """Serve a fake with uvicorn binding its own TCP socket (so TCP_NODELAY is set on it)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def start_glue(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`solo-brain serve glue` as a child process logging to `log`, once /healthz answers."""
    exe = str(Path(sys.executable).parent / "solo-brain")
    with open(log, "wb") as sink:  # a file, not a pipe nobody reads: a full pipe would block it
        proc = subprocess.Popen(
            [exe, "serve", "glue", "--port", str(port)],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"glue exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("glue did not start within 30 s")


def run(count: int, concurrency: int) -> None:
    """Start the fakes and the glue, drive each route, print the table."""
    wav = tone_wav(2.0)  # a 2 s voice note, 64 KB
    speech = {"text": "Capté, note rangée dans le projet vision.", "format": "mp3"}
    whisper_app, kokoro_app = create_whisper_app(WhisperState()), create_kokoro_app(KokoroState())
    with (
        serve_tcp(whisper_app) as whisper_url,
        serve_tcp(kokoro_app) as kokoro_url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        port, media = free_port(), str(Path(tmp) / "media")
        glue = f"http://127.0.0.1:{port}"
        env = {"WHISPER_URL": whisper_url, "KOKORO_URL": kokoro_url, "MEDIA_DIR": media,
               "PUBLIC_URL": glue}  # fmt: skip
        proc = start_glue(env, port, Path(tmp) / "glue.log")
        try:
            files = {"audio": ("note.wav", wav, "audio/wav")}
            whisper_form = {"model": "Systran/faster-whisper-large-v3", "language": "fr",
                            "response_format": "verbose_json"}  # fmt: skip
            kokoro_body = {"model": "kokoro", "input": speech["text"], "voice": "ff_siwis",
                           "response_format": "mp3", "stream": False}  # fmt: skip
            ref_holder: list[str] = []

            async def speak(http: httpx.AsyncClient) -> httpx.Response:
                response = await http.post(f"{glue}/v1/speak", json=speech)
                ref_holder[:] = [response.json()["audio_ref"]] if response.is_success else []
                return response

            calls: list[tuple[str, Call]] = [
                ("fake Whisper direct", lambda h: h.post(
                    f"{whisper_url}/v1/audio/transcriptions", data=whisper_form,
                    files={"file": ("n.wav", wav, "audio/wav")})),
                ("glue POST /v1/transcribe (2 s wav)", lambda h: h.post(
                    f"{glue}/v1/transcribe", files=files)),
                ("fake Kokoro direct", lambda h: h.post(
                    f"{kokoro_url}/v1/audio/speech", json=kokoro_body)),
                ("glue POST /v1/speak (mp3)", speak),
                ("glue GET /audio/{ref}", lambda h: h.get(f"{glue}/audio/{ref_holder[0]}")),
            ]  # fmt: skip
            print(f"{count} requests per line; latencies in ms; glue in its own process\n")
            print(f"{'route':<34} {'conc':>4} {'p50 ms':>9} {'p95 ms':>9} {'req/s':>9}")
            print("-" * 69)
            for name, call in calls:
                for level in sorted({1, concurrency}):
                    latencies, wall = asyncio.run(measure(call, count, level))
                    print(row(name, level, latencies, wall))
            stored = sum(1 for p in Path(media).rglob("*") if p.is_file())
            print(f"\n{stored} files stored under the temporary MEDIA_DIR")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="requests per line (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel requests (default 8)")
    args = parser.parse_args()
    run(args.count, args.concurrency)


if __name__ == "__main__":
    main()
