"""A faster-whisper-server / speaches stand-in that speaks its exact wire format.

`POST /v1/audio/transcriptions` takes the OpenAI multipart form (`file`, `model`, `language`,
`response_format`, ...) and answers `json`, `text`, `verbose_json`, `srt` or `vtt` like speaches.
It cannot recognise speech, so the transcript is chosen by the test: `state.transcripts` maps the
SHA-256 of the uploaded bytes to a text (`state.expect(data, text)`), else `default_transcript`.
Everything else is real: the upload is decoded with ffprobe/wave to report its true `duration`,
audio that cannot be decoded fails with 500 as speaches does, an unknown model is a 404.

Knobs on `WhisperState`: `latency_s`, `seconds_per_audio_s` (a model's pace: the answer takes
that long per second of the uploaded audio, as a real one does), `fail_with` (HTTP status),
`garbage` (invalid JSON);
`FakeServer.down()` / `.up()` stop and restart the server on the same port (connection refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from tests.fakes.server import FakeServer
from tests.support.audio import decoded_duration, probe

DEFAULT_MODEL = "Systran/faster-whisper-large-v3"


@dataclass
class ReceivedAudio:
    """One transcription request as the fake received it."""

    sha256: str
    size: int
    filename: str | None
    content_type: str | None
    model: str
    language: str | None
    response_format: str


@dataclass
class WhisperState:
    """What the fake answers, its failure knobs, and every request it received."""

    transcripts: dict[str, str] = field(default_factory=dict)
    default_transcript: str = "Ceci est une note de test."
    detected_language: str = "fr"
    models: list[str] = field(default_factory=lambda: [DEFAULT_MODEL])
    latency_s: float = 0.0
    seconds_per_audio_s: float = 0.0
    fail_with: int | None = None
    garbage: bool = False
    requests: list[ReceivedAudio] = field(default_factory=list)

    def expect(self, data: bytes, transcript: str) -> None:
        """Answer `transcript` whenever exactly these bytes are uploaded."""
        self.transcripts[hashlib.sha256(data).hexdigest()] = transcript

    def heard(self, data: bytes) -> list[ReceivedAudio]:
        """The requests that uploaded exactly these bytes (a shared stack's schedules may send
        Whisper other captures' audio at any time)."""
        digest = hashlib.sha256(data).hexdigest()
        return [r for r in self.requests if r.sha256 == digest]


def audio_duration(data: bytes) -> float:
    """The true length of the uploaded audio in seconds; ValueError when it is not audio."""
    if data.startswith(b"RIFF"):
        try:
            with wave.open(io.BytesIO(data)) as wav:
                return wav.getnframes() / wav.getframerate()
        except (wave.Error, EOFError):
            pass  # not PCM WAV: let ffprobe try
    info = probe(data)
    return info["duration"] if info["duration"] is not None else decoded_duration(data)


def create_whisper_app(state: WhisperState) -> FastAPI:
    """The fake Whisper server answering from `state`."""
    app = FastAPI(title="fake speaches")

    @app.get("/health")
    async def health() -> Response:
        return PlainTextResponse("OK")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        data = [
            {"id": m, "created": 0, "object": "model", "owned_by": m.split("/")[0],
             "language": ["fr", "en"], "task": "automatic-speech-recognition"}
            for m in state.models
        ]  # fmt: skip
        return {"data": data, "object": "list"}

    @app.post("/v1/audio/transcriptions")
    async def transcriptions(
        file: Annotated[UploadFile, File()],
        model: Annotated[str, Form()],
        language: Annotated[str | None, Form()] = None,
        response_format: Annotated[str, Form()] = "json",
        temperature: Annotated[float, Form()] = 0.0,
    ) -> Response:
        data = await file.read()
        digest = hashlib.sha256(data).hexdigest()
        state.requests.append(
            ReceivedAudio(digest, len(data), file.filename, file.content_type, model, language,
                          response_format)
        )  # fmt: skip
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.seconds_per_audio_s:
            with contextlib.suppress(ValueError):  # not audio: answered below
                played = await asyncio.to_thread(audio_duration, data)
                await asyncio.sleep(played * state.seconds_per_audio_s)
        if state.fail_with:
            return PlainTextResponse("Internal Server Error", status_code=state.fail_with)
        if state.garbage:
            return Response(b'{"text": "Ceci est', media_type="application/json")
        if model not in state.models:
            detail = f"Model '{model}' is not installed locally. You can download the model using `POST /v1/models`"  # noqa: E501
            return JSONResponse({"detail": detail}, status_code=404)
        if response_format not in ("json", "text", "verbose_json", "srt", "vtt"):
            return JSONResponse({"detail": [{"loc": ["body", "response_format"],
                                             "msg": "Input should be 'text', 'json', "
                                             "'verbose_json', 'srt' or 'vtt'"}]},
                                status_code=422)  # fmt: skip
        try:
            duration = await asyncio.to_thread(audio_duration, data)
        except ValueError:  # PyAV cannot decode it: speaches fails with an unhandled error
            return PlainTextResponse("Internal Server Error", status_code=500)
        text = state.transcripts.get(digest, state.default_transcript)
        return _answer(text, language or state.detected_language, duration, response_format)

    return app


def _answer(text: str, language: str, duration: float, response_format: str) -> Response:
    segment = {
        "id": 1, "seek": 0, "start": 0.0, "end": round(duration, 3), "text": f" {text}",
        "tokens": list(range(50364, 50364 + max(1, len(text.split())))), "temperature": 0.0,
        "avg_logprob": -0.21, "compression_ratio": 1.1, "no_speech_prob": 0.01, "words": None,
    }  # fmt: skip
    if response_format == "text":
        return PlainTextResponse(text)
    if response_format == "json":
        return JSONResponse({"text": text})
    if response_format == "verbose_json":
        return JSONResponse({"task": "transcribe", "language": language, "duration": duration,
                             "text": text, "words": None, "segments": [segment]})  # fmt: skip
    stamp = _srt_time(duration)
    if response_format == "srt":
        return PlainTextResponse(f"1\n00:00:00,000 --> {stamp}\n{text}\n\n")
    return Response(f"WEBVTT\n\n00:00:00.000 --> {stamp.replace(',', '.')}\n{text}\n\n",
                    media_type="text/vtt")  # fmt: skip


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02}:{ms // 60000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"


@contextmanager
def run_whisper(state: WhisperState | None = None) -> Iterator[tuple[FakeServer, WhisperState]]:
    """A running fake Whisper and its state."""
    state = state or WhisperState()
    with FakeServer(create_whisper_app(state)).running() as server:
        yield server, state
