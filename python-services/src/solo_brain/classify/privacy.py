"""The privacy guard: which model may read a note.

Client content goes to the local model only. The external model may read a note only when the
user tagged it public AND no known client was detected in it, directly or through one of the
client's projects. Detection (`CatalogIndex.detected_client_ids`) is deterministic and runs
before any model is called; this module is the pure decision, tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Backend(StrEnum):
    """A way to classify a note."""

    EXTERNAL = "external"
    OLLAMA = "ollama"
    HEURISTIC = "heuristic"


def choose_backend(
    *,
    public: bool,
    detected_clients: Sequence[str],
    external_configured: bool,
    ollama_configured: bool,
) -> list[Backend]:
    """The backends to try, in order; the heuristic is always last and always allowed.

    The external model comes first only for a public note with no detected client, when it is
    configured; the local model follows whenever it is configured.
    """
    plan: list[Backend] = []
    if public and not detected_clients and external_configured:
        plan.append(Backend.EXTERNAL)
    if ollama_configured:
        plan.append(Backend.OLLAMA)
    plan.append(Backend.HEURISTIC)
    return plan
