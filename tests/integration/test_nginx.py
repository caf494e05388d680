"""The nginx site in front of the hub, n8n and glue, run as a real nginx on loopback.

The test serves the repository's own `locations.conf` and `upstreams.conf` (ports rewritten to
the test servers): the hub is the real hub on the test database, n8n and glue are recording
stand-ins (what matters here is what nginx lets through, and how).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from solo_brain.mesh.app import create_app
from tests.fakes.server import serve
from tests.mesh.hub_harness import issue
from tests.support.nginx import running_nginx
from tests.support.settings import mesh_settings

NGINX_DIR = Path(__file__).resolve().parents[2] / "nginx"


def recorder() -> tuple[FastAPI, list[dict[str, str]]]:
    """An upstream that records each request (path, auth header, body size) and answers 200."""
    app = FastAPI()
    seen: list[dict[str, str]] = []

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str, request: Request) -> Response:
        body = await request.body()
        seen.append(
            {
                "path": "/" + path,
                "authorization": request.headers.get("authorization", ""),
                "signature": request.headers.get("x-hub-signature-256", ""),
                "request_start": request.headers.get("x-request-start", ""),
                "host": request.headers.get("host", ""),
                "body": body.decode(errors="replace"),
            }
        )
        return Response('{"ok": true}', media_type="application/json")

    return app, seen


@pytest.fixture
def site(pg_dsn: str, db: object, tmp_path: Path) -> Iterator[dict]:
    """nginx on a loopback port (tests/support/nginx.py) in front of the real hub and two
    recording upstreams."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: scripts/bootstrap.sh installs it"
    n8n_app, n8n_seen = recorder()
    glue_app, glue_seen = recorder()
    with ExitStack() as stack:
        n8n, glue = stack.enter_context(serve(n8n_app)), stack.enter_context(serve(glue_app))
        # The hub forwards the captures nginx let through to n8n.
        settings = mesh_settings(database_url=pg_dsn, MESH_CAPTURE_URL=f"{n8n}/webhook/capture")
        hub = stack.enter_context(serve(create_app(settings)))
        upstreams = {8100: hub, 8101: glue, 5678: n8n}
        url = stack.enter_context(running_nginx(tmp_path, upstreams))
        assert not re.search(r"127\.0\.0\.1:(8100|8101|5678);",
                             (tmp_path / "upstreams.conf").read_text())  # fmt: skip
        yield {"url": url, "n8n": n8n_seen, "glue": glue_seen}


def test_capture_with_a_capture_token_reaches_n8n(site: dict, pg_dsn: str) -> None:
    """A capture token passes the hub's check and the capture reaches n8n's webhook intact,
    through the hub."""
    token = issue(pg_dsn, "capture")
    answer = httpx.post(
        site["url"] + "/api/capture",
        headers={"Authorization": f"Bearer {token}"},
        data={"text": "idée: benchmarker le NPU, vendredi", "mode": "text"},
    )
    assert answer.status_code == 200, answer.text
    assert site["n8n"][-1]["path"] == "/webhook/capture"
    assert "benchmarker" in site["n8n"][-1]["body"]
    # When nginx got it, for the time budget: the hub passes nginx's header on.
    assert re.fullmatch(r"t=\d{10}\.\d{3} d=\d+\.\d{3}", site["n8n"][-1]["request_start"])


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("Bearer sbt_not-a-real-token", 401), ("agent", 403)],
)
def test_capture_without_the_right_token_never_reaches_n8n(
    site: dict, pg_dsn: str, header: str | None, status: int
) -> None:
    """No token, an unknown token, or an agent token: nginx refuses and n8n sees nothing."""
    headers = {}
    if header == "agent":
        headers["Authorization"] = f"Bearer {issue(pg_dsn, 'agent')}"
    elif header:
        headers["Authorization"] = header
    answer = httpx.post(site["url"] + "/api/capture", headers=headers, data={"text": "x"})
    assert answer.status_code == status
    assert site["n8n"] == []


def test_whatsapp_body_and_signature_pass_untouched(site: dict) -> None:
    """The WhatsApp webhook body and its signature header reach n8n byte for byte."""
    body = '{"object":"whatsapp_business_account","entry":[]}'
    answer = httpx.post(
        site["url"] + "/webhook/whatsapp",
        content=body,
        headers={"X-Hub-Signature-256": "sha256=abc", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert site["n8n"][-1]["body"] == body
    assert site["n8n"][-1]["signature"] == "sha256=abc"


def test_other_n8n_webhooks_are_not_public(site: dict) -> None:
    """Internal n8n webhooks (reminders, hub events...) are not reachable through nginx."""
    for path in ("/webhook/mesh-events", "/webhook-test/capture"):
        assert httpx.post(site["url"] + path, json={}).status_code == 404
    assert site["n8n"] == []


def test_hub_and_audio_routes(site: dict, pg_dsn: str) -> None:
    """The API goes to the hub (which checks tokens itself); /audio goes to glue."""
    assert httpx.get(site["url"] + "/api/sessions").status_code == 401
    full = issue(pg_dsn, "full")
    listed = httpx.get(site["url"] + "/api/sessions", headers={"Authorization": f"Bearer {full}"})
    assert listed.status_code == 200 and listed.json() == []
    assert httpx.get(site["url"] + "/audio/abc.mp3").status_code == 200
    assert site["glue"][-1]["path"] == "/audio/abc.mp3"


def test_oversized_capture_is_refused_by_nginx(site: dict, pg_dsn: str) -> None:
    """A body over the size limit is answered 413 before it reaches n8n."""
    token = issue(pg_dsn, "capture")
    answer = httpx.post(
        site["url"] + "/api/capture",
        headers={"Authorization": f"Bearer {token}"},
        files={"audio": ("big.wav", b"\0" * (27 * 1024 * 1024), "audio/wav")},
    )
    assert answer.status_code == 413
    assert site["n8n"] == []


def test_production_site_is_valid_nginx(tmp_path: Path) -> None:
    """The TLS site file passes `nginx -t` once its paths point at real files."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=assistant.example", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site_conf = (NGINX_DIR / "solo-brain.conf").read_text()
    site_conf = site_conf.replace("/etc/nginx/solo-brain/", f"{NGINX_DIR}/")
    site_conf = re.sub(r"/etc/letsencrypt/live/assistant.example/fullchain.pem",
                       str(tmp_path / "cert.pem"), site_conf)  # fmt: skip
    site_conf = re.sub(r"/etc/letsencrypt/live/assistant.example/privkey.pem",
                       str(tmp_path / "key.pem"), site_conf)  # fmt: skip
    site_conf = site_conf.replace("listen 80;", "listen 127.0.0.1:18080;").replace(
        "listen 443 ssl", "listen 127.0.0.1:18443 ssl"
    )
    (tmp_path / "site.conf").write_text(site_conf)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_pairing_through_nginx_is_limited_per_address(site: dict, pg_dsn: str) -> None:
    """/api/pair reaches the hub without a token, and nginx stops a burst of guesses (429)."""
    full = issue(pg_dsn, "full")
    made = httpx.post(
        site["url"] + "/api/pairing-codes", headers={"Authorization": f"Bearer {full}"}
    )
    paired = httpx.post(site["url"] + "/api/pair", json={"code": made.json()["code"]})
    assert paired.status_code == 201, paired.text
    answers = [
        httpx.post(site["url"] + "/api/pair", json={"code": "WXYZ-2345"}).status_code
        for _ in range(8)
    ]
    assert 400 in answers and answers[-1] == 429


def test_nginx_refuses_a_1_mib_header(site: dict) -> None:
    """A 1 MiB header is refused by nginx (400) before it reaches the hub."""
    answer = httpx.get(site["url"] + "/api/sessions", headers={"X-Big": "x" * 1024 * 1024})
    assert answer.status_code == 400


def test_nginx_drops_a_client_that_never_finishes_its_headers(site: dict) -> None:
    """A client that sends half a request head and then nothing is disconnected by nginx
    (client_header_timeout), so a slow client cannot hold a connection forever."""
    port = int(site["url"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET /api/sessions HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        conn.settimeout(60)  # well over client_header_timeout (15 s): a timeout here fails
        try:
            answer = conn.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
