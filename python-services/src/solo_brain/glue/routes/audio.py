"""`GET /audio/{ref}` and `GET /audio/{ref}.{ext}`: serve stored audio with its media type."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import FileResponse

from solo_brain.glue.deps import Store
from solo_brain.media import AudioNotFound

router = APIRouter(tags=["audio"])

# Audio never changes under a ref; the ref itself is the secret, so caches must stay private.
CACHE_CONTROL = "private, max-age=604800, immutable"


@router.get("/audio/{name}", response_class=FileResponse)
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
