"""Client of Kokoro-FastAPI (text to speech, OpenAI-compatible).

It raises KokoroUnavailable (503) when Kokoro is not configured, unreachable, too slow or
answers 5xx, and KokoroError (502) for a 4xx answer or bytes that are not the format asked.

`POST {base}/v1/audio/speech` with `{model: "kokoro", input, voice, response_format, stream: false}`
answers the whole file; `opus` comes in an Ogg container, which is what WhatsApp voice notes need.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import httpx

from solo_brain.glue.clients import probe, raise_for_status
from solo_brain.glue.errors import KokoroError, KokoroUnavailable
from solo_brain.glue.formats import sniff_audio

SpeechFormat = Literal["mp3", "wav", "opus"]

# What each requested format must sniff as: (storage extension, codec or None for any).
EXPECTED: dict[str, tuple[str, str | None]] = {
    "mp3": ("mp3", None),
    "wav": ("wav", None),
    "opus": ("ogg", "opus"),
}


class KokoroClient:
    """Speaks text with Kokoro through an injected shared HTTP client."""

    def __init__(
        self, http: httpx.AsyncClient, base_url: str | None, voice: str, timeout: float
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/") if base_url else None
        self._voice = voice
        self._timeout = timeout

    async def speak(self, text: str, voice: str | None = None, fmt: SpeechFormat = "mp3") -> bytes:
        """The audio file of `text` spoken in `fmt`; KokoroUnavailable or KokoroError on failure."""
        if self._base is None:
            raise KokoroUnavailable("Kokoro is not configured (set KOKORO_URL)", configured=False)
        payload = {
            "model": "kokoro",
            "input": text,
            "voice": voice or self._voice,
            "response_format": fmt,
            "stream": False,
        }
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(
                    f"{self._base}/v1/audio/speech", json=payload, timeout=self._timeout
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise KokoroUnavailable(f"Kokoro did not answer within {self._timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise KokoroUnavailable(f"Kokoro is unreachable at {self._base}: {exc!r}") from exc
        raise_for_status(response, "Kokoro", KokoroError, KokoroUnavailable)
        _check_audio(response.content, fmt)
        return response.content

    async def check(self) -> str | None:
        """None when Kokoro answers its health route, else why it is not ready."""
        if self._base is None:
            return "not configured (set KOKORO_URL)"
        return await probe(self._http, self._base, "Kokoro")


def _check_audio(data: bytes, fmt: str) -> None:
    ext, codec = EXPECTED[fmt]
    sniffed = sniff_audio(data)
    if sniffed is None or sniffed.format != ext or (codec and sniffed.codec != codec):
        what = f"{sniffed.format}/{sniffed.codec}" if sniffed else "not audio"
        raise KokoroError(f"Kokoro answered {len(data)} bytes that are not {fmt} audio ({what})")
