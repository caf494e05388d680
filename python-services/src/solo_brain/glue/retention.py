"""The glue service applies the audio retention itself, so that kept audio does not grow forever
where no timer runs `solo-brain purge-audio` (`solo-brain up`, compose without a cron line).

Every MEDIA_PURGE_EVERY_S (an hour by default; 0: never, left to the timer) it deletes
recordings older than AUDIO_RETENTION_DAYS and spoken answers older than SPEECH_RETENTION_DAYS,
exactly as the command does. A failing purge (a disk error) is logged and tried again next time:
it never stops the service.
"""

from __future__ import annotations

import asyncio
import logging

from solo_brain.media import MediaStore, format_bytes
from solo_brain.settings import GlueSettings

log = logging.getLogger(__name__)


def purge_once(store: MediaStore, settings: GlueSettings) -> int:
    """Delete what is past its retention (recordings, spoken answers); how many files went."""
    recordings = store.purge(settings.audio_retention_days)
    spoken = store.purge(settings.speech_retention_days, speech=True)
    files = recordings.files + spoken.files
    if files:
        freed = format_bytes(recordings.bytes + spoken.bytes)
        log.info("retention: purged %d recordings and %d spoken answers (%s)",
                 recordings.files, spoken.files, freed)  # fmt: skip
    return files


async def purge_forever(store: MediaStore, settings: GlueSettings) -> None:
    """Purge now, then every MEDIA_PURGE_EVERY_S, until cancelled."""
    while True:
        try:
            await asyncio.to_thread(purge_once, store, settings)
        except OSError as exc:
            log.warning("retention: the purge of %s failed, tried again later: %s", store.root, exc)
        await asyncio.sleep(settings.media_purge_every_s)
