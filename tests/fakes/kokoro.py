"""A Kokoro-FastAPI stand-in that speaks its exact wire format and answers real audio.

`POST /v1/audio/speech` takes `{model, input, voice, response_format, stream, speed}` and answers
the whole file with Kokoro's Content-Type (`audio/mpeg`, `audio/wav`, `audio/opus` for Ogg/Opus,
`audio/aac`, `audio/flac`, `audio/pcm`). The audio is genuinely playable: espeak-ng speaks the
text in French and ffmpeg encodes it (cached per text and format, so only the first call costs).
Errors follow Kokoro: an unknown model or voice is a 400 with `{"detail": {"error", "message",
"type"}}`. Knobs on `KokoroState`: `latency_s`, `fail_with` (HTTP status), `garbage` (bytes that
are not audio); `FakeServer.down()` refuses connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from tests.fakes.server import FakeServer
from tests.support.audio import render_speech

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
MODELS = ("kokoro", "tts-1", "tts-1-hd")
VOICES = ("ff_siwis", "af_bella", "af_heart", "am_adam", "bf_emma", "if_sara", "pf_dora")


class SpeechRequest(BaseModel):
    """Kokoro-FastAPI's OpenAISpeechRequest (the fields that matter here)."""

    model: str = "kokoro"
    input: str
    voice: str = "af_heart"
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    stream: bool = True
    speed: float = Field(default=1.0, ge=0.25, le=4.0)


@dataclass
class KokoroState:
    """Failure knobs of the fake, and every request it received."""

    latency_s: float = 0.0
    fail_with: int | None = None
    garbage: bool = False
    requests: list[SpeechRequest] = field(default_factory=list)
    _cache: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def audio(self, text: str, fmt: str) -> bytes:
        """Real audio of `text` in Kokoro format `fmt` (pcm is raw 24 kHz s16le)."""
        if (text, fmt) not in self._cache:
            self._cache[text, fmt] = render_speech(text, fmt)
        return self._cache[text, fmt]


def create_kokoro_app(state: KokoroState) -> FastAPI:
    """The fake Kokoro server answering from `state`."""
    app = FastAPI(title="fake Kokoro-FastAPI")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "healthy"}

    @app.get("/v1/audio/voices")
    async def voices() -> dict[str, Any]:
        return {"voices": list(VOICES)}

    @app.post("/v1/audio/speech")
    async def speech(request: SpeechRequest) -> Response:
        state.requests.append(request)
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.fail_with:
            return _error(state.fail_with, "processing_error", "fake failure", "server_error")
        if request.model not in MODELS:
            return _error(400, "invalid_model", f"Unsupported model: {request.model}")
        if request.voice not in VOICES:
            names = ", ".join(sorted(VOICES))
            message = f"Voice '{request.voice}' not found. Available voices: {names}"
            return _error(400, "validation_error", message)
        if state.garbage:
            data = b"<html><body>upstream exploded</body></html>"
        else:
            data = await asyncio.to_thread(state.audio, request.input, request.response_format)
        media_type = CONTENT_TYPES[request.response_format]
        headers = {
            "Content-Disposition": f"attachment; filename=speech.{request.response_format}",
            "Cache-Control": "no-cache",
        }
        if request.stream:
            return StreamingResponse(iter([data]), media_type=media_type, headers=headers)
        return Response(data, media_type=media_type, headers=headers)

    return app


def _error(status: int, error: str, message: str, kind: str = "invalid_request_error") -> Response:
    # Kokoro raises HTTPException(detail={...}); FastAPI wraps it in {"detail": ...}.
    body = {"detail": {"error": error, "message": message, "type": kind}}
    return JSONResponse(body, status_code=status)


@contextmanager
def run_kokoro(state: KokoroState | None = None) -> Iterator[tuple[FakeServer, KokoroState]]:
    """A running fake Kokoro and its state."""
    state = state or KokoroState()
    with FakeServer(create_kokoro_app(state)).running() as server:
        yield server, state
