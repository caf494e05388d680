"""Stored audio: keep a raw upload, and serve what is kept with its media type.

POST /v1/audio                   multipart `audio` kept as is (no transcription yet) -> its ref
GET  /audio/{ref}[.{ext}]        the stored audio (the unguessable ref is the secret)
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from solo_brain.errors import documented_errors
from solo_brain.glue.deps import Settings, Store
from solo_brain.glue.keep import ACCEPTED, keep_audio
from solo_brain.glue.models import StoredAudio
from solo_brain.glue.upload import audio_form_schema, read_audio_form
from solo_brain.media import AudioNotFound

router = APIRouter(tags=["audio"])

# Audio never changes under a ref; the ref itself is the secret, so caches must stay private.
CACHE_CONTROL = "private, max-age=604800, immutable"

_KEEP_ERRORS = documented_errors(
    {
        400: "malformed form",
        413: "audio over MAX_AUDIO_BYTES; nothing stored",
        415: "not a recognised audio format; nothing stored",
    }
)


@router.post(
    "/v1/audio",
    response_model=StoredAudio,
    openapi_extra=audio_form_schema("audio", ACCEPTED),
    responses=_KEEP_ERRORS,
)
async def keep_upload(request: Request, store: Store, settings: Settings) -> StoredAudio:
    """Keep an uploaded recording before any model sees it (multipart field `audio`)."""
    upload = await read_audio_form(request, file_field="audio", max_bytes=settings.max_audio_bytes)
    audio = await keep_audio(store, upload.data, f"{upload.filename!r} ({upload.content_type})")
    return StoredAudio(audio_ref=audio.ref, format=audio.ext, bytes=audio.size)


@router.get(
    "/audio/{name}",
    response_class=FileResponse,
    responses=documented_errors({404: "no audio of that name (`audio_not_found`)"}),
)
@router.head("/audio/{name}", include_in_schema=False)
async def get_audio(name: str, store: Store) -> FileResponse:
    """The stored audio named `{ref}` or `{ref}.{ext}`; 404 for anything else."""
    ref, _, ext = name.partition(".")
    audio = await asyncio.to_thread(store.find, ref)
    if audio is None or (ext and ext != audio.ext):
        raise AudioNotFound(f"no stored audio is named {name[:60]!r}")
    return FileResponse(
        audio.path,
        media_type=audio.content_type,
        headers={"Cache-Control": CACHE_CONTROL},
        content_disposition_type="inline",
        filename=f"{audio.ref}.{audio.ext}",
    )
