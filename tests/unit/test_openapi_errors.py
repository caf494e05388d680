"""Each service's OpenAPI document states the error answers its routes really give."""

from __future__ import annotations

import re
from typing import Any

import pytest

from solo_brain.classify.app import create_app as create_classify
from solo_brain.glue.app import create_app as create_glue
from solo_brain.mesh.app import create_app as create_hub
from tests.support.settings import classify_settings, glue_settings, mesh_settings

SERVICES = {
    "glue": lambda: create_glue(glue_settings()),
    "classify": lambda: create_classify(classify_settings()),
    "hub": lambda: create_hub(mesh_settings()),
}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_validation_errors_are_documented_as_400_not_422(service: str) -> None:
    """No route documents FastAPI's 422 (the services answer 400 `invalid_request`); a route
    with parameters or a body documents 400, one with a body 413, each as the error envelope."""
    schema = SERVICES[service]().openapi()
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert "400" in responses, (method, path)
        if "requestBody" in operation:
            assert "413" in responses, (method, path)
        for status, answer in responses.items():
            if status.startswith(("4", "5")) and path != "/readyz":
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, status)


def test_every_hub_route_that_checks_a_token_documents_401_403_503() -> None:
    """A route taking a token says it may answer 401, 403 and 503 (database down)."""
    schema = create_hub(mesh_settings()).openapi()
    open_paths = {("post", "/api/pair"), ("get", "/healthz"), ("get", "/readyz")}
    for method, path, operation in _operations(schema):
        if (method, path) in open_paths or not path.startswith("/api/"):
            continue
        assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)
    assert {"400", "429", "503"} <= set(schema["paths"]["/api/pair"]["post"]["responses"])


def test_the_session_stream_is_documented_as_server_sent_events() -> None:
    """GET /api/sessions/{id}/stream answers text/event-stream, not JSON, and may answer 404."""
    schema = create_hub(mesh_settings()).openapi()
    responses = schema["paths"]["/api/sessions/{session_id}/stream"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["text/event-stream"]
    assert "404" in responses


def test_the_glue_documents_configured_false_on_each_503_of_an_unset_backend() -> None:
    """Each glue route whose 503 may come from a setting left unset says so (`configured`
    false, with the setting), as its answer carries it."""
    schema = SERVICES["glue"]().openapi()
    documented = {
        (method, path): operation["responses"]["503"]["description"]
        for method, path, operation in _operations(schema)
        if "503" in operation["responses"] and not path.endswith("readyz")
    }
    assert len(documented) == 7, documented  # transcribe (2), speak, and 4 WhatsApp routes
    for where, description in documented.items():
        assert "configured" in description, (where, description)
        assert re.search(r"\b[A-Z]+_[A-Z_]+\b", description), (where, description)
