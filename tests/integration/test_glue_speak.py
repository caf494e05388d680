"""POST /v1/speak and GET /audio on loopback: Kokoro's speech is kept and served, playable."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from solo_brain.glue.app import create_app
from tests.fakes.kokoro import KokoroState, run_kokoro
from tests.fakes.server import serve
from tests.fakes.whisper import FakeServer
from tests.support.audio import probe, tone_wav
from tests.support.settings import glue_settings

PUBLIC_URL = "https://assistant.example"
SPEECH = "Capté, idée R&D rangée dans le projet IMX8MP, action notée pour vendredi."


@dataclass
class Glue:
    """A running glue service, its media folder and the fake Kokoro behind it."""

    http: httpx.Client
    media: Path
    kokoro: FakeServer
    state: KokoroState

    def stored(self) -> list[Path]:
        """Every file under the media folder."""
        return sorted(p for p in self.media.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def kokoro_fake() -> Iterator[tuple[FakeServer, KokoroState]]:
    """One fake Kokoro for the module (its audio cache makes repeated texts cheap)."""
    with run_kokoro() as running:
        yield running


@pytest.fixture
def glue(tmp_path: Path, kokoro_fake: tuple[FakeServer, KokoroState]) -> Iterator[Glue]:
    """The glue app on loopback in front of the fake Kokoro, knobs reset."""
    server, state = kokoro_fake
    state.latency_s, state.fail_with, state.garbage = 0.0, None, False
    state.requests.clear()
    settings: dict[str, Any] = {"kokoro_url": server.url, "whisper_url": None}
    settings |= {"media_dir": tmp_path / "media", "public_url": PUBLIC_URL + "/"}
    app = create_app(glue_settings(**settings))
    server.up()
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield Glue(http, tmp_path / "media", server, state)


def fetch(glue: Glue, public_url: str) -> httpx.Response:
    """GET a public audio URL from the glue service (nginx would map the host to it)."""
    assert public_url.startswith(PUBLIC_URL + "/audio/")
    return glue.http.get(public_url.removeprefix(PUBLIC_URL))


@pytest.mark.parametrize(
    ("fmt", "ext", "ctype", "codec"),
    [("mp3", "mp3", "audio/mpeg", "mp3"), ("wav", "wav", "audio/wav", "pcm_s16le"),
     ("opus", "ogg", "audio/ogg", "opus")],
)  # fmt: skip
def test_speech_is_stored_and_served_playable(
    glue: Glue, fmt: str, ext: str, ctype: str, codec: str
) -> None:
    """The answer's URL serves Kokoro's audio with its media type, decodable by ffprobe."""
    response = glue.http.post("/v1/speak", json={"text": SPEECH, "format": fmt})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["url"] == f"{PUBLIC_URL}/audio/{body['audio_ref']}.{ext}"
    assert (body["format"], body["content_type"]) == (fmt, ctype)
    served = fetch(glue, body["url"])
    assert served.status_code == 200 and served.headers["content-type"] == ctype
    assert len(served.content) == body["bytes"] == glue.stored()[0].stat().st_size
    info = probe(served.content)
    assert info["codec_name"] == codec and info["duration"] > 2
    [sent] = glue.state.requests
    assert (sent.model, sent.voice, sent.response_format, sent.stream) == (
        "kokoro", "ff_siwis", fmt, False)  # fmt: skip


def test_audio_is_also_served_by_bare_ref_and_to_head(glue: Glue) -> None:
    """`/audio/{ref}` serves the same file; HEAD gives the headers without the body."""
    body = glue.http.post("/v1/speak", json={"text": "Bien reçu."}).json()
    by_ref = glue.http.get(f"/audio/{body['audio_ref']}")
    assert by_ref.status_code == 200 and by_ref.headers["content-type"] == "audio/mpeg"
    assert by_ref.content == fetch(glue, body["url"]).content
    head = glue.http.head(f"/audio/{body['audio_ref']}.mp3")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == body["bytes"]
    assert "private" in head.headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    [
        "/audio/..%2F..%2F..%2Fetc%2Fpasswd",
        "/audio/../../etc/passwd",
        "/audio/%2e%2e",
        "/audio/0123456789abcdef0123456789abcdef.mp3",
        "/audio/0123456789ABCDEF0123456789ABCDEF.mp3",
        "/audio/.mp3",
    ],
)
def test_anything_but_a_stored_ref_is_not_found(glue: Glue, path: str) -> None:
    """Traversal attempts, unknown or upper-case refs are a 404 envelope, never a file."""
    glue.media.mkdir(parents=True, exist_ok=True)
    (glue.media.parent / "passwd").write_text("secret")
    response = glue.http.get(path)
    assert response.status_code == 404
    assert "secret" not in response.text
    assert response.json()["error"]["code"] in ("audio_not_found", "not_found")


def test_a_stored_ref_with_the_wrong_extension_is_not_found(glue: Glue) -> None:
    """An Ogg file is not served under `.mp3` (each URL names one representation)."""
    body = glue.http.post("/v1/speak", json={"text": "Bien reçu.", "format": "opus"}).json()
    assert glue.http.get(f"/audio/{body['audio_ref']}.mp3").status_code == 404


def test_uploaded_audio_is_served_back(tmp_path: Path, glue: Glue) -> None:
    """Audio kept by /v1/transcribe (Whisper unconfigured) is served back by its ref."""
    data = tone_wav(0.5)
    error = glue.http.post("/v1/transcribe", files={"audio": ("a.wav", data, "audio/wav")})
    assert error.status_code == 503
    served = glue.http.get(f"/audio/{error.json()['error']['audio_ref']}.wav")
    assert served.content == data and served.headers["content-type"] == "audio/wav"


@pytest.mark.parametrize(
    "payload",
    [{"text": ""}, {"text": "   "}, {"text": "a" * 5001}, {"text": "ok", "format": "flac"},
     {"format": "mp3"}],
    ids=["empty", "blank", "too-long", "unknown-format", "no-text"],
)  # fmt: skip
def test_bad_speak_requests_are_invalid(glue: Glue, payload: dict[str, Any]) -> None:
    """Empty, blank or over-long text and unknown formats are a 400; Kokoro is not called."""
    response = glue.http.post("/v1/speak", json=payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert glue.state.requests == [] and glue.stored() == []


def test_longest_text_is_accepted(glue: Glue) -> None:
    """5000 characters is within the limit."""
    response = glue.http.post("/v1/speak", json={"text": ("Note. " * 834)[:5000]})
    assert response.status_code == 200, response.text


def test_kokoro_down_then_back(glue: Glue) -> None:
    """Kokoro refusing connections is a 503 `kokoro_unavailable`; once back, speech works."""
    glue.kokoro.down()
    try:
        response = glue.http.post("/v1/speak", json={"text": "Bien reçu."})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "kokoro_unavailable"
        assert glue.stored() == []
    finally:
        glue.kokoro.up()
    assert glue.http.post("/v1/speak", json={"text": "Bien reçu."}).status_code == 200


@pytest.mark.parametrize(
    ("knob", "request_extra", "status", "code"),
    [({"garbage": True}, {}, 502, "kokoro_error"),
     ({"fail_with": 500}, {}, 503, "kokoro_unavailable"),
     ({}, {"voice": "xx_unknown"}, 502, "kokoro_error")],
    ids=["garbage", "server-error", "unknown-voice"],
)  # fmt: skip
def test_kokoro_failures_store_nothing(
    glue: Glue, knob: dict[str, Any], request_extra: dict[str, str], status: int, code: str
) -> None:
    """Non-audio answers, 5xx and refused voices map to clear errors and store nothing."""
    for name, value in knob.items():
        setattr(glue.state, name, value)
    response = glue.http.post("/v1/speak", json={"text": "Bien reçu.", **request_extra})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert glue.stored() == []


def test_speech_is_kept_apart_from_recordings(glue: Glue) -> None:
    """A spoken answer is stored under speech/, where SPEECH_RETENTION_DAYS purges it."""
    body = glue.http.post("/v1/speak", json={"text": SPEECH, "format": "mp3"}).json()
    [path] = glue.stored()
    assert path == glue.media / "speech" / body["audio_ref"][:2] / f"{body['audio_ref']}.mp3"
    assert fetch(glue, body["url"]).status_code == 200
