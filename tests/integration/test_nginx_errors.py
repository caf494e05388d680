"""The errors nginx produces itself, and the hub's for captures, reach the phone as the JSON
error envelope with a French `speech`, never as nginx's HTML page: a real nginx with the
repository's site in front of the real hub and of n8n stand-ins too slow or not there at all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Response

from solo_brain.mesh.app import create_app
from tests.fakes.server import free_port, serve
from tests.mesh.hub_harness import auth, issue
from tests.support.nginx import running_nginx
from tests.support.settings import mesh_settings

# Whatever the hub or n8n answers takes one second at most before nginx gives up (504).
SHORT_READS = {"proxy_read_timeout 60s;": "proxy_read_timeout 1s;"}


def slow_n8n() -> FastAPI:
    """An n8n stand-in whose capture webhook answers after 3 s (past the shortened timeout)."""
    app = FastAPI()

    @app.post("/webhook/capture")
    async def capture() -> Response:
        await asyncio.sleep(3)
        return Response('{"status": "filed"}', media_type="application/json")

    return app


def assert_spoken_error(answer: httpx.Response, status: int, code: str) -> dict:
    """The answer is `status` with the JSON envelope of `code` and a French sentence to say."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert isinstance(body["speech"], str) and body["speech"].endswith(".")
    return body


@pytest.fixture
def hub(pg_dsn: str, db: object) -> Iterator[Callable[[str], str]]:
    """Starts the real hub on the test database, forwarding captures to the n8n given."""
    with ExitStack() as stack:

        def start(n8n: str) -> str:
            settings = mesh_settings(database_url=pg_dsn, MESH_CAPTURE_URL=f"{n8n}/webhook/capture")
            return stack.enter_context(serve(create_app(settings)))

        yield start


def test_a_capture_the_hub_does_not_answer_in_time_is_a_spoken_504(
    hub: Callable[[str], str], pg_dsn: str, tmp_path: Path
) -> None:
    """Neither n8n nor the hub answers within proxy_read_timeout (the hub waits for its 8 s
    budget): 504 JSON that says the note was not confirmed, with when to retry."""
    dead = f"http://127.0.0.1:{free_port()}"
    with serve(slow_n8n()) as n8n:
        with running_nginx(tmp_path, {8100: hub(n8n), 5678: n8n, 8101: dead},
                           edits=SHORT_READS) as url:  # fmt: skip
            answer = httpx.post(f"{url}/api/capture", headers=auth(issue(pg_dsn, "capture")),
                                data={"text": "note"}, timeout=30)  # fmt: skip
    body = assert_spoken_error(answer, 504, "upstream_timeout")
    assert "inbox" in body["speech"] and "capture_id" in body["error"]["message"]
    assert answer.headers["retry-after"] == "10"


def test_n8n_or_the_glue_not_running_is_a_spoken_error(
    hub: Callable[[str], str], pg_dsn: str, tmp_path: Path
) -> None:
    """Nothing listens where n8n and the glue should: the capture is the hub's 503 and the
    audio nginx's 502, both JSON saying nothing was received."""
    dead = f"http://127.0.0.1:{free_port()}"
    with running_nginx(tmp_path, {8100: hub(dead), 5678: dead, 8101: dead}) as url:
        captured = httpx.post(f"{url}/api/capture", headers=auth(issue(pg_dsn, "capture")),
                              data={"text": "note"}, timeout=30)  # fmt: skip
        audio = httpx.get(f"{url}/audio/abc.mp3", timeout=30)
    body = assert_spoken_error(captured, 503, "capture_unavailable")
    assert "rien n'est reçu" in body["speech"]
    assert "rien n'est reçu" in assert_spoken_error(audio, 502, "service_unavailable")["speech"]


def test_the_hub_down_makes_captures_and_the_api_a_spoken_502(tmp_path: Path) -> None:
    """The hub not running: the capture's token check fails (nginx's 500) and the API has no
    upstream; both answer 502 JSON, and n8n is never asked."""
    dead = f"http://127.0.0.1:{free_port()}"
    with serve(slow_n8n()) as n8n, running_nginx(
        tmp_path, {8100: dead, 5678: n8n, 8101: dead}
    ) as url:  # fmt: skip
        captured = httpx.post(f"{url}/api/capture", headers={"Authorization": "Bearer sbt_x"},
                              data={"text": "note"}, timeout=30)  # fmt: skip
        listed = httpx.get(f"{url}/api/sessions", timeout=30)
    assert_spoken_error(captured, 502, "service_unavailable")
    assert_spoken_error(listed, 502, "service_unavailable")


def test_the_hub_slower_than_nginx_waits_is_a_spoken_504(tmp_path: Path) -> None:
    """An API route that does not answer within proxy_read_timeout: the generic 504 JSON."""
    app = FastAPI()

    @app.get("/api/sessions")
    async def sessions() -> Response:
        await asyncio.sleep(3)
        return Response("[]", media_type="application/json")

    dead = f"http://127.0.0.1:{free_port()}"
    with serve(app) as hub, running_nginx(
        tmp_path, {8100: hub, 5678: dead, 8101: dead}, edits=SHORT_READS
    ) as url:  # fmt: skip
        listed = httpx.get(f"{url}/api/sessions", timeout=30)
    assert_spoken_error(listed, 504, "upstream_timeout")


def test_refusals_by_nginx_are_spoken_json(
    hub: Callable[[str], str], pg_dsn: str, tmp_path: Path
) -> None:
    """A refused token (401/403) and a body over the limit (413), decided by nginx, are JSON
    envelopes with a sentence; n8n is never asked."""
    dead = f"http://127.0.0.1:{free_port()}"
    with running_nginx(tmp_path, {8100: hub(dead), 5678: dead, 8101: dead}) as url:
        unknown = httpx.post(f"{url}/api/capture", headers={"Authorization": "Bearer sbt_no"},
                             data={"text": "x"})  # fmt: skip
        agent = httpx.post(f"{url}/api/capture", headers=auth(issue(pg_dsn, "agent")),
                           data={"text": "x"})  # fmt: skip
        big = httpx.post(
            f"{url}/api/capture",
            headers=auth(issue(pg_dsn, "capture")),
            files={"audio": ("big.wav", b"\0" * (27 * 1024 * 1024), "audio/wav")},
        )
    assert "jeton" in assert_spoken_error(unknown, 401, "unauthorized")["speech"]
    assert "jeton" in assert_spoken_error(agent, 403, "forbidden")["speech"]
    assert_spoken_error(big, 413, "payload_too_large")


def test_too_many_captures_are_a_spoken_429(hub: Callable[[str], str], tmp_path: Path) -> None:
    """Captures over the rate limit of one address: 429 JSON saying when to retry."""
    dead = f"http://127.0.0.1:{free_port()}"
    tight = {"zone=solo_capture burst=10": "zone=solo_capture burst=1"}
    with running_nginx(tmp_path, {8100: hub(dead), 5678: dead, 8101: dead}, edits=tight) as url:
        burst = [httpx.post(f"{url}/api/capture", data={"text": "x"}) for _ in range(4)]
    assert [a.status_code for a in burst[:2]] == [401, 401]  # the limit comes before the token
    limited = assert_spoken_error(burst[-1], 429, "too_many_requests")
    assert "minute" in limited["speech"] and burst[-1].headers["retry-after"] == "60"
