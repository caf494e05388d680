"""The classification service: notes in, category / project / actions / speech out.

POST /v1/classify        {text, hint?, now?, tz?, source?, public?} -> classification
                                                                          routes/classify
POST /v1/resolve-date    {phrase, now?, tz?} -> {due}                     routes/dates
POST /v1/speech          {capture, deliveries, deferred} -> {speech}      routes/speech
                         (the sentence read aloud after a capture)
POST /v1/answer          {question, facts, tz?} -> {speech, answered_by}  routes/answer
                         (a question answered aloud from its facts, local model only)
GET  /v1/catalog         the projects and clients a classification may name  routes/catalog
POST /v1/client-briefings {events, lead_min, now?, tz?} -> {briefings}   routes/client_briefing
                         (what to say before a meeting with a client)
POST /v1/filings         a capture request -> its answer (filed, or "on it" at its time budget)
                         while the filing goes on                           routes/filing
POST /v1/filings/{id}/wait  the filing's end, or the told answer            routes/filing
GET  /healthz, /readyz   liveness; database, Ollama (model pulled) and external model readiness

Only the local OLLAMA_URL ever reads a note, unless the note is public and names no client
(see privacy.py); the heuristic answers whenever no model can.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import ollama
from fastapi import FastAPI

from solo_brain.classify.answerer import QuestionAnswerer
from solo_brain.classify.clients.external import ExternalClassifier, api_base
from solo_brain.classify.clients.ollama import OllamaClassifier
from solo_brain.classify.filing import Filings
from solo_brain.classify.filing_steps import FilingSteps
from solo_brain.classify.routes import (
    answer,
    catalog,
    classify,
    client_briefing,
    dates,
    filing,
    speech,
)
from solo_brain.classify.service import ClassifyService
from solo_brain.db import ensure_schema, open_pool, resolve_database_url
from solo_brain.errors import install_error_handlers
from solo_brain.health import Check, database_check, health_router, not_configured
from solo_brain.limits import BodyLimit, HeaderLimit
from solo_brain.settings import ClassifySettings

log = logging.getLogger(__name__)

# A note is at most 20 000 characters: no classify request needs more than this.
MAX_BODY_BYTES = 256 * 1024


def create_app(settings: ClassifySettings) -> FastAPI:
    """The classify service configured by `settings`; pool and clients live for its lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            url = resolve_database_url(settings.database_url, settings.pgdata_dir)
            await asyncio.to_thread(ensure_schema, url)  # a never-migrated database classifies
            pool = await open_pool(url, min_size=1, max_size=5, wait_s=settings.db_wait_s)
            stack.push_async_callback(pool.close)
            app.state.pool = pool
            app.state.ollama = app.state.external = None
            app.state.answerer = QuestionAnswerer(
                None, settings.ollama_model, timeout_s=settings.answer_timeout_s
            )
            if settings.ollama_url:
                client = ollama.AsyncClient(
                    host=settings.ollama_url, timeout=settings.ollama_timeout_s
                )
                stack.push_async_callback(client.close)
                app.state.ollama = OllamaClassifier(
                    client, settings.ollama_model, timeout_s=settings.ollama_timeout_s
                )
                app.state.answerer = QuestionAnswerer(
                    client, settings.ollama_model, timeout_s=settings.answer_timeout_s
                )
            else:  # a choice (a fresh stack has none), said once rather than at every capture
                log.info("OLLAMA_URL unset: captures are classified by the rules")
            if settings.external_llm_url:
                http = httpx.AsyncClient(
                    base_url=api_base(settings.external_llm_url),
                    timeout=settings.external_llm_timeout_s,
                )
                stack.push_async_callback(http.aclose)
                app.state.external = ExternalClassifier(
                    http,
                    model=settings.external_llm_model,
                    api_key=settings.external_llm_key,
                    timeout_s=settings.external_llm_timeout_s,
                )
            app.state.service = ClassifyService(
                pool,
                default_tz=settings.tz,
                ollama=app.state.ollama,
                external=app.state.external,
            )
            glue = httpx.AsyncClient(base_url=settings.glue_url.rstrip("/"), timeout=30)
            stack.push_async_callback(glue.aclose)
            steps = FilingSteps(pool, glue, app.state.service, settings.tz,
                                whisper_timeout_max_s=settings.whisper_timeout_max_s)  # fmt: skip
            app.state.filings = Filings(steps, settings.capture_time_budget_s)
            stack.push_async_callback(app.state.filings.close)  # before the pool closes
            yield

    app = FastAPI(
        title="Solo Brain classify",
        summary="Classify notes with the local model, resolve spoken dates deterministically",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(HeaderLimit)  # added last: checked first
    app.state.settings = settings
    install_error_handlers(app)
    for module in (classify, dates, speech, answer, catalog, client_briefing, filing):
        app.include_router(module.router)

    def checks() -> dict[str, Check]:
        named: dict[str, Check] = {
            "database": database_check(app.state.pool),
            "ollama": app.state.ollama.check if app.state.ollama else not_configured("OLLAMA_URL"),
        }
        if app.state.external is not None:
            named["external_llm"] = app.state.external.check
        return named

    app.include_router(health_router("classify", checks))
    return app
