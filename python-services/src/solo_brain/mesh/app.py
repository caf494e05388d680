"""The CC Mesh hub (port 8100): agents' WebSocket, sessions REST + SSE, token check for nginx.

GET  /api/agents/ws                                   agents (token scope agent)  routes/agents_ws
GET  /api/sessions, /api/sessions/lookup?hint=        the phone (scope full)      routes/sessions
GET  /api/sessions/{id}, /{id}/messages                                           routes/sessions
GET  /api/sessions/{id}/stream                        SSE, resumable by seq       routes/stream
POST /api/sessions/{id}/prompt, GET /{id}/prompts                                 routes/prompts
POST /api/sessions/{id}/permissions/{pid}/approve|deny                            routes/permissions
GET  /api/agents                                                                  routes/agents
GET  /api/auth/check?scope=capture                    nginx auth_request          routes/auth
POST /api/capture                                     to n8n (on time if late)    routes/capture
POST /api/pairing-codes, /api/pair                    pairing a phone             routes/pairing
GET  /api/devices, DELETE /api/devices/{id}           paired devices              routes/devices
GET|POST /api/tokens, DELETE /api/tokens/{id}         the Siri Shortcut's token   routes/tokens
GET|PATCH /api/captures..., POST .../retry            the inbox                   routes/captures
GET|POST|PATCH|DELETE /api/projects                   the catalog                 routes/projects
GET|POST|PATCH|DELETE /api/clients                                                routes/clients
GET  /api/push/key, POST|DELETE /api/push/subscriptions  Web Push                 routes/push
POST /api/notify                                      a push to every device      routes/notify
GET|POST /api/lifecycle/...                           n8n's capture steps         routes/lifecycle
GET|POST /api/lifecycle/reminders|briefing|...       n8n's scheduled routines    routes/routines
POST /api/lifecycle/client-briefings/...             client briefings     routes/client_briefings
POST /api/lifecycle/questions/{id}/facts|answer     questions by voice   routes/questions
GET  /healthz, /readyz
/    the PWA (mesh/static/, built from python-services/pwa), client routes included
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from solo_brain.db import ensure_schema, open_pool, resolve_database_url
from solo_brain.errors import install_error_handlers
from solo_brain.health import Check, database_check, health_router
from solo_brain.limits import BodyLimit, HeaderLimit
from solo_brain.media import MediaStore
from solo_brain.mesh.broadcast import Broadcaster
from solo_brain.mesh.capture_answer import CaptureLine
from solo_brain.mesh.clients.capture import CaptureWebhook, webhook_client
from solo_brain.mesh.clients.events import EventsWebhook
from solo_brain.mesh.clients.webpush import WebPushClient
from solo_brain.mesh.hub import Hub
from solo_brain.mesh.push import PushService
from solo_brain.mesh.pwa import mount_pwa
from solo_brain.mesh.ratelimit import AttemptLimiter
from solo_brain.mesh.routes import (
    agents,
    agents_ws,
    auth,
    capture,
    captures,
    client_briefings,
    clients,
    devices,
    lifecycle,
    notify,
    pairing,
    permissions,
    projects,
    prompts,
    push,
    questions,
    routines,
    sessions,
    stream,
    tokens,
)
from solo_brain.mesh.store import push as push_store
from solo_brain.mesh.store.agents import mark_all_agents_offline
from solo_brain.mesh.sweeper import running_sweeper
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
        pool = await open_pool(url, min_size=2, max_size=10, wait_s=settings.db_wait_s)
        client = httpx.AsyncClient(timeout=settings.events_timeout_s)
        webhook = EventsWebhook(
            settings.events_url,
            client,
            public_url=settings.public_hub_url,
            secret=settings.events_secret,
        )
        hub = Hub(settings, pool, webhook, Broadcaster())
        await mark_all_agents_offline(pool)
        push_http = httpx.AsyncClient(timeout=settings.push_timeout_s)
        vapid = await push_store.vapid_key(pool)
        sender = WebPushClient(
            push_http, vapid, settings.vapid_subject, settings.push_allow_prefixes
        )
        app.state.push = PushService(pool, sender, settings.push_ttl_s)
        capture_http = webhook_client(settings.capture_timeout_s)
        app.state.capture_webhook = CaptureWebhook(
            settings.capture_webhook_url, settings.capture_token, capture_http
        )
        app.state.capture_line = CaptureLine(
            app.state.capture_webhook, pool, settings, app.state.media
        )
        log.info("captures go to %s", settings.capture_webhook_url)
        log.info("events go to %s", settings.events_url or "nowhere (MESH_EVENTS_WEBHOOK_URL=off)")
        app.state.hub = hub
        webhook.start()
        try:
            async with running_sweeper(hub):
                yield
        finally:
            await hub.close()
            await webhook.aclose()
            await client.aclose()
            await push_http.aclose()
            await app.state.capture_line.aclose()
            await capture_http.aclose()
            await pool.close()

    app = FastAPI(title="CC Mesh hub", version="1", lifespan=lifespan)
    app.state.pair_limiter = AttemptLimiter(settings.pair_max_attempts, settings.pair_window_s)
    app.state.media = MediaStore(settings.media_path)
    app.add_middleware(
        BodyLimit, max_bytes=MAX_BODY_BYTES, larger={"/api/capture": capture.MAX_CAPTURE_BYTES}
    )
    app.add_middleware(HeaderLimit)  # added last: checked first
    install_error_handlers(app)
    app.include_router(health_router("mesh", lambda: _checks(app)))
    for module in (auth, sessions, stream, prompts, permissions, agents, agents_ws, capture):
        app.include_router(module.router)
    for phone in (pairing, devices, tokens, captures, projects, clients, push, notify, lifecycle):
        app.include_router(phone.router)
    app.include_router(routines.router)  # n8n's scheduled routines
    app.include_router(client_briefings.router)
    app.include_router(questions.router)
    mount_pwa(app, STATIC_DIR)  # last: it answers every path no other route took
    return app


def _checks(app: FastAPI) -> dict[str, Check]:
    hub: Hub | None = getattr(app.state, "hub", None)

    async def not_started() -> str | None:
        return "not started"

    # A stopped Postgres reads "The database does not answer.", not an unexpected failure.
    return {"database": not_started if hub is None else database_check(hub.pool)}
