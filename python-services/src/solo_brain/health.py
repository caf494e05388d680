"""Liveness and readiness endpoints shared by every service.

`/healthz` answers as soon as the process serves HTTP. `/readyz` runs each registered check
(database, each configured backend) concurrently and answers 200 only when all pass, with a body
that names what is not ready, e.g. `{"ready": false, "checks": {"whisper": "not configured"}}`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

# A check returns None when healthy, or a short reason when not.
Check = Callable[[], Awaitable[str | None]]


def health_router(service: str, checks: Callable[[], dict[str, Check]]) -> APIRouter:
    """Routes /healthz and /readyz; `checks` is called per request to get the current checks."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": service}

    @router.get("/readyz")
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
        return f"no answer within {CHECK_TIMEOUT_S:g} s"
    except Exception as exc:  # a failing check is a report, not a crash
        return f"{type(exc).__name__}: {exc}"[:300]


def not_configured(setting: str) -> Check:
    """A check that always reports a missing setting."""

    async def check() -> str | None:
        return f"not configured (set {setting})"

    return check
