"""Postgres stopped under running services: every route that needs it answers a quick JSON 503
`database_unavailable` (never a plain-text 500, never after the pool's whole timeout), and the
services use the database again once it is back."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mesh_protocol import ErrorFrame, SessionInfo, agent_ws_url
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub, scripted_agent
from tests.support.classify import classify_service
from tests.support.stoppable_pg import StoppablePostgres, stoppable_postgres
from tests.support.wait import wait_for

# A request that waited for a pooled connection would wait this long before its 503: the client
# gives up well before, so a test passes only when the answer does not wait for the pool.
POOL_WAIT_S = 120.0
CLIENT_TIMEOUT_S = 30.0
HUB_ROUTES = [
    ("GET", "/api/sessions"),
    ("GET", "/api/agents"),
    ("GET", "/api/captures"),
    ("GET", "/api/clients"),
    ("GET", "/api/projects"),
    ("GET", "/api/devices"),
]


@pytest.fixture
def pg() -> Iterator[StoppablePostgres]:
    """A Postgres of the test's own, which it stops."""
    with stoppable_postgres() as server:
        yield server


def _assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "database_unavailable"


def test_hub_answers_503_json_while_postgres_is_down_and_recovers(pg: StoppablePostgres) -> None:
    """Each token-checked hub route answers 503 database_unavailable while Postgres is stopped
    (twice in a row, the second as quickly as the first), and 200 again once it restarted."""
    token = issue(pg.url, "full")
    settings = hub_settings(pg.url, DB_WAIT_S=POOL_WAIT_S)
    with running_hub(settings) as url, httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT_S) as http:
        assert http.get("/api/sessions", headers=auth(token)).status_code == 200
        pg.stop()
        for _ in range(2):
            for method, path in HUB_ROUTES:
                _assert_database_unavailable(http.request(method, path, headers=auth(token)))
        _assert_database_unavailable(http.post("/api/pair", json={"code": "ABCD-EFGH"}))
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "The database does not answer."
        pg.start()
        wait_for(
            lambda: http.get("/api/sessions", headers=auth(token)).status_code == 200,
            30,
            what="the hub to use the restarted database",
        )
        assert http.get("/api/clients", headers=auth(token)).status_code == 200


def test_classify_answers_503_json_while_postgres_is_down_and_recovers(
    pg: StoppablePostgres,
) -> None:
    """The classify service's database routes (a capture's filing too) answer a JSON 503 while
    Postgres is stopped, and classify again once it restarted."""
    with classify_service(pg.url, DB_WAIT_S=POOL_WAIT_S) as http:
        http.timeout = httpx.Timeout(CLIENT_TIMEOUT_S)
        note = {"text": "rappeler le fournisseur vendredi", "public": False}
        assert http.post("/v1/classify", json=note).status_code == 200
        pg.stop()
        for _ in range(2):
            filing = http.post("/v1/filings", json={"request": {"text": note["text"]}})
            assert filing.json()["error"]["code"] == "database_unavailable"
            for response in (http.get("/v1/catalog"), http.post("/v1/classify", json=note), filing):
                assert response.status_code == 503, response.text
                assert response.headers["content-type"].startswith("application/json")
                assert response.json()["error"]["code"].endswith("unavailable")
        pg.start()
        wait_for(
            lambda: http.post("/v1/classify", json=note).status_code == 200,
            30,
            what="classify to use the restarted database",
        )


async def test_agents_get_a_clear_close_while_postgres_is_down(pg: StoppablePostgres) -> None:
    """A connected agent's next frame gets a database_unavailable error and close 1011 (it
    reconnects later); a new agent's upgrade is refused with a JSON 503 before it is accepted."""
    token = issue(pg.url, "agent")
    settings = hub_settings(pg.url, DB_WAIT_S=POOL_WAIT_S)
    with running_hub(settings) as url:
        async with scripted_agent(url, token) as agent:
            pg.stop()
            await agent.send(SessionInfo(session_id="5f0c8e1a-7b2d-4c3e-9a4f-6b7c8d9e0f1a"))
            error = await agent.expect(ErrorFrame, wait_s=CLIENT_TIMEOUT_S)
            assert error.code == "database_unavailable"
            with pytest.raises(ConnectionClosed) as closed:
                await agent.recv(wait_s=CLIENT_TIMEOUT_S)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
        with pytest.raises(InvalidStatus) as refused:
            async with connect(agent_ws_url(url), additional_headers=auth(token)):
                pass
        assert refused.value.response.status_code == 503
        assert b"database_unavailable" in refused.value.response.body
