"""POST /v1/transcribe on loopback: the audio is kept first, whatever Whisper does afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from solo_brain.glue.app import create_app
from tests.fakes.server import serve
from tests.fakes.whisper import FakeServer, WhisperState, run_whisper
from tests.support.audio import probe, speech_file, tone_wav
from tests.support.settings import glue_settings

PHRASE = "Idée pour le projet vision : benchmarker le NPU vendredi."


@dataclass
class Glue:
    """A running glue service, its media folder and the fake Whisper behind it."""

    http: httpx.Client
    media: Path
    whisper: FakeServer
    state: WhisperState

    def stored(self) -> list[Path]:
        """Every file under the media folder."""
        return sorted(p for p in self.media.rglob("*") if p.is_file())


@contextmanager
def glue_service(tmp_path: Path, **settings: Any) -> Iterator[Glue]:
    """The glue app served on loopback in front of a fresh fake Whisper."""
    with run_whisper() as (whisper, state):
        values: dict[str, Any] = {"whisper_url": whisper.url, "kokoro_url": None}
        values |= {"media_dir": tmp_path / "media", **settings}
        app = create_app(glue_settings(**values))
        with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
            yield Glue(http, tmp_path / "media", whisper, state)


@pytest.fixture
def glue(tmp_path: Path) -> Iterator[Glue]:
    """A glue service with default settings."""
    with glue_service(tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where generated speech files are cached for this module."""
    return tmp_path_factory.mktemp("speech")


def upload(glue: Glue, data: bytes, name: str, ctype: str, **fields: str) -> httpx.Response:
    """POST the bytes as the multipart `audio` field."""
    return glue.http.post("/v1/transcribe", files={"audio": (name, data, ctype)}, data=fields)


@pytest.mark.parametrize(
    ("fmt", "ctype", "codec"),
    [("wav", "audio/wav", "pcm_s16le"), ("m4a", "audio/mp4", "aac"), ("ogg", "audio/ogg", "opus"),
     ("mp3", "audio/mpeg", "mp3")],
)  # fmt: skip
def test_voice_note_is_stored_then_transcribed(
    glue: Glue, voice_dir: Path, fmt: str, ctype: str, codec: str
) -> None:
    """Real French speech comes back with its transcript, true duration and the stored ref."""
    data = speech_file(PHRASE, fmt, voice_dir).read_bytes()  # type: ignore[arg-type]
    glue.state.expect(data, PHRASE)
    response = upload(glue, data, f"note.{fmt}", ctype)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transcript"] == PHRASE and body["language"] == "fr" and body["format"] == fmt
    assert body["duration_s"] == pytest.approx(probe(data)["duration"], abs=0.1)
    [stored] = glue.stored()
    assert stored.name == f"{body['audio_ref']}.{fmt}" and stored.read_bytes() == data
    [received] = glue.state.requests
    assert (received.model, received.language, received.response_format) == (
        "Systran/faster-whisper-large-v3", "fr", "verbose_json")  # fmt: skip
    assert received.filename == stored.name and received.content_type == ctype
    assert probe(stored.read_bytes())["codec_name"] == codec


def test_format_comes_from_the_bytes_not_the_declared_type(glue: Glue, voice_dir: Path) -> None:
    """An iPhone m4a sent as `audio/mpeg` named .mp3 is stored and sent on as m4a."""
    data = speech_file(PHRASE, "m4a", voice_dir).read_bytes()
    response = upload(glue, data, "note.mp3", "audio/mpeg")
    assert response.status_code == 200 and response.json()["format"] == "m4a"
    assert glue.state.requests[0].content_type == "audio/mp4"


def test_language_field_is_passed_to_whisper(glue: Glue) -> None:
    """A `language` form field overrides WHISPER_LANGUAGE."""
    response = upload(glue, tone_wav(0.5), "a.wav", "audio/wav", language="en")
    assert response.status_code == 200 and response.json()["language"] == "en"
    assert glue.state.requests[0].language == "en"


def test_whisper_down_keeps_the_audio_and_a_retry_transcribes_it(glue: Glue) -> None:
    """Whisper refusing connections answers 503 with the ref; the stored audio is retried later."""
    data = tone_wav(1.0)
    glue.state.expect(data, "Note reprise plus tard.")
    glue.whisper.down()
    response = upload(glue, data, "a.wav", "audio/wav")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "whisper_unavailable" and "unreachable" in error["message"]
    [stored] = glue.stored()
    assert stored.name == f"{error['audio_ref']}.wav" and stored.read_bytes() == data

    glue.whisper.up()
    retry = glue.http.post(f"/v1/transcribe/{error['audio_ref']}")
    assert retry.status_code == 200, retry.text
    assert retry.json() == {
        "audio_ref": error["audio_ref"],
        "transcript": "Note reprise plus tard.",
        "language": "fr",
        "duration_s": 1.0,
        "format": "wav",
    }
    assert len(glue.stored()) == 1


def test_slow_whisper_is_cut_at_the_timeout_and_the_audio_kept(tmp_path: Path) -> None:
    """Whisper slower than WHISPER_TIMEOUT_S gives a prompt 503 with the ref, file kept."""
    with glue_service(tmp_path, whisper_timeout_s=0.5) as glue:
        glue.state.latency_s = 2
        started = time.monotonic()
        response = upload(glue, tone_wav(0.5), "a.wav", "audio/wav")
        assert time.monotonic() - started < 1.5
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "whisper_unavailable" and "0.5 s" in error["message"]
        assert [p.name for p in glue.stored()] == [f"{error['audio_ref']}.wav"]


@pytest.mark.parametrize(
    ("knob", "status", "code"),
    [({"fail_with": 500}, 503, "whisper_unavailable"), ({"garbage": True}, 502, "whisper_error")],
)
def test_failing_whisper_keeps_the_audio(
    glue: Glue, knob: dict[str, Any], status: int, code: str
) -> None:
    """A 5xx (503) or a garbage answer (502) still returns the ref of the kept audio."""
    for name, value in knob.items():
        setattr(glue.state, name, value)
    response = upload(glue, tone_wav(0.5), "a.wav", "audio/wav")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["format"] == "wav"
    assert [p.name for p in glue.stored()] == [f"{error['audio_ref']}.wav"]


def test_unconfigured_whisper_keeps_the_audio(tmp_path: Path) -> None:
    """Without WHISPER_URL the audio is kept and the 503 says which setting is missing."""
    with glue_service(tmp_path, whisper_url=None) as glue:
        response = upload(glue, tone_wav(0.5), "a.wav", "audio/wav")
        assert response.status_code == 503
        assert "set WHISPER_URL" in response.json()["error"]["message"]
        assert len(glue.stored()) == 1


def test_oversized_audio_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    """Audio over MAX_AUDIO_BYTES is a 413; nothing is written and Whisper is not called."""
    with glue_service(tmp_path, max_audio_bytes=64 * 1024) as glue:
        response = upload(glue, tone_wav(3.0), "long.wav", "audio/wav")  # ~96 KB
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert glue.stored() == [] and glue.state.requests == []
        assert upload(glue, tone_wav(1.0), "ok.wav", "audio/wav").status_code == 200


def test_oversized_chunked_upload_without_length_is_refused(tmp_path: Path) -> None:
    """A chunked body with no Content-Length is counted as it arrives and refused past the limit."""
    boundary = "sb-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n").encode()  # fmt: skip
    body = head + tone_wav(20.0) + f"\r\n--{boundary}--\r\n".encode()  # ~640 KB

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    with glue_service(tmp_path, max_audio_bytes=100 * 1024) as glue:
        ctype = f"multipart/form-data; boundary={boundary}"
        response = glue.http.post(
            "/v1/transcribe", content=chunks(), headers={"content-type": ctype}
        )
        assert response.status_code == 413
        assert glue.stored() == [] and glue.state.requests == []


@pytest.mark.parametrize(
    ("data", "name", "ctype"),
    [(b"Bonjour, ceci n'est pas de l'audio.", "note.wav", "audio/wav"),
     (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.m4a", "audio/mp4"),
     (b"", "empty.ogg", "audio/ogg")],
    ids=["text", "image", "empty"],
)  # fmt: skip
def test_non_audio_is_refused_and_nothing_stored(
    glue: Glue, data: bytes, name: str, ctype: str
) -> None:
    """Text, images or empty files are a 415 `unsupported_media`; nothing stored or sent."""
    response = upload(glue, data, name, ctype)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media"
    assert glue.stored() == [] and glue.state.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"files": {"file": ("a.wav", b"RIFF", "audio/wav")}}, "no 'audio' file field"),
     ({"json": {"audio": "UklGRg=="}}, "multipart/form-data"),
     ({"files": {"audio": ("a.wav", b"RIFF", "audio/wav")}, "data": {"language": "français"}},
      "language must be")],
    ids=["wrong-field", "json-body", "bad-language"],
)  # fmt: skip
def test_malformed_requests_are_invalid(glue: Glue, kwargs: dict[str, Any], message: str) -> None:
    """A form without `audio`, a non-multipart body or a bad language is a 400 naming the issue."""
    response = glue.http.post("/v1/transcribe", **kwargs)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert message in response.json()["error"]["message"]
    assert glue.stored() == []


@pytest.mark.parametrize(
    "ref",
    [
        "0123456789abcdef0123456789abcdef",
        "..%2F..%2Fetc%2Fpasswd",
        "ABCDEF0123456789ABCDEF0123456789",
    ],
)
def test_retranscribing_an_unknown_ref_is_not_found(glue: Glue, ref: str) -> None:
    """Unknown, traversal-looking or upper-case refs are 404 and Whisper is not called."""
    response = glue.http.post(f"/v1/transcribe/{ref}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("audio_not_found", "not_found")
    assert glue.state.requests == []
