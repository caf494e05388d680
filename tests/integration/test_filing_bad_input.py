"""classify's filing API (`POST /v1/filings`, `POST /v1/filings/{id}/wait`) fed the bad-input
corpus of test_services_bad_input.py. Unlike the other classify routes this one records a
capture, so the rule is: a refused request (broken JSON, a hostile id, a field the capture API
refuses) leaves every table as it was; an accepted hostile string is stored verbatim and
answered as JSON; never a 5xx. Real classify service and Postgres; no model (the heuristic
classifies) and no glue (speaking fails, the capture is told silently)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from solo_brain.classify.models import MAX_TEXT_CHARS
from tests.fakes.server import free_port
from tests.support.classify import classify_service
from tests.support.corpus import (
    EVIL_BODIES,
    EVIL_IDS,
    EVIL_STRINGS,
    assert_clear_refusal,
    assert_no_server_error,
    state,
)

GHOST = "cap_" + "0" * 26
# Top-level fields of a filing request that carry a caller's string as they are.
HEADER_FIELDS = ("authorization", "request_start", "hub_capture_id")


@pytest.fixture
def http(pg_dsn: str) -> Iterator[httpx.Client]:
    """classify with nothing behind it: no model, a glue that refuses connections."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    with classify_service(pg_dsn, GLUE_URL=nowhere) as client:
        yield client


def file(http: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    """POST /v1/filings, waiting for the end of the filing (nothing is written after the answer),
    with non-ASCII escaped (a lone surrogate travels as \\ud800)."""
    content = json.dumps({**body, "wait": True})
    return http.post("/v1/filings", content=content, headers={"Content-Type": "application/json"})


def stored(pg_dsn: str, capture_id: str) -> dict[str, Any]:
    """The capture row as stored."""
    with psycopg.connect(pg_dsn, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,))
        return row.fetchone() or {}


def test_broken_bodies_are_refused_and_record_nothing(
    db: psycopg.Connection, http: httpx.Client
) -> None:
    """Every body of the corpus, on both routes: a clear 400 or 413 and no row written."""
    before = state(db)
    for path in ("/v1/filings", f"/v1/filings/{GHOST}/wait"):
        for raw in EVIL_BODIES.values():
            answer = http.post(path, content=raw, headers={"Content-Type": "application/json"})
            assert_clear_refusal(answer, 400, 413)
    assert state(db) == before


def test_hostile_words_are_stored_verbatim_or_refused_without_a_trace(
    db: psycopg.Connection, pg_dsn: str, http: httpx.Client
) -> None:
    """Each hostile string as the text or the hint: filed and answered as JSON with the capture
    holding it byte for byte, or refused with a clear 4xx and no row written."""
    for field in ("text", "hint"):
        for name, value in EVIL_STRINGS.items():
            fields = {"text": "Rappeler Dupont", field: value}
            before = state(db)
            answer = file(http, {"request": fields})
            assert_no_server_error(answer)
            if answer.status_code >= 400:
                assert state(db) == before, (field, name)
                continue
            outcome = answer.json()
            assert outcome["answer"]["status"] == "filed", (field, name, outcome)
            assert stored(pg_dsn, outcome["capture_id"])[field] == value, (field, name)


def test_hostile_fields_never_make_a_server_error(
    db: psycopg.Connection, http: httpx.Client
) -> None:
    """Hostile mode, channel, capture_id and header copies: a clear 4xx with nothing written,
    or an answer as JSON; a hostile stored capture id is refused."""
    for name, value in EVIL_STRINGS.items():
        bodies: list[dict[str, Any]] = [
            {"request": {"text": "Rappeler Dupont", "mode": value}},
            {"request": {"text": "Rappeler Dupont", "channel": value}},
            {"request": {"text": "Rappeler Dupont", "capture_id": value}},
            *({"request": {"text": "Rappeler Dupont"}, f: value} for f in HEADER_FIELDS),
        ]
        for body in bodies:
            before = state(db)
            answer = file(http, body)
            assert_no_server_error(answer)
            if answer.status_code >= 400:
                assert state(db) == before, (body.keys(), name)
            else:
                assert answer.json()["answer"]["status"] == "filed", (body, name)
        refused = file(http, {"capture_id": value})
        assert_clear_refusal(refused, 400, 413)


def test_hostile_ids_to_wait_for_are_refused(db: psycopg.Connection, http: httpx.Client) -> None:
    """Traversal (plain, encoded, NUL), SQL and odd bytes as the capture id to wait for: a
    clear 4xx, whatever is waited for, and nothing written."""
    before = state(db)
    for evil in [*EVIL_IDS.values(), "..", "....//....//etc//passwd", "cap_" + "0" * 25 + "%00"]:
        for wait in ({}, {"answer": True}, {"until": "2031-01-01T00:00:00Z"}):
            answer = http.post(f"/v1/filings/{evil}/wait", json=wait)
            assert_clear_refusal(answer, 400, 404, 405)
    unknown = http.post(f"/v1/filings/{GHOST}/wait", json={"answer": True})
    assert_clear_refusal(unknown, 404)
    assert state(db) == before


@pytest.mark.parametrize("wait", [{}, {"answer": True}, {"until": "2031-01-01T00:00:00Z"}])
def test_waiting_for_an_unknown_capture_is_a_404(
    db: psycopg.Connection, http: httpx.Client, wait: dict[str, Any]
) -> None:
    """A well-formed capture id nobody recorded, whatever is waited for: 404 not_found in the
    error envelope, as the route documents, and nothing written."""
    before = state(db)
    answer = http.post(f"/v1/filings/{GHOST}/wait", json=wait)
    assert_clear_refusal(answer, 404)
    assert answer.json()["error"]["code"] == "not_found"
    assert GHOST in answer.json()["error"]["message"]
    assert state(db) == before


@pytest.mark.parametrize(("field", "length"), [("text", MAX_TEXT_CHARS + 1), ("hint", 501)])
def test_words_longer_than_the_classifier_reads_are_refused(
    db: psycopg.Connection, http: httpx.Client, field: str, length: int
) -> None:
    """A text or hint the classifier would refuse is refused at once, naming the limit, rather
    than kept as a capture that can never be filed."""
    before = state(db)
    answer = file(http, {"request": {"text": "Rappeler Dupont", field: "a" * length}})
    assert_clear_refusal(answer, 400)
    assert f"{field} is longer than {length - 1} characters" in answer.json()["error"]["message"]
    assert state(db) == before
