"""The classify service against real Postgres and a loopback Ollama fake."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from solo_brain.catalog import Project, upsert_project
from solo_brain.classify.answer import answer_schema
from solo_brain.classify.models import MAX_TEXT_CHARS, READ_CHARS
from solo_brain.classify.speech import LONG_NOTE
from solo_brain.db import apply_migrations
from tests.fakes.ollama import OllamaState
from tests.fakes.server import free_port
from tests.support.classify import (
    MODEL,
    NOW,
    answer,
    classify_service,
    fake_ollama,
    seed_catalog,
)


@pytest.fixture
def ollama() -> Iterator[tuple[OllamaState, str]]:
    """The Ollama fake, running."""
    with fake_ollama() as running:
        yield running


@pytest.fixture
def service(
    db: psycopg.Connection[Any], pg_dsn: str, ollama: tuple[OllamaState, str]
) -> Iterator[httpx.Client]:
    """The classify service with the seeded catalog and the Ollama fake."""
    seed_catalog(db)
    with classify_service(pg_dsn, OLLAMA_URL=ollama[1]) as http:
        yield http


def _classify(http: httpx.Client, text: str, **extra: Any) -> dict[str, Any]:
    response = http.post("/v1/classify", json={"text": text, "now": NOW, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_note_longer_than_the_model_reads_is_classified_from_its_beginning(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """A 60 000-character dictation is no 400: the model reads its first words only, and the
    answer asks for a review and says the note was classified from its beginning."""
    state, _ = ollama
    state.reply(answer(actions=[]))
    text = "Benchmarker le NPU du imx8. " * 2200 + "Fin de la dictée."
    result = _classify(service, text)
    [chat] = state.chats
    read = chat["messages"][-1]["content"]
    assert "Fin de la dictée" not in read and len(read) < READ_CHARS + 100
    assert (result["project"], result["needs_review"]) == ("imx8mp-vision", True)
    assert LONG_NOTE in result["speech"]


def test_valid_answer_is_filed_with_dates_resolved_against_now(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """Ollama's answer is kept, "vendredi" becomes the Friday after `now`, speech says it."""
    state, _ = ollama
    state.reply(answer())
    result = _classify(service, "Idée : benchmarker le NPU du imx8 d'ici vendredi", source="Siri")
    assert result == {
        "category": "idee_rd",
        "project": "imx8mp-vision",
        "client_id": None,
        "summary": "Benchmarker le NPU du i.MX8MP",
        "actions": [
            {
                "text": "benchmarker le NPU 26 TOPS",
                "due": "2026-05-15",
                "due_time": None,
                "due_phrase": "vendredi",
            }
        ],
        "cc_prompt": None,
        "speech": (
            "Capté, idée R&D rangée dans le projet IMX8MP vision, action notée pour après-demain."
        ),
        "classifier": f"ollama:{MODEL}",
        "needs_review": False,
        "question": None,
    }
    [chat] = state.chats
    assert chat["format"] == answer_schema()
    assert (chat["stream"], chat["think"], chat["options"]) == (False, False, {"temperature": 0})
    system = chat["messages"][0]["content"]
    assert "- imx8mp-vision : IMX8MP vision ; alias : imx8" in system
    assert "- acme : Acme Industries ; alias : Acmé" in system
    assert "dictée vocale" in chat["messages"][1]["content"]
    assert state.script_errors == []


def test_invented_slug_is_dropped_and_flagged(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """A project the catalog does not know never comes back; the result asks for review."""
    ollama[0].reply(answer(project="robot-arm", client="initech"))
    result = _classify(service, "Idée : un bras robot pour trier les vis")
    assert (result["project"], result["client_id"]) == (None, None)
    assert result["needs_review"] is True
    assert result["classifier"] == f"ollama:{MODEL}"


def test_project_implies_client_and_text_fills_what_model_missed(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """The model left project null; the alias in the text finds it, and its client follows."""
    ollama[0].reply(answer(category="client", project=None, actions=[]))
    result = _classify(service, "Le nuage de points est bruité, voir avec eux")
    assert (result["project"], result["client_id"]) == ("lidar-fusion", "acme")
    assert result["speech"] == "Capté, note client rangée dans le projet Fusion lidar."


def test_project_added_a_moment_ago_is_known(
    service: httpx.Client, ollama: tuple[OllamaState, str], db: psycopg.Connection[Any]
) -> None:
    """A project inserted between two requests is accepted at once, and listed by /v1/catalog."""
    upsert_project(db, Project(slug="drone-swarm", name="Essaim de drones"))
    ollama[0].reply(answer(project="drone-swarm"))
    assert _classify(service, "Idée pour l'essaim")["project"] == "drone-swarm"
    slugs = [p["slug"] for p in service.get("/v1/catalog").json()["projects"]]
    assert slugs == ["drone-swarm", "imx8mp-vision", "lidar-fusion"]


def test_two_unusable_answers_fall_back_to_the_heuristic(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """Garbage twice: the rules answer, flagged for review; the retry carried the error."""
    state, _ = ollama
    state.script.garbage = 2
    result = _classify(service, "Rappelle-moi d'appeler Paul demain")
    assert (result["classifier"], result["needs_review"]) == ("heuristic", True)
    assert result["actions"] == [
        {"text": "appeler Paul", "due": "2026-05-14", "due_time": None, "due_phrase": "demain"}
    ]
    assert result["speech"] == "Capté, tâche notée pour demain. Classement à vérifier."
    first, second = state.chats
    assert "not valid JSON" in second["messages"][-1]["content"]
    assert second["messages"][:2] == first["messages"]


def test_a_spoken_time_is_resolved_by_code_on_both_paths(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """The model's « demain à 10h » and the rules' both give 10:00 tomorrow, and say it."""
    state, _ = ollama
    timed = [{"text": "appeler Martin", "due_phrase": "demain à 10h"}]
    state.reply(answer(category="todo", project=None, actions=timed))
    said = "Rappelle-moi demain à 10h d'appeler Martin"
    expected = {
        "text": "appeler Martin", "due": "2026-05-14", "due_time": "10:00",
        "due_phrase": "demain à 10h",
    }  # fmt: skip
    result = _classify(service, said)
    assert (result["classifier"], result["actions"]) == (f"ollama:{MODEL}", [expected])
    assert result["speech"] == "Capté, tâche notée pour demain à 10h."
    state.script.garbage = 2
    rules = _classify(service, said)
    assert (rules["classifier"], rules["actions"]) == ("heuristic", [expected])
    assert rules["speech"] == "Capté, tâche notée pour demain à 10h. Classement à vérifier."


def test_schema_violation_once_then_valid_keeps_the_model_answer(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """One schema-breaking answer, then a valid one: the model's answer wins, no review."""
    state, _ = ollama
    state.script.garbage, state.script.garbage_kind = 1, "schema"
    state.reply(answer())
    result = _classify(service, "Idée : benchmarker le NPU vendredi")
    assert (result["classifier"], result["needs_review"]) == (f"ollama:{MODEL}", False)
    assert len(state.chats) == 2
    assert "does not follow the schema" in state.chats[1]["messages"][-1]["content"]


def test_qwen_style_wrapping_is_understood(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """An answer inside <think> and ```json fences is parsed without a retry."""
    state, _ = ollama
    state.wrap = True
    state.reply(answer())
    assert _classify(service, "Idée NPU")["classifier"] == f"ollama:{MODEL}"
    assert len(state.chats) == 1


def test_ollama_refusing_think_is_asked_without_it(
    service: httpx.Client, ollama: tuple[OllamaState, str]
) -> None:
    """An Ollama that rejects `think` gets the same request without it, and answers."""
    state, _ = ollama
    state.reject_think = True
    state.reply(answer())
    assert _classify(service, "Idée NPU")["classifier"] == f"ollama:{MODEL}"
    assert ["think" in chat for chat in state.chats] == [True, False]


@pytest.mark.parametrize("knob", ["fail_with", "down", "slow"])
def test_failing_ollama_falls_back_to_the_heuristic(
    db: psycopg.Connection[Any], pg_dsn: str, knob: str
) -> None:
    """An erroring, connection-dropping or too slow Ollama still yields a filed note."""
    seed_catalog(db)
    with (
        fake_ollama() as (state, url),
        classify_service(pg_dsn, OLLAMA_URL=url, OLLAMA_TIMEOUT_S=0.3) as http,
    ):
        if knob == "fail_with":
            state.fail_with = 500
        elif knob == "down":
            state.down = True
        else:
            state.latency_s = 1.0
        result = _classify(http, "Anniversaire de maman samedi, acheter un cadeau")
    assert (result["classifier"], result["needs_review"]) == ("heuristic", True)
    assert result["category"] == "perso"
    assert result["actions"][0]["due"] == "2026-05-16"


def test_unreachable_ollama_falls_back_and_readiness_says_why(
    db: psycopg.Connection[Any], pg_dsn: str
) -> None:
    """With nothing listening at OLLAMA_URL the rules answer and /readyz names Ollama."""
    seed_catalog(db)
    with classify_service(pg_dsn, OLLAMA_URL=f"http://127.0.0.1:{free_port()}") as http:
        result = _classify(http, "pour la session orchestrator, ajoute un endpoint /health")
        ready = http.get("/readyz")
    assert result["classifier"] == "heuristic"
    assert result["cc_prompt"] == {
        "session_hint": "orchestrator",
        "prompt": "ajoute un endpoint /health",
    }
    assert result["speech"] == "Prompt pour la session orchestrator noté."
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok" and "unreachable" in checks["ollama"]


def test_readiness_reports_a_model_that_is_not_pulled(
    db: psycopg.Connection[Any], pg_dsn: str
) -> None:
    """/readyz is 200 with the model pulled, 503 naming it when Ollama lacks it."""
    with fake_ollama() as (state, url), classify_service(pg_dsn, OLLAMA_URL=url) as http:
        assert http.get("/readyz").json()["checks"] == {"database": "ok", "ollama": "ok"}
        state.models = ["llama3.2:latest"]
        ready = http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["ollama"] == (
        f"model {MODEL} is not pulled (have: llama3.2:latest)"
    )


def test_resolve_date_answers_the_day_or_null(service: httpx.Client) -> None:
    """Spoken phrases resolve against `now` in `tz`; an unknown phrase is null."""

    def due(phrase: str, **extra: str) -> Any:
        response = service.post("/v1/resolve-date", json={"phrase": phrase, "now": NOW, **extra})
        assert response.status_code == 200, response.text
        return response.json()["due"]

    assert due("vendredi prochain") == "2026-05-22"
    assert due("dans 3 jours") == "2026-05-16"
    assert due("un de ces jours") is None
    assert due("demain", now="2026-05-13T23:30:00Z") == "2026-05-15"
    assert due("demain", now="2026-05-13T23:30:00Z", tz="UTC") == "2026-05-14"
    timed = service.post("/v1/resolve-date", json={"phrase": "demain à 10h", "now": NOW})
    assert timed.json() == {"due": "2026-05-14", "due_time": "10:00"}
    alone = service.post("/v1/resolve-date", json={"phrase": "à 9h", "now": NOW})
    assert alone.json() == {"due": "2026-05-14", "due_time": "09:00"}  # 9:00 has passed at 10:00


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/classify", {"text": "   "}, "text"),
        ("/v1/classify", {"text": "x " * (MAX_TEXT_CHARS // 2) + "x"}, "text"),
        ("/v1/classify", {}, "text"),
        ("/v1/classify", {"text": "ok", "tz": "Mars/Olympus"}, "tz"),
        ("/v1/classify", {"text": "ok", "now": "vendredi"}, "now"),
        ("/v1/classify", {"text": "ok", "publique": True}, "publique"),
        ("/v1/resolve-date", {"phrase": ""}, "phrase"),
    ],
)
def test_bad_bodies_are_refused_with_invalid_request(
    service: httpx.Client, ollama: tuple[OllamaState, str], path: str, body: Any, field: str
) -> None:
    """Blank or oversized text, unknown zone, bad date, unknown field: 400 naming the field."""
    response = service.post(path, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]
    assert ollama[0].chats == []


def test_unreadable_catalog_is_a_503_not_a_guess(pg_server_url: str) -> None:
    """With the database gone the service refuses (503) rather than classify blind."""
    name = f"sb_classify_gone_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(pg_server_url, dbname=name)
    apply_migrations(dsn)
    with fake_ollama() as (state, url), classify_service(dsn, OLLAMA_URL=url) as http:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        response = http.post("/v1/classify", json={"text": "Relancer Acme", "public": True})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "catalog_unavailable"
        assert state.chats == []
