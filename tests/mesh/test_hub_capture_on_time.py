"""The hub answers a text capture within its time budget when n8n is late: it records the
capture under its id and answers "on it", and n8n, when it gets to the request, files that same
capture (real hub and Postgres, an n8n stand-in that is as slow as a test makes it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI, Request

from solo_brain.classify.speech import ON_IT
from tests.fakes.server import serve
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub
from tests.support.wait import wait_for


@dataclass
class LateN8n:
    """n8n's capture webhook answering after `delay_s`, recording what it was sent."""

    delay_s: float = 3.0
    received: list[dict[str, Any]] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        """The stand-in's ASGI app."""
        app = FastAPI()

        @app.post("/webhook/capture")
        async def capture(request: Request) -> dict[str, Any]:
            form = await request.form()
            self.received.append({"headers": dict(request.headers),
                                  "has_audio": "audio" in form, "form": dict(form)})  # fmt: skip
            await asyncio.sleep(self.delay_s)
            capture_id = str(form.get("capture_id") or request.headers.get("x-capture-id"))
            self.answered.append(capture_id)
            return {"capture_id": capture_id, "status": "filed", "speech": "Capté, note rangée."}

        return app


@pytest.fixture
def late_n8n(db: object) -> Iterator[tuple[str, LateN8n]]:
    """The slow stand-in, served, on emptied tables; its webhook URL and its state."""
    state = LateN8n()
    with serve(state.app()) as url:
        yield f"{url}/webhook/capture", state


def test_a_text_capture_n8n_is_late_with_is_recorded_and_answered_on_it(
    pg_dsn: str, late_n8n: tuple[str, LateN8n]
) -> None:
    """n8n slower than the budget: the hub answers 200 "on it" with a capture id of its own,
    the capture is stored under that id with its confirmation deferred (the outcome will be
    notified), and n8n was sent the same id, so that it files that capture and no other."""
    url, n8n = late_n8n
    settings = hub_settings(pg_dsn, MESH_CAPTURE_URL=url, CAPTURE_TIME_BUDGET_S=1)
    with running_hub(settings) as hub:
        answer = httpx.post(f"{hub}/api/capture", data={"text": "rappeler le garage demain"},
                            headers=auth(issue(pg_dsn, "capture")), timeout=30)  # fmt: skip
        wait_for(lambda: n8n.answered, timeout=10, what="n8n's late answer")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["speech"] == ON_IT and body["status"] == "pending_classification"
    assert (
        body["capture_id"].startswith("cap_") and body["transcript"] == "rappeler le garage demain"
    )
    assert n8n.received[0]["headers"]["x-capture-id"] == body["capture_id"]
    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute("SELECT id, text, confirmation FROM assistant.captures").fetchall()
    assert rows == [(body["capture_id"], "rappeler le garage demain", "deferred")]


def test_the_phone_s_own_capture_id_is_kept_and_filed_once(
    pg_dsn: str, late_n8n: tuple[str, LateN8n]
) -> None:
    """The PWA's capture_id is the id the hub records, and sending it again (the outbox) while
    n8n is still late answers the same capture: one row."""
    url, n8n = late_n8n
    form = {
        "text": "idée : un cache pour les modèles",
        "capture_id": "cap_01J0000000000000000000000C",
    }
    settings = hub_settings(pg_dsn, MESH_CAPTURE_URL=url, CAPTURE_TIME_BUDGET_S=1)
    token = issue(pg_dsn, "capture")
    with running_hub(settings) as hub:
        first, again = (httpx.post(f"{hub}/api/capture", data=form, headers=auth(token),
                                   timeout=30) for _ in range(2))  # fmt: skip
        wait_for(lambda: len(n8n.answered) == 2, timeout=10, what="n8n's late answers")
    assert [first.json()["capture_id"], again.json()["capture_id"]] == [form["capture_id"]] * 2
    assert "x-capture-id" not in n8n.received[0]["headers"]  # the form carries it already
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM assistant.captures").fetchone() == (1,)


def test_n8n_within_the_budget_answers_itself(pg_dsn: str, late_n8n: tuple[str, LateN8n]) -> None:
    """n8n answering within the budget: its answer passes through, the hub records nothing."""
    url, n8n = late_n8n
    n8n.delay_s = 0
    settings = hub_settings(pg_dsn, MESH_CAPTURE_URL=url, CAPTURE_TIME_BUDGET_S=8)
    with running_hub(settings) as hub:
        answer = httpx.post(f"{hub}/api/capture", data={"text": "note"},
                            headers=auth(issue(pg_dsn, "capture")), timeout=30)  # fmt: skip
    assert answer.json()["speech"] == "Capté, note rangée."
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM assistant.captures").fetchone() == (0,)


@pytest.mark.parametrize("form", [{"mode": "voice"}, {"text": "x", "channel": "fax"}])
def test_audio_and_requests_n8n_refuses_wait_for_n8n(
    pg_dsn: str, late_n8n: tuple[str, LateN8n], form: dict[str, str]
) -> None:
    """A voice capture whose audio is not audio (n8n's "Keep the raw audio" refuses it) or a
    field n8n refuses: the hub never answers for n8n, whatever the delay, and records nothing
    itself (test_hub_voice_capture_on_time.py: a real voice capture is answered on time)."""
    url, n8n = late_n8n
    n8n.delay_s = 2
    files = {"audio": ("note.m4a", b"\0" * 1024, "audio/mp4")} if form.get("mode") else None
    settings = hub_settings(pg_dsn, MESH_CAPTURE_URL=url, CAPTURE_TIME_BUDGET_S=1)
    with running_hub(settings) as hub:
        answer = httpx.post(f"{hub}/api/capture", data=form, files=files,
                            headers=auth(issue(pg_dsn, "capture")), timeout=30)  # fmt: skip
    assert answer.json()["speech"] == "Capté, note rangée."  # n8n's answer, however late
    if files is None:  # the hub cannot tell audio from garbage before the budget runs out
        assert "x-capture-id" not in n8n.received[0]["headers"]
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM assistant.captures").fetchone() == (0,)
