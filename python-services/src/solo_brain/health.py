"""Liveness and readiness endpoints shared by every service.

`/healthz` answers as soon as the process serves HTTP. `/readyz` runs each registered check
(database, each configured backend) concurrently and answers 200 only when all pass, with a body
that names what is not ready, e.g. `{"ready": false, "checks": {"whisper": "not configured"}}`.
What a check reports is a sentence for a person, never an exception's raw text (that goes to
the service log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import psycopg
import psycopg_pool
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from solo_brain.db.pool import DictPool

log = logging.getLogger(__name__)

# A check returns None when healthy, or a short reason when not.
Check = Callable[[], Awaitable[str | None]]


class Readiness(BaseModel):
    """What /readyz answers: ready or not, and each check's "ok" or reason."""

    ready: bool
    service: str
    checks: dict[str, str]


def health_router(service: str, checks: Callable[[], dict[str, Check]]) -> APIRouter:
    """Routes /healthz and /readyz; `checks` is called per request to get the current checks."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": service}

    @router.get(
        "/readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "a dependency is not ready"}},
    )
    async def readyz() -> JSONResponse:
        """Every dependency answers; the body says which does not."""
        named = checks()
        results = await asyncio.gather(*(_run(check) for check in named.values()))
        report = {name: (reason or "ok") for name, reason in zip(named, results, strict=True)}
        ready = all(reason is None for reason in results)
        return JSONResponse(
            {"ready": ready, "service": service, "checks": report},
            status_code=200 if ready else 503,
        )

    return router


CHECK_TIMEOUT_S = 3.0


async def _run(check: Check) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await check()
    except TimeoutError:
        return f"No answer within {CHECK_TIMEOUT_S:g} s."
    except Exception:  # a failing check is a report, not a crash
        log.exception("readiness check failed")
        return "The check failed unexpectedly; the service log says why."


def database_check(pool: DictPool) -> Check:
    """A check that the database answers and its schema is there, reported as a sentence."""

    async def check() -> str | None:
        try:
            async with pool.connection(timeout=CHECK_TIMEOUT_S) as conn:
                await conn.execute("SELECT 1 FROM assistant.captures LIMIT 1")
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            return "The database schema is missing: run `solo-brain db migrate`."
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
            log.warning("database check failed", exc_info=True)
            return "The database does not answer."
        return None

    return check


def not_configured(setting: str) -> Check:
    """A check that always reports a missing setting."""

    async def check() -> str | None:
        return f"not configured (set {setting})"

    return check
