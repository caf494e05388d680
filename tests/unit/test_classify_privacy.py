"""The privacy guard: client content is read by the local model only."""

from __future__ import annotations

import pytest

from solo_brain.catalog import Client, Project
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.privacy import Backend, choose_backend

CATALOG = CatalogIndex(
    projects=(
        Project(slug="lidar-fusion", name="Fusion lidar", client_id="acme", aliases=["nuage"]),
        Project(slug="imx8mp-vision", name="IMX8MP vision", aliases=["imx8"]),
    ),
    clients=(Client(id="acme", name="Acme Industries", aliases=["Acmé"]),),
)


def test_public_note_without_client_may_go_out_first() -> None:
    """A public note with no client tries the external model, then the local one, then rules."""
    plan = choose_backend(
        public=True, detected_clients=[], external_configured=True, ollama_configured=True
    )
    assert plan == [Backend.EXTERNAL, Backend.OLLAMA, Backend.HEURISTIC]


def test_public_note_naming_a_client_stays_local() -> None:
    """A client detected in a public note keeps the external model out of the plan."""
    plan = choose_backend(
        public=True, detected_clients=["acme"], external_configured=True, ollama_configured=True
    )
    assert Backend.EXTERNAL not in plan
    assert plan == [Backend.OLLAMA, Backend.HEURISTIC]


def test_private_note_never_goes_out() -> None:
    """Without the public tag the external model is never used, client or not."""
    plan = choose_backend(
        public=False, detected_clients=[], external_configured=True, ollama_configured=True
    )
    assert plan == [Backend.OLLAMA, Backend.HEURISTIC]


def test_private_note_without_local_model_uses_rules_rather_than_going_out() -> None:
    """With Ollama unconfigured, a private note falls to the heuristic, not the external model."""
    plan = choose_backend(
        public=False, detected_clients=[], external_configured=True, ollama_configured=False
    )
    assert plan == [Backend.HEURISTIC]


def test_unconfigured_external_model_is_skipped() -> None:
    """A public note with no external model configured is classified locally."""
    plan = choose_backend(
        public=True, detected_clients=[], external_configured=False, ollama_configured=True
    )
    assert plan == [Backend.OLLAMA, Backend.HEURISTIC]


@pytest.mark.parametrize(
    ("text", "hint", "clients"),
    [
        ("Réunion avec ACME jeudi", None, ["acme"]),
        ("Relancer acme industries pour le devis", None, ["acme"]),
        ("le nuage de points est bruité", None, ["acme"]),
        ("Fusion-Lidar : calibrer la caméra", None, ["acme"]),
        ("calibrer la caméra", "meeting Acmé", ["acme"]),
        ("benchmarker le NPU du imx8", None, []),
        ("Acmeister est un mot inventé", None, []),
    ],
)
def test_clients_are_detected_directly_or_through_their_projects(
    text: str, hint: str | None, clients: list[str]
) -> None:
    """Names, aliases and project names count, in the text or the hint, case and accents aside."""
    assert CATALOG.detected_client_ids(text, hint) == clients


def test_external_model_is_told_no_client_and_no_client_project() -> None:
    """The catalog shown to an external model keeps only projects that belong to no client."""
    shown = CATALOG.without_clients()
    assert [p.slug for p in shown.projects] == ["imx8mp-vision"]
    assert shown.clients == ()
