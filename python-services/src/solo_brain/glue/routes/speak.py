"""`POST /v1/speak`: Kokoro speaks the text, the file is kept (SPEECH_RETENTION_DAYS) and served
under a public URL."""

from __future__ import annotations

import asyncio
from functools import partial

from fastapi import APIRouter

from solo_brain.errors import documented_errors
from solo_brain.glue.clients.kokoro import EXPECTED
from solo_brain.glue.deps import Kokoro, Settings, Store
from solo_brain.glue.models import SpeakRequest, SpeakResponse

router = APIRouter(prefix="/v1", tags=["speak"])

_ERRORS = documented_errors(
    {
        400: "text empty or over 5000 characters, bad format",
        502: "Kokoro refused the text or answered non-audio",
        503: "Kokoro down, slow or not configured (error.configured false: KOKORO_URL is unset)",
    }
)


@router.post("/speak", response_model=SpeakResponse, responses=_ERRORS)
async def speak(
    body: SpeakRequest, settings: Settings, store: Store, kokoro: Kokoro
) -> SpeakResponse:
    """Speak the text with Kokoro, store the file and answer the URL it is served at."""
    data = await kokoro.speak(body.text, body.voice, body.format)
    ext, _ = EXPECTED[body.format]  # speak() has checked that the bytes are in this format
    audio = await asyncio.to_thread(partial(store.save, data, ext, speech=True))
    return SpeakResponse(
        audio_ref=audio.ref,
        url=f"{settings.public_url.rstrip('/')}/audio/{audio.ref}.{audio.ext}",
        format=body.format,
        content_type=audio.content_type,
        bytes=audio.size,
    )
