"""WhisperClient speaks the OpenAI transcription API and translates every failure."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from solo_brain.glue.clients.whisper import Segment, Transcription, WhisperClient
from solo_brain.glue.errors import WhisperError, WhisperUnavailable

BASE = "http://whisper.test:8000"
# A speaches verbose_json answer (trimmed recording: one segment, no word timestamps).
VERBOSE = {
    "task": "transcribe",
    "language": "fr",
    "duration": 3.52,
    "text": " Rappelle-moi d'appeler Bosch vendredi.",
    "words": None,
    "segments": [
        {
            "id": 1, "seek": 0, "start": 0.0, "end": 3.2,
            "text": " Rappelle-moi d'appeler Bosch vendredi.",
            "tokens": [50364, 497, 1746], "temperature": 0.0, "avg_logprob": -0.25,
            "compression_ratio": 0.9, "no_speech_prob": 0.02,
        }
    ],
}  # fmt: skip


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain shared HTTP client, as the app's lifespan makes."""
    async with httpx.AsyncClient() as client:
        yield client


def client(http: httpx.AsyncClient, base: str | None = BASE, timeout: float = 5.0) -> WhisperClient:
    """A WhisperClient with the production defaults."""
    return WhisperClient(http, base, "Systran/faster-whisper-large-v3", "fr", timeout)


@respx.mock
async def test_transcription_is_parsed_from_verbose_json(http: httpx.AsyncClient) -> None:
    """A verbose_json answer becomes a Transcription with stripped text, language and duration."""
    respx.post(f"{BASE}/v1/audio/transcriptions").respond(json=VERBOSE)
    result = await client(http).transcribe(b"RIFF....", "a.wav", "audio/wav")
    assert result == Transcription(
        text="Rappelle-moi d'appeler Bosch vendredi.",
        language="fr",
        duration_s=3.52,
        segments=[Segment(start=0.0, end=3.2, text=" Rappelle-moi d'appeler Bosch vendredi.")],
    )


@respx.mock
async def test_request_carries_file_model_language_and_verbose_format(
    http: httpx.AsyncClient,
) -> None:
    """The multipart form has the file and the model, language and response_format fields."""
    route = respx.post(f"{BASE}/v1/audio/transcriptions").respond(json=VERBOSE)
    await client(http).transcribe(b"OggS-bytes", "n.ogg", "audio/ogg", language="en")
    body = route.calls.last.request.content
    assert b'name="file"; filename="n.ogg"' in body
    assert b"Content-Type: audio/ogg" in body
    assert b"OggS-bytes" in body
    for name, value in [
        ("model", "Systran/faster-whisper-large-v3"),
        ("language", "en"),
        ("response_format", "verbose_json"),
    ]:
        assert f'name="{name}"\r\n\r\n{value}\r\n'.encode() in body


@respx.mock
async def test_missing_language_in_answer_falls_back_to_the_one_asked(
    http: httpx.AsyncClient,
) -> None:
    """A plain `{"text"}` answer still gives a language (the configured one) and no duration."""
    respx.post(f"{BASE}/v1/audio/transcriptions").respond(json={"text": "Bonjour."})
    result = await client(http).transcribe(b"x", "a.wav", "audio/wav")
    assert (result.text, result.language, result.duration_s) == ("Bonjour.", "fr", None)


@respx.mock
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_mean_unavailable(http: httpx.AsyncClient, status: int) -> None:
    """A 5xx answer is WhisperUnavailable (503): retry later."""
    respx.post(f"{BASE}/v1/audio/transcriptions").respond(status, text="Internal Server Error")
    with pytest.raises(WhisperUnavailable, match=f"HTTP {status}: Internal Server Error"):
        await client(http).transcribe(b"x", "a.wav", "audio/wav")


@respx.mock
async def test_client_errors_are_whisper_errors(http: httpx.AsyncClient) -> None:
    """A 4xx answer is WhisperError (502) quoting what Whisper said."""
    detail = {"detail": "Model 'x' is not installed locally."}
    respx.post(f"{BASE}/v1/audio/transcriptions").respond(404, json=detail)
    with pytest.raises(WhisperError, match=r"HTTP 404.*not installed locally") as info:
        await client(http).transcribe(b"x", "a.wav", "audio/wav")
    assert not isinstance(info.value, WhisperUnavailable)
    assert info.value.status_code == 502 and info.value.code == "whisper_error"


@respx.mock
@pytest.mark.parametrize(
    "body",
    [b'{"text": "Ceci est', b"<html>502 Bad Gateway</html>", json.dumps({"txt": "x"}).encode()],
    ids=["truncated-json", "html", "wrong-shape"],
)
async def test_garbage_answers_are_whisper_errors(http: httpx.AsyncClient, body: bytes) -> None:
    """A 200 whose body is not a transcription is WhisperError, never a crash."""
    respx.post(f"{BASE}/v1/audio/transcriptions").respond(200, content=body)
    with pytest.raises(WhisperError, match="not a transcription"):
        await client(http).transcribe(b"x", "a.wav", "audio/wav")


@respx.mock
async def test_connection_refused_is_unavailable(http: httpx.AsyncClient) -> None:
    """An unreachable server is WhisperUnavailable naming the URL."""
    respx.post(f"{BASE}/v1/audio/transcriptions").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(WhisperUnavailable, match=re.escape(f"unreachable at {BASE}")):
        await client(http).transcribe(b"x", "a.wav", "audio/wav")


@respx.mock
async def test_timeout_is_unavailable(http: httpx.AsyncClient) -> None:
    """A read timeout is WhisperUnavailable saying the time limit."""
    respx.post(f"{BASE}/v1/audio/transcriptions").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(WhisperUnavailable, match=r"did not answer within 2\.5 s"):
        await client(http, timeout=2.5).transcribe(b"x", "a.wav", "audio/wav")


async def test_not_configured_is_unavailable_without_any_request(http: httpx.AsyncClient) -> None:
    """Without WHISPER_URL, transcribe fails at once with the setting to set."""
    with pytest.raises(WhisperUnavailable, match="set WHISPER_URL"):
        await client(http, base=None).transcribe(b"x", "a.wav", "audio/wav")
    assert await client(http, base=None).check() == "not configured (set WHISPER_URL)"


@respx.mock
async def test_check_uses_health_then_models(http: httpx.AsyncClient) -> None:
    """Readiness is /health, or /v1/models on servers that have no /health."""
    health = respx.get(f"{BASE}/health").respond(200, text="OK")
    assert await client(http).check() is None
    health.respond(404)
    models = respx.get(f"{BASE}/v1/models").respond(200, json={"data": [], "object": "list"})
    assert await client(http).check() is None
    models.respond(500)
    assert await client(http).check() == f"Whisper answered HTTP 500 at {BASE}"
    health.mock(side_effect=httpx.ConnectError("refused"))
    assert await client(http).check() == f"Whisper unreachable at {BASE}: ConnectError"
