"""KokoroClient asks Kokoro-FastAPI for speech and refuses anything that is not that audio."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from solo_brain.glue.clients.kokoro import KokoroClient, SpeechFormat
from solo_brain.glue.errors import KokoroError, KokoroUnavailable
from tests.support.audio import render_speech

BASE = "http://kokoro.test:8880"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain shared HTTP client, as the app's lifespan makes."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture(scope="module")
def audio() -> dict[str, bytes]:
    """Real audio files in Kokoro's formats (Kokoro's `opus` is Ogg/Opus)."""
    return {fmt: render_speech("Capté.", ext) for fmt, ext in {"mp3": "mp3", "wav": "wav",
            "opus": "opus"}.items()}  # fmt: skip


def client(http: httpx.AsyncClient, base: str | None = BASE, timeout: float = 5.0) -> KokoroClient:
    """A KokoroClient with the French voice."""
    return KokoroClient(http, base, "ff_siwis", timeout)


@respx.mock
@pytest.mark.parametrize("fmt", ["mp3", "wav", "opus"])
async def test_speech_is_requested_whole_and_returned(
    http: httpx.AsyncClient, audio: dict[str, bytes], fmt: SpeechFormat
) -> None:
    """The request is Kokoro's JSON with stream off; the audio bytes come back unchanged."""
    route = respx.post(f"{BASE}/v1/audio/speech").respond(200, content=audio[fmt])
    assert await client(http).speak("Capté.", fmt=fmt) == audio[fmt]
    sent = json.loads(route.calls.last.request.content)
    assert sent == {
        "model": "kokoro",
        "input": "Capté.",
        "voice": "ff_siwis",
        "response_format": fmt,
        "stream": False,
    }


@respx.mock
async def test_voice_can_be_chosen_per_call(
    http: httpx.AsyncClient, audio: dict[str, bytes]
) -> None:
    """A voice given to speak() replaces the configured one."""
    route = respx.post(f"{BASE}/v1/audio/speech").respond(200, content=audio["mp3"])
    await client(http).speak("Capté.", voice="af_bella")
    assert json.loads(route.calls.last.request.content)["voice"] == "af_bella"


@respx.mock
async def test_audio_in_another_format_is_refused(
    http: httpx.AsyncClient, audio: dict[str, bytes]
) -> None:
    """Asking opus and getting mp3 is KokoroError: WhatsApp would not play it."""
    respx.post(f"{BASE}/v1/audio/speech").respond(200, content=audio["mp3"])
    with pytest.raises(KokoroError, match=r"not opus audio \(mp3/mp3\)"):
        await client(http).speak("Capté.", fmt="opus")


@respx.mock
async def test_non_audio_body_is_refused(http: httpx.AsyncClient) -> None:
    """An HTML page with status 200 is KokoroError (502), not stored audio."""
    respx.post(f"{BASE}/v1/audio/speech").respond(200, html="<html>oops</html>")
    with pytest.raises(KokoroError, match=r"not mp3 audio \(not audio\)") as info:
        await client(http).speak("Capté.")
    assert info.value.status_code == 502


@respx.mock
async def test_refused_voice_is_a_kokoro_error(http: httpx.AsyncClient) -> None:
    """A 400 (unknown voice) is KokoroError quoting Kokoro's message."""
    detail = {"detail": {"error": "validation_error", "message": "Voice 'xx' not found."}}
    respx.post(f"{BASE}/v1/audio/speech").respond(400, json=detail)
    with pytest.raises(KokoroError, match=r"HTTP 400.*Voice 'xx' not found"):
        await client(http).speak("Capté.", voice="xx")


@respx.mock
@pytest.mark.parametrize(
    ("effect", "message"),
    [
        (
            httpx.Response(500, json={"detail": {"error": "processing_error"}}),
            "failed with HTTP 500",
        ),
        (httpx.ConnectError("refused"), "unreachable at http://kokoro.test:8880"),
        (httpx.ReadTimeout("slow"), "did not answer within 5 s"),
    ],
    ids=["5xx", "refused", "timeout"],
)
async def test_outages_are_unavailable(
    http: httpx.AsyncClient, effect: httpx.Response | Exception, message: str
) -> None:
    """5xx, refused connections and timeouts are KokoroUnavailable (503)."""
    route = respx.post(f"{BASE}/v1/audio/speech")
    if isinstance(effect, httpx.Response):
        route.mock(return_value=effect)
    else:
        route.mock(side_effect=effect)
    with pytest.raises(KokoroUnavailable, match=message) as info:
        await client(http).speak("Capté.")
    assert info.value.code == "kokoro_unavailable" and info.value.status_code == 503


async def test_not_configured_is_unavailable(http: httpx.AsyncClient) -> None:
    """Without KOKORO_URL speak() fails at once and readiness names the setting."""
    with pytest.raises(KokoroUnavailable, match="set KOKORO_URL"):
        await client(http, base=None).speak("Capté.")
    assert await client(http, base=None).check() == "not configured (set KOKORO_URL)"
