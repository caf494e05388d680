"""The transcription glue service: Whisper in, Kokoro out, audio kept under MEDIA_DIR.

POST /v1/transcribe              multipart `audio` (+ `language`) -> stored, then transcribed
POST /v1/transcribe/{audio_ref}  transcribe stored audio again (retry of a pending capture)
                                                                          routes/transcribe
POST /v1/speak                   {text, format, voice} -> Kokoro -> stored -> public URL
                                                                          routes/speak
POST /v1/audio                   multipart `audio` kept as is (no transcription yet)
GET  /audio/{ref}[.{ext}]        the stored audio with its media type     routes/audio
GET  /v1/whatsapp/verify         Meta's subscription check
POST /v1/whatsapp/inbound        a signed delivery -> its text and voice messages
POST /v1/whatsapp/media/{id}     a received voice note downloaded and kept
POST /v1/whatsapp/voice-notes    a stored OGG/Opus file uploaded -> media id  routes/whatsapp
GET  /healthz, /readyz           liveness; media dir, Whisper and Kokoro readiness

In the background: audio past its retention is purged every MEDIA_PURGE_EVERY_S  retention
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
from fastapi import FastAPI

from solo_brain.errors import install_error_handlers
from solo_brain.glue.clients.graph import GraphClient
from solo_brain.glue.clients.kokoro import KokoroClient
from solo_brain.glue.clients.whisper import WhisperClient
from solo_brain.glue.retention import purge_forever
from solo_brain.glue.routes import audio, speak, transcribe, whatsapp
from solo_brain.health import Check, health_router
from solo_brain.limits import BodyLimit, HeaderLimit
from solo_brain.media import MediaStore
from solo_brain.settings import GlueSettings

log = logging.getLogger(__name__)


def announce_unset(settings: GlueSettings) -> None:
    """Say once, at start, which optional model server is not set: a missing one is a choice
    (a fresh stack has neither), not a failure to warn about at every capture."""
    if not settings.kokoro_url:
        log.info("KOKORO_URL unset: answers are text only")
    if not settings.whisper_url:
        log.info("WHISPER_URL unset: voice captures are kept and wait for a transcription")


def create_app(settings: GlueSettings) -> FastAPI:
    """The glue service configured by `settings`; upstream clients live for the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The Graph API answers media downloads with a redirect to its CDN; the models never do.
        async with (
            httpx.AsyncClient(follow_redirects=False) as http,
            httpx.AsyncClient(follow_redirects=True) as graph_http,
        ):
            app.state.whisper = WhisperClient(
                http,
                settings.whisper_url,
                settings.whisper_model,
                settings.whisper_language,
                settings.whisper_timeout_s,
            )
            app.state.kokoro = KokoroClient(
                http, settings.kokoro_url, settings.kokoro_voice, settings.kokoro_timeout_s
            )
            app.state.graph = GraphClient(
                graph_http,
                base_url=settings.graph_api_url,
                version=settings.graph_api_version,
                token=settings.whatsapp_token,
                phone_number_id=settings.whatsapp_phone_number_id,
                timeout_s=settings.graph_timeout_s,
            )
            announce_unset(settings)
            purging = None
            if settings.media_purge_every_s > 0:
                purging = asyncio.create_task(purge_forever(store, settings), name="retention")
            try:
                yield
            finally:
                if purging is not None:
                    purging.cancel()
                    with suppress(asyncio.CancelledError):
                        await purging

    app = FastAPI(
        title="Solo Brain glue",
        summary="Transcription (Whisper) and speech (Kokoro) with the audio kept on disk",
        version="0.1.0",
        lifespan=lifespan,
    )
    # The audio limit is enforced exactly while an upload streams; this caps everything else.
    app.add_middleware(BodyLimit, max_bytes=settings.max_audio_bytes + 1024 * 1024)
    app.add_middleware(HeaderLimit)  # added last: checked first
    app.state.settings = settings
    app.state.store = store = MediaStore(settings.media_path)
    install_error_handlers(app)
    for module in (transcribe, speak, audio, whatsapp):
        app.include_router(module.router)

    async def media_writable() -> str | None:
        return await asyncio.to_thread(store.check_writable)

    def checks() -> dict[str, Check]:
        return {
            "media": media_writable,
            "whisper": app.state.whisper.check,
            "kokoro": app.state.kokoro.check,
        }

    app.include_router(health_router("glue", checks))
    return app
