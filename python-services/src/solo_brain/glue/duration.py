"""How long a voice note plays, so that Whisper's time limit grows with it.

A 25-minute memo cannot be transcribed within the 30 s a short note gets: the limit is the
audio's duration times `WHISPER_TIMEOUT_RATIO`, never under `WHISPER_TIMEOUT_S` (the floor, for
short notes and a model still loading) nor over `WHISPER_TIMEOUT_MAX_S` (the ceiling: a stuck
Whisper is given up in the end). The duration comes from `ffprobe` when it is installed, else
from a PCM WAV's header, else it is bounded from the file's size at 16 kbit/s (the lowest
bitrate phones record speech at), so that an unknown format errs towards a longer limit.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import wave
from pathlib import Path

# The lowest bitrate a phone records speech at (Opus voice notes, AMR-WB): an upper bound of the
# duration of compressed audio whose header nobody here reads.
LOWEST_BITRATE_BYTES_S = 16_000 / 8
PROBE_TIMEOUT_S = 10.0


def whisper_limit(
    duration_s: float | None, floor_s: float, ratio: float, ceiling_s: float
) -> float:
    """The time Whisper may take over audio lasting `duration_s`: `ratio` times it, between
    `floor_s` and `ceiling_s` (the floor when the duration is unknown)."""
    scaled = (duration_s or 0.0) * ratio
    return max(floor_s, min(scaled, max(ceiling_s, floor_s)))


async def audio_seconds(path: Path, data: bytes) -> float | None:
    """How long the audio stored at `path` (bytes `data`) plays, in seconds."""
    probed = await _ffprobe(path)
    if probed is not None:
        return probed
    if data.startswith(b"RIFF"):
        try:
            with wave.open(io.BytesIO(data)) as wav:
                return wav.getnframes() / wav.getframerate()
        except (wave.Error, EOFError, ZeroDivisionError):
            pass
    return len(data) / LOWEST_BITRATE_BYTES_S if data else None


async def _ffprobe(path: Path) -> float | None:
    """The container's duration as ffprobe reads it; None without ffprobe or a duration."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    process = await asyncio.create_subprocess_exec(
        ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    try:
        seconds = float(out.decode().strip())
    except ValueError:  # "N/A", nothing: a header without the duration
        return None
    return seconds if seconds > 0 else None
