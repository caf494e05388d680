"""Client of the OpenAI-compatible Whisper server (faster-whisper-server / speaches).

It raises WhisperUnavailable (503) when Whisper is not configured, unreachable, too slow or
answers 5xx, and WhisperError (502) for a 4xx answer or a body that is not a transcription.

`POST {base}/v1/audio/transcriptions` takes multipart `file`, `model`, `language` and
`response_format=verbose_json`, and answers `{task, language, duration, text, segments[], words}`.
"""

from __future__ import annotations

import asyncio

import httpx
from pydantic import BaseModel, ValidationError

from solo_brain.glue.clients import excerpt, probe, raise_for_status
from solo_brain.glue.errors import WhisperError, WhisperUnavailable


class Segment(BaseModel):
    """One timed stretch of the transcript."""

    start: float
    end: float
    text: str


class Transcription(BaseModel):
    """What Whisper heard: the text, the language, the audio duration and timed segments."""

    text: str
    language: str | None = None
    duration_s: float | None = None
    segments: list[Segment] | None = None


class _VerboseJson(BaseModel):
    # The wire shape; extra fields (task, words, tokens, avg_logprob, ...) are ignored.
    text: str
    language: str | None = None
    duration: float | None = None
    segments: list[Segment] | None = None


class WhisperClient:
    """Transcribes audio with a Whisper server through an injected shared HTTP client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str | None,
        model: str,
        language: str,
        timeout: float,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/") if base_url else None
        self._model = model
        self._language = language
        self._timeout = timeout

    async def transcribe(
        self,
        data: bytes,
        filename: str,
        content_type: str,
        *,
        language: str | None = None,
        limit_s: float | None = None,
    ) -> Transcription:
        """The transcription of `data` within `limit_s` seconds (default: the client's);
        WhisperUnavailable or WhisperError when it fails."""
        base = self._require_base()
        limit = limit_s or self._timeout
        form = {
            "model": self._model,
            "language": language or self._language,
            "response_format": "verbose_json",
        }
        url = f"{base}/v1/audio/transcriptions"
        try:
            async with asyncio.timeout(limit):
                response = await self._http.post(
                    url,
                    data=form,
                    files={"file": (filename, data, content_type)},
                    timeout=limit,
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise WhisperUnavailable(f"Whisper did not answer within {limit:g} s") from exc
        except httpx.TransportError as exc:
            raise WhisperUnavailable(f"Whisper is unreachable at {base}: {exc!r}") from exc
        raise_for_status(response, "Whisper", WhisperError, WhisperUnavailable)
        try:
            body = _VerboseJson.model_validate_json(response.content)
        except ValidationError as exc:
            raise WhisperError(
                f"Whisper answered something that is not a transcription: {excerpt(response)}"
            ) from exc
        return Transcription(
            text=body.text.strip(),
            language=body.language or language or self._language,
            duration_s=body.duration,
            segments=body.segments,
        )

    async def check(self) -> str | None:
        """None when Whisper answers its health route, else why it is not ready."""
        if self._base is None:
            return "not configured (set WHISPER_URL)"
        return await probe(self._http, self._base, "Whisper")

    def _require_base(self) -> str:
        if self._base is None:
            raise WhisperUnavailable(
                "Whisper is not configured (set WHISPER_URL)", configured=False
            )
        return self._base
