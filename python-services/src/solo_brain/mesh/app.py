"""The CC Mesh hub (port 8100): agents' WebSocket, sessions REST + SSE, token check for nginx.

GET  /api/agents/ws                                   agents (token scope agent)
GET  /api/sessions, /api/sessions/lookup?hint=        the phone (scope full)
GET  /api/sessions/{id}, /{id}/messages, /{id}/stream
POST /api/sessions/{id}/prompt, /{id}/permissions/{pid}/approve|deny
GET  /api/agents
GET  /api/auth/check?scope=capture                    nginx auth_request
GET  /healthz, /readyz
/    the PWA, once mesh/static/index.html exists
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from solo_brain.db import ensure_schema, open_pool, resolve_database_url
from solo_brain.errors import install_error_handlers
from solo_brain.health import Check, health_router
from solo_brain.limits import BodyLimit
from solo_brain.mesh import agent_ws, routes_auth, routes_sessions, routes_stream, store
from solo_brain.mesh.broadcast import Broadcaster
from solo_brain.mesh.events import EventsWebhook
from solo_brain.mesh.hub import Hub
from solo_brain.settings import MeshSettings

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# The largest request is a prompt (100 000 characters at most).
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: MeshSettings) -> FastAPI:
    """The hub application; Postgres and the webhook client are opened in its lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = await asyncio.to_thread(
            resolve_database_url, settings.database_url, settings.pgdata_dir
        )
        await asyncio.to_thread(ensure_schema, url)
        pool = await open_pool(url, min_size=2, max_size=10)
        client = httpx.AsyncClient(timeout=settings.events_timeout_s)
        webhook = EventsWebhook(settings.events_webhook_url, client)
        hub = Hub(settings, pool, webhook, Broadcaster())
        await store.mark_all_agents_offline(pool)
        app.state.hub = hub
        webhook.start()
        sweeper = asyncio.create_task(_sweep_permissions(hub), name="mesh-permission-sweeper")
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await hub.close()
            await webhook.aclose()
            await client.aclose()
            await pool.close()

    app = FastAPI(title="CC Mesh hub", version="1", lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    install_error_handlers(app)
    app.include_router(health_router("mesh", lambda: _checks(app)))
    app.include_router(routes_auth.router)
    app.include_router(routes_sessions.router)
    app.include_router(routes_stream.router)
    app.include_router(agent_ws.router)
    if (STATIC_DIR / "index.html").is_file():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="pwa")
    return app


def _checks(app: FastAPI) -> dict[str, Check]:
    hub: Hub | None = getattr(app.state, "hub", None)

    async def database() -> str | None:
        if hub is None:
            return "not started"
        async with hub.pool.connection() as conn:
            await conn.execute("SELECT 1")
        return None

    return {"database": database}


async def _sweep_permissions(hub: Hub) -> None:
    """Expire permissions nobody decided in time, every few seconds."""
    every = max(0.2, min(5.0, hub.settings.permission_timeout_s / 4))
    while True:
        await asyncio.sleep(every)
        try:
            await hub.expire_stale_permissions()
        except Exception:  # a failed sweep is retried at the next tick
            log.exception("permission sweep failed")
