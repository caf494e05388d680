"""The transcription glue service: Whisper in, Kokoro out, audio kept under MEDIA_DIR.

POST /v1/transcribe              multipart `audio` (+ `language`) -> stored, then transcribed
POST /v1/transcribe/{audio_ref}  transcribe stored audio again (retry of a pending capture)
POST /v1/speak                   {text, format, voice} -> Kokoro -> stored -> public URL
GET  /audio/{ref}[.{ext}]        the stored audio with its media type
GET  /healthz, /readyz           liveness; media dir, Whisper and Kokoro readiness
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from solo_brain.errors import install_error_handlers
from solo_brain.glue.kokoro import KokoroClient
from solo_brain.glue.routes import audio, speak, transcribe
from solo_brain.glue.whatsapp import whatsapp_router
from solo_brain.glue.whisper import WhisperClient
from solo_brain.health import Check, health_router
from solo_brain.limits import BodyLimit
from solo_brain.media import MediaStore
from solo_brain.settings import GlueSettings


def create_app(settings: GlueSettings) -> FastAPI:
    """The glue service configured by `settings`; upstream clients live for the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(follow_redirects=False) as http:
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
            yield

    app = FastAPI(
        title="Solo Brain glue",
        summary="Transcription (Whisper) and speech (Kokoro) with the audio kept on disk",
        version="0.1.0",
        lifespan=lifespan,
    )
    # The audio limit is enforced exactly while an upload streams; this caps everything else.
    app.add_middleware(BodyLimit, max_bytes=settings.max_audio_bytes + 1024 * 1024)
    app.state.settings = settings
    app.state.store = store = MediaStore(settings.media_path)
    install_error_handlers(app)
    app.include_router(transcribe.router)
    app.include_router(speak.router)
    app.include_router(audio.router)
    app.include_router(whatsapp_router())  # WhatsApp helpers for n8n, raw audio kept

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
