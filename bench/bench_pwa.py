"""PWA benchmarks: first-load JavaScript and time to an interactive app shell, in real Chromium.

    uv run python bench/bench_pwa.py [--runs 15]

The built app (scripts/build-pwa.sh) is served by the hub's own PWA route (`mount_pwa`) on
loopback; Debian's Chromium loads it headless at 390×844. Printed, never asserted:

- bytes of JavaScript and CSS on the first load (gzipped, as sent), against the 150 KB budget;
- cold load: new profile, empty cache, no service worker → the pairing form usable;
- warm load from the service worker (installed app reopened) → the same;
- offline load from the service worker.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solo_brain.mesh.app import STATIC_DIR  # noqa: E402
from solo_brain.mesh.pwa import mount_pwa  # noqa: E402
from tests.browser.pwa import (  # noqa: E402
    PHONE,
    build_pwa,
    chromium,
    wait_for_service_worker,
)
from tests.fakes.server import serve  # noqa: E402

FORM = "form[aria-label='Associer cet appareil'] input[name='code']"


def _interactive_ms(page, url: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(FORM, state="visible")
    return (time.perf_counter() - start) * 1000


def _gzipped(url: str) -> int:
    """Bytes sent for `url` to a gzip client: the .gz the build wrote beside the file."""
    path = STATIC_DIR / url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
    packed = path.with_name(path.name + ".gz")
    return (packed if packed.is_file() else path).stat().st_size


def main() -> None:
    """Build, serve, load the app repeatedly and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    build_pwa()
    app = FastAPI()
    mount_pwa(app, STATIC_DIR)
    cold: list[float] = []
    warm: list[float] = []
    offline: list[float] = []
    sizes: dict[str, int] = {}
    with serve(app) as url, chromium() as browser:
        for i in range(args.runs):
            context = browser.new_context(**PHONE)
            page = context.new_page()
            if i == 0:
                page.on(
                    "response",
                    lambda r: (
                        sizes.__setitem__(r.url, _gzipped(r.url))
                        if r.url.endswith((".js", ".css")) and r.request.resource_type != "other"
                        else None
                    ),
                )
            cold.append(_interactive_ms(page, f"{url}/pair"))
            wait_for_service_worker(page)
            warm.append(_interactive_ms(page, f"{url}/pair"))
            context.set_offline(True)
            offline.append(_interactive_ms(page, f"{url}/pair"))
            context.close()
    js = sum(n for u, n in sizes.items() if u.endswith(".js"))
    css = sum(n for u, n in sizes.items() if u.endswith(".css"))
    print(
        f"first load: JavaScript {js / 1024:.1f} KB, CSS {css / 1024:.1f} KB "
        "(gzipped, as sent; budget 150 KB of JS)"
    )
    print(f"{'load':<28} {'p50 ms':>8} {'p95 ms':>8} {'runs':>5}")
    for name, values in (
        ("cold (network, no cache)", cold),
        ("warm (service worker)", warm),
        ("offline (service worker)", offline),
    ):
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(f"{name:<28} {statistics.median(values):>8.1f} {p95:>8.1f} {len(values):>5}")


if __name__ == "__main__":
    main()
