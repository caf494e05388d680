"""The privacy guard end to end: client content never reaches the external model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.fakes.ollama import OllamaState
from tests.fakes.openai_compat import OpenAIState
from tests.support.classify import (
    MODEL,
    NOW,
    answer,
    classify_service,
    fake_gateway,
    fake_ollama,
    seed_catalog,
)

Fakes = tuple[OllamaState, OpenAIState]


@pytest.fixture
def fakes() -> Iterator[tuple[Fakes, dict[str, str]]]:
    """Both model fakes running, and the settings that point the service at them."""
    with fake_ollama() as (ollama, ollama_url), fake_gateway() as (gateway, gateway_url):
        yield (
            (ollama, gateway),
            {
                "OLLAMA_URL": ollama_url,
                "EXTERNAL_LLM_URL": gateway_url,
                "EXTERNAL_LLM_KEY": "sk-test",
            },
        )


@pytest.fixture
def service(
    db: psycopg.Connection[Any], pg_dsn: str, fakes: tuple[Fakes, dict[str, str]]
) -> Iterator[httpx.Client]:
    """The classify service with the seeded catalog, Ollama and the external gateway."""
    seed_catalog(db)
    with classify_service(pg_dsn, **fakes[1]) as http:
        yield http


def _classify(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/v1/classify", json={"now": NOW, **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("Acme veut une démo du tracking vendredi", None),
        ("Réunion avec ACMÉ INDUSTRIES sur le planning", None),
        ("Le nuage de points est bruité, idée de filtre", None),
        ("Idée de filtre pour la caméra", "réunion Acme"),
    ],
)
def test_client_capture_never_reaches_the_external_model(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]], text: str, hint: str | None
) -> None:
    """Tagged public but naming a client (directly, by project or in the hint): local only."""
    (ollama, gateway), _ = fakes
    ollama.reply(answer(category="client", project=None, client="acme"))
    result = _classify(service, text=text, hint=hint, public=True)
    assert gateway.requests == []
    assert result["classifier"] == f"ollama:{MODEL}"
    assert result["client_id"] == "acme"
    assert len(ollama.chats) == 1


def test_client_capture_stays_local_even_when_ollama_fails(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]]
) -> None:
    """With Ollama failing, a public client note goes to the rules, never out."""
    (ollama, gateway), _ = fakes
    ollama.fail_with = 503
    result = _classify(service, text="Relancer Acme sur le devis demain", public=True)
    assert gateway.requests == []
    assert (result["classifier"], result["client_id"]) == ("heuristic", "acme")


def test_public_note_without_client_goes_to_the_external_model(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]]
) -> None:
    """A public note with no client is classified outside, which is told of no client."""
    (ollama, gateway), _ = fakes
    gateway.reply(answer())
    result = _classify(service, text="Idée : tester le NPU du imx8 vendredi", public=True)
    assert result["classifier"] == "external:deepseek-chat"
    assert (result["project"], result["actions"][0]["due"]) == ("imx8mp-vision", "2026-05-15")
    assert ollama.chats == []
    [request] = gateway.requests
    assert request["authorization"] == "Bearer sk-test"
    sent = json.dumps(request["body"], ensure_ascii=False)
    assert "imx8mp-vision" in sent
    for secret in ("acme", "Acme Industries", "Acmé", "lidar-fusion", "Fusion lidar", "nuage"):
        assert secret not in sent
    assert gateway.script_errors == []


def test_private_note_without_client_stays_local(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]]
) -> None:
    """Without the public tag nothing goes out, even with no client in sight."""
    (ollama, gateway), _ = fakes
    ollama.reply(answer())
    result = _classify(service, text="Idée : tester le NPU du imx8 vendredi")
    assert result["classifier"] == f"ollama:{MODEL}"
    assert gateway.requests == []


def test_failing_external_model_falls_back_to_ollama(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]]
) -> None:
    """A public note whose external call fails is classified by the local model."""
    (ollama, gateway), _ = fakes
    gateway.fail_with = 429
    ollama.reply(answer())
    result = _classify(service, text="Idée : tester le NPU", public=True)
    assert result["classifier"] == f"ollama:{MODEL}"
    assert len(gateway.completions) == 1


def test_readiness_includes_the_external_gateway(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]]
) -> None:
    """/readyz checks the gateway with the key, and names it when it refuses."""
    (_, gateway), _ = fakes
    assert service.get("/readyz").json()["checks"]["external_llm"] == "ok"
    gateway.api_key = "sk-other"
    ready = service.get("/readyz")
    assert ready.status_code == 503
    assert "401" in ready.json()["checks"]["external_llm"]


def test_a_client_named_past_what_the_model_reads_still_keeps_the_note_local(
    service: httpx.Client, fakes: tuple[Fakes, dict[str, str]]
) -> None:
    """A long public note naming a client only past its first 20 000 characters: the model
    reads the beginning only, yet the whole note is checked for clients, so it stays local."""
    (ollama, gateway), _ = fakes
    ollama.reply(answer(category="note_tech", project=None))
    text = "Mesurer la consommation du NPU en charge. " * 600 + "Envoyer le bilan à Acme."
    result = _classify(service, text=text, public=True)
    assert gateway.requests == []
    assert result["classifier"] == f"ollama:{MODEL}" and result["needs_review"] is True
    assert "Acme" not in json.dumps(ollama.chats[0], ensure_ascii=False).split("Note à classer")[1]
