"""How the hub serves the PWA's files (cache rules, media types, client routes) and forwards
captures to n8n when no nginx stands in front of it."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from solo_brain.errors import install_error_handlers
from solo_brain.mesh.pwa import IMMUTABLE, NO_CACHE, mount_pwa
from tests.fakes.server import free_port, serve
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    recording_capture_webhook,
    running_hub,
)

INDEX = "<!doctype html><title>Solo Brain</title>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A folder laid out like the PWA's build, served by `mount_pwa`; yields its URL."""
    root = tmp_path_factory.mktemp("static")
    (root / "assets").mkdir()
    (root / "icons").mkdir()
    (root / "index.html").write_text(INDEX)
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (root / "manifest.webmanifest").write_text('{"name": "Solo Brain"}')
    (root / "assets" / "index-abc123.js").write_text("console.log('app');" * 50)
    (root / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log('app');" * 50))
    (root / "icons" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "README.md").write_text("not for the public")
    (root.parent / "secret.txt").write_text("outside")
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/ping")
    def ping() -> dict[str, bool]:
        return {"pong": True}

    mount_pwa(app, root)
    with serve(app) as url:
        yield url


def test_service_worker_and_page_are_never_cached(site: str) -> None:
    """sw.js and index.html are revalidated on every load, with the right media types."""
    sw = httpx.get(f"{site}/sw.js")
    assert sw.status_code == 200
    assert sw.headers["cache-control"] == NO_CACHE
    assert sw.headers["content-type"].startswith("text/javascript")
    page = httpx.get(f"{site}/index.html")
    assert page.headers["cache-control"] == NO_CACHE
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_hashed_assets_are_cached_for_good_and_sent_compressed(site: str) -> None:
    """A content-hashed asset is immutable; the .gz beside it is sent to gzip clients."""
    asset = httpx.get(f"{site}/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert asset.headers["content-encoding"] == "gzip"
    assert asset.text == "console.log('app');" * 50  # httpx decoded the gzip body
    plain = httpx.get(f"{site}/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == "console.log('app');" * 50


def test_manifest_has_its_media_type(site: str) -> None:
    """The web app manifest is application/manifest+json and revalidated."""
    answer = httpx.get(f"{site}/manifest.webmanifest")
    assert answer.headers["content-type"] == "application/manifest+json"
    assert answer.headers["cache-control"] == NO_CACHE


@pytest.mark.parametrize(
    "path", ["/", "/pair?code=ABCD-2345", "/sessions/abc-123", "/captures/cap_01", "/capture"]
)
def test_client_routes_answer_the_page(site: str, path: str) -> None:
    """Deep links into the app (pairing, a session, a capture) get index.html, uncached."""
    answer = httpx.get(f"{site}{path}")
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["cache-control"] == NO_CACHE


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/api", "/missing.js", "/README.md", "/.hidden", "/%2e%2e/secret.txt"]
)
def test_unknown_files_and_api_paths_are_404(site: str, path: str) -> None:
    """Unknown API paths stay JSON 404s; missing, hidden or outside files are never served."""
    answer = httpx.get(f"{site}{path}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_api_routes_are_not_shadowed(site: str) -> None:
    """A real API route still answers beside the catch-all."""
    assert httpx.get(f"{site}/api/ping").json() == {"pong": True}


@pytest.fixture(scope="module")
def capture_webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback stand-in for n8n's capture webhook that records what reaches it."""
    with recording_capture_webhook() as running:
        yield running


def test_capture_is_forwarded_to_n8n_with_the_hub_token(
    pg_dsn: str, capture_webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    """POST /api/capture checks the caller, then n8n gets the body and the hub's own token."""
    url, received = capture_webhook
    settings = hub_settings(pg_dsn, MESH_CAPTURE_URL=url, MESH_CAPTURE_TOKEN="n8n-secret")
    device = issue(pg_dsn, "full", "phone-capture")
    form = {"text": "acheter du café", "capture_id": "cap_01J0000000000000000000000A"}
    with running_hub(settings) as hub:
        sent = time.time()
        answer = httpx.post(f"{hub}/api/capture", data=form, headers=auth(device))
        refused = httpx.post(f"{hub}/api/capture", data=form)
        agent = httpx.post(
            f"{hub}/api/capture", data=form, headers=auth(issue(pg_dsn, "agent", "a-capture"))
        )
    assert answer.status_code == 200
    assert answer.json()["capture_id"] == form["capture_id"]
    assert answer.json()["speech"] == "Capté, tâche notée."
    assert refused.status_code == 401
    assert agent.status_code == 403
    assert len(received) == 1
    assert received[0]["authorization"] == "Bearer n8n-secret"
    assert received[0]["form"] == form
    # When the hub got it (n8n's time budget runs from then), never what the caller claims.
    start = re.fullmatch(r"t=(\d{10}\.\d{3})", received[0]["request_start"] or "")
    assert start and sent - 0.01 <= float(start[1]) <= time.time()


def test_capture_without_a_webhook_url_goes_to_the_local_n8n(
    pg_dsn: str, capture_webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    """With no MESH_CAPTURE_URL the hub forwards to n8n's webhook on loopback at N8N_PORT; with
    nothing listening there it answers 503 capture_unavailable (the app keeps the capture)."""
    url, received = capture_webhook
    token = issue(pg_dsn, "capture", "siri-unconfigured")
    form = {"text": "x", "capture_id": "cap_01J0000000000000000000000C"}
    with running_hub(hub_settings(pg_dsn, N8N_PORT=urlsplit(url).port)) as hub:
        answer = httpx.post(f"{hub}/api/capture", data=form, headers=auth(token))
    with running_hub(hub_settings(pg_dsn, N8N_PORT=free_port())) as hub:
        closed = httpx.post(f"{hub}/api/capture", data=form, headers=auth(token))
    assert answer.status_code == 200 and received[-1]["form"] == form
    assert closed.status_code == 503
    assert closed.json()["error"]["code"] == "capture_unavailable"


def test_capture_bodies_may_carry_audio_but_stay_capped(
    pg_dsn: str, capture_webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    """An audio upload above the JSON cap passes; one above 26 MB gets 413 at once."""
    url, received = capture_webhook
    token = issue(pg_dsn, "capture", "siri-audio")
    audio = b"\x00" * (2 * 1024 * 1024)
    with running_hub(hub_settings(pg_dsn, MESH_CAPTURE_URL=url)) as hub:
        ok = httpx.post(
            f"{hub}/api/capture",
            data={"capture_id": "cap_01J0000000000000000000000B", "mode": "voice"},
            files={"audio": ("note.m4a", audio, "audio/mp4")},
            headers=auth(token),
        )
        too_big = httpx.post(
            f"{hub}/api/capture",
            content=(b"\0" * 1024 * 1024 for _ in range(27)),
            headers={**auth(token), "Content-Type": "multipart/form-data; boundary=x"},
        )
    assert ok.status_code == 200
    assert received[-1]["authorization"] == f"Bearer {token}"
    assert too_big.status_code == 413


def test_the_hub_serves_the_built_app_when_there(pg_dsn: str) -> None:
    """The hub's own static folder is mounted; a deep link gets the page or the build hint."""
    with running_hub(hub_settings(pg_dsn)) as hub:
        answer = httpx.get(f"{hub}/sessions/some-id")
    static = Path(__file__).parents[2] / "python-services/src/solo_brain/mesh/static"
    if (static / "index.html").is_file():
        assert answer.status_code == 200 and "Solo Brain" in answer.text
    else:
        assert answer.json()["error"]["code"] == "pwa_not_built"
