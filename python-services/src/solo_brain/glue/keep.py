"""Keep audio before any model hears it: the bytes must sniff as audio, then they are stored.

Every path that receives audio (an upload to transcribe, a raw upload, a WhatsApp voice note)
keeps it through `keep_audio`, so that what counts as audio and what is refused is one decision.
"""

from __future__ import annotations

import asyncio

from solo_brain.errors import UnsupportedMedia
from solo_brain.glue.formats import sniff_audio
from solo_brain.media import AUDIO_TYPES, AudioRef, MediaStore

ACCEPTED = "wav, mp3, m4a/aac, ogg (opus or vorbis), webm, flac"


async def keep_audio(store: MediaStore, data: bytes, what: str = "the upload") -> AudioRef:
    """Store `data` under a new ref in the format its bytes say; 415 when it is not audio."""
    if not data:
        raise UnsupportedMedia(f"{what} is empty")
    sniffed = sniff_audio(data)
    if sniffed is None or sniffed.format not in AUDIO_TYPES:
        raise UnsupportedMedia(f"{what} is not audio in a format we accept: {ACCEPTED}")
    return await asyncio.to_thread(store.save, data, sniffed.format)
