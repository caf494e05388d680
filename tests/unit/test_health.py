"""/readyz reports sentences for a person: a check that raises never leaks its exception text."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.testclient import TestClient

from solo_brain.health import CHECK_TIMEOUT_S, health_router


async def _raises() -> str | None:
    raise RuntimeError('relation "assistant.projects" does not exist\nLINE 1: SELECT ...')


async def _hangs() -> str | None:
    await asyncio.sleep(CHECK_TIMEOUT_S + 5)
    return None


async def _fine() -> str | None:
    return None


def test_failing_and_hanging_checks_are_reported_as_sentences() -> None:
    """A raising check and a silent one are named with a sentence; the others say ok."""
    app = FastAPI()
    app.include_router(
        health_router("x", lambda: {"broken": _raises, "slow": _hangs, "database": _fine})
    )
    with TestClient(app) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["broken"] == "The check failed unexpectedly; the service log says why."
    assert checks["slow"] == f"No answer within {CHECK_TIMEOUT_S:g} s."
    assert checks["database"] == "ok"
