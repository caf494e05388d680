"""classify's `POST /v1/filings`: a capture filed in one call (record → classify → file →
sentence → speak → tell), answered when told or at its time budget while the filing goes on.
Real classify and glue services, real Postgres; Ollama and Kokoro are the loopback fakes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from psycopg.rows import dict_row

from solo_brain.glue.app import create_app as create_glue
from solo_brain.mesh.store.tokens import create_token
from tests.fakes.kokoro import run_kokoro
from tests.fakes.ollama import OllamaState
from tests.fakes.server import serve
from tests.support.classify import answer, classify_service, fake_ollama, seed_catalog
from tests.support.settings import glue_settings

TOKEN = "capture-token-for-the-filing-tests"
QUESTION = answer(category="todo", summary="Agenda", actions=[],
                  question={"period_phrase": "demain"})  # fmt: skip


@contextmanager
def filing_stack(
    pg_dsn: str, tmp_path: Path, **classify: Any
) -> Iterator[tuple[httpx.Client, OllamaState]]:
    """classify (with its filing route) in front of the real glue, Kokoro and Ollama fakes."""
    with run_kokoro() as (kokoro, _), fake_ollama() as (ollama, ollama_url):
        settings = glue_settings(kokoro_url=kokoro.url, media_dir=tmp_path / "media")
        with serve(create_glue(settings)) as glue_url, classify_service(
            pg_dsn, OLLAMA_URL=ollama_url, GLUE_URL=glue_url, **classify
        ) as http:  # fmt: skip
            yield http, ollama


def capture_row(pg_dsn: str, capture_id: str) -> dict[str, Any]:
    """The stored capture."""
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,))
        return row.fetchone() or {}


def new_id() -> str:
    """A capture id as a phone makes it."""
    return "cap_" + uuid.uuid4().hex[:26].upper().replace("I", "J").replace("L", "K").replace(
        "O", "P").replace("U", "V")  # fmt: skip


def test_a_text_capture_is_filed_told_and_answered_in_one_call(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """One call records, classifies, files, words, speaks and tells the capture."""
    seed_catalog(db)
    with filing_stack(pg_dsn, tmp_path) as (http, ollama):
        ollama.reply(answer())
        got = http.post("/v1/filings", json={"request": {"text": "Idée imx8 : le NPU vendredi"}})
    assert got.status_code == 200, got.text
    outcome = got.json()
    assert (outcome["status_code"], outcome["deferred"], outcome["running"]) == (200, False, False)
    body = outcome["answer"]
    assert (body["status"], body["category"], body["project"]) == (
        "filed",
        "idee_rd",
        "imx8mp-vision",
    )
    assert body["speech"] and body["tts_url"]
    assert capture_row(pg_dsn, outcome["capture_id"])["confirmation"] == "answered"


def test_a_retried_capture_is_filed_once_and_the_model_asked_once(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """The same capture_id sent again answers what was recorded: no second filing."""
    seed_catalog(db)
    capture_id = new_id()
    request = {"request": {"text": "Idée imx8 : le NPU vendredi", "capture_id": capture_id}}
    with filing_stack(pg_dsn, tmp_path) as (http, ollama):
        ollama.reply(answer())
        first = http.post("/v1/filings", json=request).json()
        again = http.post("/v1/filings", json=request).json()
        assert len(ollama.chats) == 1
    assert first["capture_id"] == again["capture_id"] == capture_id
    assert (
        again["answer"]["status"] == "filed"
        and again["answer"]["speech"] == first["answer"]["speech"]
    )
    with psycopg.connect(pg_dsn) as conn:
        (n,) = conn.execute("SELECT count(*) FROM assistant.actions WHERE capture_id = %s",
                            (capture_id,)).fetchone()  # fmt: skip
    assert n == 1


def test_a_slow_model_gets_on_it_at_the_budget_and_is_filed_afterwards(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """Past the budget the caller hears "on it"; the model, asked once, files the capture."""
    seed_catalog(db)
    with filing_stack(pg_dsn, tmp_path) as (http, ollama):
        ollama.latency_s = 2.5
        ollama.reply(answer())
        started = time.monotonic()
        got = http.post("/v1/filings", json={"request": {"text": "Idée imx8 lente"}, "budget_s": 1})
        answered = time.monotonic() - started
        outcome = got.json()
        assert (outcome["deferred"], outcome["running"]) == (True, True), outcome
        assert answered < 2.4
        assert outcome["answer"]["status"].startswith("pending_")
        assert outcome["answer"]["speech"].startswith("C'est noté, je m'en occupe")
        waited = http.post(f"/v1/filings/{outcome['capture_id']}/wait", json={}).json()
        assert (waited["running"], waited["question"]) == (False, None)
        assert waited["deliver"] is True  # the outcome's notification
        assert len(ollama.chats) == 1
    row = capture_row(pg_dsn, outcome["capture_id"])
    assert (row["status"], row["confirmation"]) == ("filed", "notified")


def test_a_question_stops_before_filing_and_is_handed_back(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """A question is neither filed nor told: its classification comes back to be answered."""
    seed_catalog(db)
    with filing_stack(pg_dsn, tmp_path) as (http, ollama):
        ollama.reply(QUESTION)
        outcome = http.post("/v1/filings", json={"request": {"text": "Qu'ai-je demain ?"}}).json()
    assert outcome["answer"] is None and outcome["running"] is False
    assert outcome["question"]["capture_id"] == outcome["capture_id"]
    assert outcome["question"]["question"]["period_phrase"] == "demain"
    row = capture_row(pg_dsn, outcome["capture_id"])
    assert (row["status"], row["confirmation"], row["category"]) != ("filed", None, None)
    assert row["confirmation"] is None and row["category"] is None


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer "])
def test_a_capture_without_the_capture_token_is_refused(
    pg_dsn: str, tmp_path: Path, header: str | None
) -> None:
    """With CAPTURE_WEBHOOK_TOKEN set, no or a wrong token is a 403 and records nothing."""
    capture_id = new_id()
    with filing_stack(pg_dsn, tmp_path, CAPTURE_WEBHOOK_TOKEN=TOKEN) as (http, _):
        got = http.post(
            "/v1/filings",
            json={
                "request": {"text": "Sans jeton", "capture_id": capture_id},
                "authorization": header,
            },
        )
    assert got.status_code == 403, got.text
    assert got.json()["error"]["code"] == "forbidden"
    assert capture_row(pg_dsn, capture_id) == {}


def test_the_capture_token_or_a_phone_token_of_scope_capture_is_let_in(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """The webhook's own token and a live hub token of scope capture both file the capture."""
    seed_catalog(db)
    with psycopg.connect(pg_dsn) as conn:
        _, phone = create_token(conn, "capture", f"phone-{uuid.uuid4().hex[:6]}")
        _, agent = create_token(conn, "agent", f"agent-{uuid.uuid4().hex[:6]}")
    with filing_stack(pg_dsn, tmp_path, CAPTURE_WEBHOOK_TOKEN=TOKEN) as (http, ollama):
        ollama.reply(answer(), answer())
        for token in (TOKEN, phone):
            got = http.post("/v1/filings", json={"request": {"text": "Avec jeton"},
                                                 "authorization": f"Bearer {token}"})  # fmt: skip
            assert got.status_code == 200, got.text
        refused = http.post("/v1/filings", json={"request": {"text": "Jeton de machine"},
                                                 "authorization": f"Bearer {agent}"})  # fmt: skip
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "request_fields",
    [
        {},
        {"text": "   "},
        {"text": "x", "capture_id": "cap_short"},
        {"text": "x", "channel": "fax"},
    ],
)
def test_a_request_without_words_or_with_a_bad_field_is_refused(
    pg_dsn: str, tmp_path: Path, request_fields: dict[str, str]
) -> None:
    """Nothing usable, a malformed capture_id or an unknown channel: 400 invalid_request."""
    with filing_stack(pg_dsn, tmp_path) as (http, _):
        got = http.post("/v1/filings", json={"request": request_fields})
    assert got.status_code == 400, got.text
    assert got.json()["error"]["code"] == "invalid_request"
    assert "send a multipart file field audio or a field text" in got.json()["error"]["message"]


def test_two_calls_at_once_for_one_capture_share_one_filing(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """A retry sent while the first call is still filing joins its task: one model request."""
    seed_catalog(db)
    capture_id = new_id()
    request = {"request": {"text": "Idée imx8 : le NPU vendredi", "capture_id": capture_id}}
    with filing_stack(pg_dsn, tmp_path) as (http, ollama):
        ollama.latency_s = 1.0
        ollama.reply(answer(), answer())
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda _: http.post("/v1/filings", json=request), range(2))
        assert len(ollama.chats) == 1
    assert first.status_code == second.status_code == 200
    assert first.json()["answer"] == second.json()["answer"]
    assert first.json()["answer"]["status"] == "filed"


def html_proxy() -> FastAPI:
    """What answers in the glue's place when a proxy in front of it is misconfigured: its own
    HTML page with status 200, to every request (the glue client cannot read it as JSON)."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def page(path: str) -> HTMLResponse:
        return HTMLResponse("<html><body>Bienvenue sur nginx !</body></html>")

    return app


def test_a_filing_that_fails_for_another_reason_answers_on_it_and_stays_retried(
    db: psycopg.Connection[Any], pg_dsn: str
) -> None:
    """A step failing otherwise than the database (the glue's answer is not JSON) stops the
    task: the caller hears "on it" at once, not a 5xx, and the capture, untold and still
    pending, is what retry-pending takes again."""
    with serve(html_proxy()) as proxy, classify_service(pg_dsn, GLUE_URL=proxy) as http:
        got = http.post("/v1/filings", json={"request": {"mode": "voice"}, "audio_ref": "a" * 32})
    assert got.status_code == 200, got.text
    outcome = got.json()
    assert (outcome["status_code"], outcome["deferred"], outcome["running"]) == (200, True, False)
    assert outcome["answer"]["status"] == "pending_transcription"
    assert outcome["answer"]["speech"].startswith("C'est noté, je m'en occupe")
    row = capture_row(pg_dsn, outcome["capture_id"])
    assert (row["status"], row["confirmation"], row["transcript"]) == (
        "pending_transcription", "deferred", None,
    )  # fmt: skip
    taken = db.execute("SELECT * FROM assistant.claim_retries('{\"grace_s\": 0}')").fetchall()
    assert [r["capture_id"] for r in taken] == [outcome["capture_id"]]
