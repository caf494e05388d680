"""Hub: the session a spoken hint names ("la session orchestrator"), for the capture workflow."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import psycopg

from solo_brain.mesh.lookup import Candidate, best_match, hint_words
from solo_brain.text import fold
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub, scripted_agent


def at(day: int) -> datetime:
    """A day of May 2026."""
    return datetime(2026, 5, day, tzinfo=UTC)


SESSIONS = [
    Candidate("s-orch", "Orchestrateur de jobs", "orchestrator", "/srv/orchestrator", at(3)),
    Candidate("s-vision", "NPU benchmarks", "imx8mp-vision", "/home/me/imx8mp-vision", at(9)),
    Candidate("s-compta", "Factures", "compta", "/home/me/Réseau Élec/compta", at(1)),
    Candidate("s-orch-old", "Vieux essai", "orchestrator", "/tmp/orchestrator", at(1)),
]


def test_names_fold_without_accents_case_and_punctuation() -> None:
    """Accents, case and punctuation do not matter."""
    assert fold("  Réseau-Élec / Compta! ") == "reseau elec compta"


def test_fillers_are_dropped_from_hints() -> None:
    """Words said around a name are not part of it."""
    assert hint_words("pour la session orchestrator") == ["orchestrator"]
    assert hint_words("la session") == ["la", "session"]


def test_hint_matches_project_and_prefers_recent_sessions() -> None:
    """A project name picks its most recently active session."""
    found = best_match("la session orchestrator", SESSIONS)
    assert found is not None and found.session_id == "s-orch"


def test_hint_matches_cwd_basename_and_title_accent_insensitively() -> None:
    """A spoken name without accents finds a cwd or a title with them."""
    vision = best_match("le projet IMX8MP vision", SESSIONS)
    assert vision is not None and vision.session_id == "s-vision"
    compta = best_match("session Compta", SESSIONS)
    assert compta is not None and compta.session_id == "s-compta"
    title = best_match("orchestrateur", SESSIONS)
    assert title is not None and title.session_id == "s-orch"


def test_unrelated_hint_matches_nothing() -> None:
    """A hint that names no session gives None rather than a guess."""
    assert best_match("la session kubernetes", SESSIONS) is None
    assert best_match("session", []) is None


async def test_lookup_route(db: psycopg.Connection, pg_dsn: str) -> None:
    """GET /api/sessions/lookup returns the best session, or 404 with the hint."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token) as agent:
            await agent.session(
                "1f0e0000-0000-4000-8000-000000000001",
                cwd="/home/me/Développement/orchestrator",
                project="orchestrator",
                title="Ajoute /health",
                last_msg_at=at(4),
            )
            await agent.session(
                "1f0e0000-0000-4000-8000-000000000002",
                cwd="/home/me/site-web",
                project="site-web",
                title="Refonte du site",
                last_msg_at=at(5),
            )
            async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
                found = await client.get(
                    "/api/sessions/lookup", params={"hint": "la session orchestrator"}
                )
                missing = await client.get("/api/sessions/lookup", params={"hint": "kubernetes"})
    assert found.status_code == 200
    assert found.json()["id"] == "1f0e0000-0000-4000-8000-000000000001"
    assert missing.status_code == 404 and missing.json()["error"]["hint"] == "kubernetes"
