"""`POST /v1/transcribe`: keep the audio first, then ask Whisper what it says.

The audio is stored before Whisper is called, so when Whisper is down, slow or answers garbage
the caller still gets an `audio_ref` (in the error body) and can record the capture as pending;
`POST /v1/transcribe/{audio_ref}` retries later on the stored file.
"""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Query, Request

from solo_brain.errors import InvalidRequest, documented_errors
from solo_brain.glue.clients.whisper import WhisperClient
from solo_brain.glue.deps import Settings, Store, Whisper
from solo_brain.glue.duration import audio_seconds, whisper_limit
from solo_brain.glue.errors import WhisperError
from solo_brain.glue.keep import ACCEPTED, keep_audio
from solo_brain.glue.models import TranscribeResponse
from solo_brain.glue.upload import audio_form_schema, read_audio_form
from solo_brain.media import AudioRef
from solo_brain.settings import GlueSettings

router = APIRouter(prefix="/v1", tags=["transcribe"])

LANGUAGE = re.compile(r"[a-z]{2,3}")

_ERRORS = documented_errors(
    {
        400: "malformed form or language",
        404: "no stored audio has this ref",
        413: "audio over MAX_AUDIO_BYTES; nothing stored",
        415: "not a recognised audio format; nothing stored",
        502: "Whisper answered garbage (error.audio_ref: the audio was kept)",
        503: "Whisper down, slow or not configured (error.audio_ref: the audio was kept; "
        "error.configured false: WHISPER_URL is unset)",
    }
)


@router.post(
    "/transcribe",
    response_model=TranscribeResponse,
    openapi_extra=audio_form_schema("audio", ACCEPTED, language="fr"),
    responses=_ERRORS,
)
async def transcribe_upload(
    request: Request, settings: Settings, store: Store, whisper: Whisper
) -> TranscribeResponse:
    """Store the uploaded audio, then transcribe it; on Whisper failure the ref is still given."""
    upload = await read_audio_form(request, file_field="audio", max_bytes=settings.max_audio_bytes)
    language = _language(upload.fields.get("language"))
    audio = await keep_audio(store, upload.data, f"{upload.filename!r} ({upload.content_type})")
    return await _transcribe(whisper, settings, audio, upload.data, language)


@router.post("/transcribe/{audio_ref}", response_model=TranscribeResponse, responses=_ERRORS)
async def transcribe_stored(
    audio_ref: str,
    settings: Settings,
    store: Store,
    whisper: Whisper,
    language: str | None = Query(default=None, description="language code, e.g. fr"),
) -> TranscribeResponse:
    """Transcribe audio stored earlier (retry of a pending capture); 404 for an unknown ref."""
    lang = _language(language)
    audio, data = await asyncio.to_thread(store.read, audio_ref)
    return await _transcribe(whisper, settings, audio, data, lang)


async def _transcribe(
    whisper: WhisperClient,
    settings: GlueSettings,
    audio: AudioRef,
    data: bytes,
    language: str | None,
) -> TranscribeResponse:
    # A long memo gets a time limit in proportion to its duration (glue/duration.py).
    limit = whisper_limit(
        await audio_seconds(audio.path, data),
        settings.whisper_timeout_s,
        settings.whisper_timeout_ratio,
        settings.whisper_timeout_max_s,
    )
    try:
        result = await whisper.transcribe(
            data, f"{audio.ref}.{audio.ext}", audio.content_type, language=language, limit_s=limit
        )
    except WhisperError as exc:
        exc.extra.update(audio_ref=audio.ref, format=audio.ext)
        raise
    return TranscribeResponse(
        audio_ref=audio.ref,
        transcript=result.text,
        language=result.language,
        duration_s=result.duration_s,
        format=audio.ext,
    )


def _language(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not LANGUAGE.fullmatch(value):
        raise InvalidRequest(f"language must be a 2 or 3 letter code such as 'fr', not {value!r}")
    return value
