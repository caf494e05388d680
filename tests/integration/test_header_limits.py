"""Every service caps request headers: a 1 MiB header is refused with a 431 envelope (a
WebSocket upgrade with 403), and `solo-brain serve` refuses it before buffering it whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mesh_protocol import agent_ws_url
from solo_brain.classify.app import create_app as create_classify
from solo_brain.glue.app import create_app as create_glue
from solo_brain.mesh.app import create_app as create_hub
from tests.fakes.server import free_port, serve
from tests.mesh.hub_harness import auth, issue
from tests.support.processes import bare_dir, service_env
from tests.support.settings import classify_settings, glue_settings, mesh_settings
from tests.support.wait import wait_for

ONE_MIB = "x" * (1024 * 1024)


def assert_headers_too_large(answer: httpx.Response) -> None:
    """431 with the usual error envelope."""
    assert answer.status_code == 431, answer.text
    assert answer.json()["error"]["code"] == "headers_too_large"


@pytest.mark.parametrize("service", ["glue", "classify", "hub"])
def test_each_service_refuses_a_1_mib_header(
    db: psycopg.Connection, pg_dsn: str, tmp_path: Path, service: str
) -> None:
    """A 1 MiB header gets 431 headers_too_large; the same request with small headers passes."""
    app = {
        "glue": lambda: create_glue(glue_settings(media_dir=tmp_path / "media")),
        "classify": lambda: create_classify(classify_settings(DATABASE_URL=pg_dsn)),
        "hub": lambda: create_hub(mesh_settings(database_url=pg_dsn, media_dir=tmp_path)),
    }[service]()
    with serve(app) as url:
        assert_headers_too_large(httpx.get(f"{url}/healthz", headers={"X-Big": ONE_MIB}))
        many = {f"X-H{i}": "y" * 1000 for i in range(40)}  # 40 KB over many headers
        assert_headers_too_large(httpx.get(f"{url}/healthz", headers=many))
        assert httpx.get(f"{url}/healthz", headers={"X-Small": "y" * 4000}).status_code == 200


async def test_agent_socket_refuses_oversized_headers(db: psycopg.Connection, pg_dsn: str) -> None:
    """A WebSocket upgrade whose headers add up to 40 KB is refused (403) before it is accepted
    (a single line over 8 KiB is the HTTP parser's to refuse: see the last test)."""
    token = issue(pg_dsn, "agent")
    with serve(create_hub(mesh_settings(database_url=pg_dsn))) as url:
        headers = auth(token) | {f"X-H{i}": "y" * 1000 for i in range(40)}
        with pytest.raises(InvalidStatus) as refused:
            async with connect(agent_ws_url(url), additional_headers=headers):
                pass
    assert refused.value.response.status_code == 403


def test_solo_brain_serve_refuses_huge_headers(tmp_path: Path) -> None:
    """`solo-brain serve glue` answers 431 JSON over the cap and refuses a 1 MiB header
    outright (its HTTP parser stops buffering), then serves the next request."""
    port = free_port()
    env = service_env(MEDIA_DIR=tmp_path / "media", SOLO_BRAIN_VAR_DIR=tmp_path / "var")
    log = (tmp_path / "glue.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "serve", "glue", "--port", str(port)],
        env=env, cwd=bare_dir(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert proc.poll() is None, (tmp_path / "glue.log").read_text()
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, 60, what="glue to be ready", poll=0.2)
        assert_headers_too_large(httpx.get(f"{url}/healthz", headers={"X-Big": "y" * 40_000}))
        try:
            answer = httpx.get(f"{url}/healthz", headers={"X-Big": ONE_MIB})
        except httpx.HTTPError:
            pass  # the connection was closed on it: refused too
        else:
            assert answer.status_code == 400, answer.text  # h11: invalid request
        assert httpx.get(f"{url}/healthz").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
