"""Classify and glue fed the bad-input corpus: broken JSON, hostile strings, hostile refs,
truncated and disguised audio, abusive multipart and forged WhatsApp signatures are refused
with a clear error, and the media folder holds nothing a refused request sent. classify's filing
routes, which record a capture, get the same corpus in test_filing_bad_input.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from solo_brain.glue.app import create_app as create_glue
from tests.fakes.graph import GraphState, create_graph_app, meta_delivery, sign, text_message
from tests.fakes.kokoro import KokoroState, create_kokoro_app
from tests.fakes.server import serve
from tests.fakes.whisper import WhisperState, run_whisper
from tests.support.audio import speech_file
from tests.support.classify import classify_service
from tests.support.corpus import (
    EVIL_BODIES,
    EVIL_IDS,
    EVIL_STRINGS,
    assert_clear_refusal,
    assert_no_server_error,
    files,
    state,
)
from tests.support.settings import glue_settings

SECRET = "app-secret"
CLASSIFY_BODIES: dict[str, dict[str, Any]] = {
    "/v1/classify": {"text": "Rappeler Dupont demain pour le devis", "hint": "client"},
    "/v1/resolve-date": {"phrase": "vendredi prochain", "tz": "Europe/Paris"},
    "/v1/speech": {
        "capture": {"status": "filed", "category": "todo", "project_name": "Site X"},
        "deliveries": [],
    },
}


def post_json(http: httpx.Client, path: str, body: Any) -> httpx.Response:
    """POST `body` as JSON with non-ASCII escaped (a lone surrogate travels as \\ud800)."""
    return http.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


@dataclass
class Glue:
    """A glue service in front of Whisper, Kokoro and Graph fakes, and its media folder."""

    http: httpx.Client
    media: Path
    whisper: WhisperState
    kokoro: KokoroState
    graph: GraphState


@pytest.fixture
def glue(tmp_path: Path) -> Iterator[Glue]:
    """The real glue app with every upstream faked on loopback."""
    kokoro, graph = KokoroState(), GraphState()
    with (
        run_whisper() as (whisper, whisper_state),
        serve(create_kokoro_app(kokoro)) as kokoro_url,
        serve(create_graph_app(graph)) as graph_url,
    ):
        settings = glue_settings(
            MEDIA_DIR=tmp_path / "media",
            WHISPER_URL=whisper.url,
            KOKORO_URL=kokoro_url,
            WHATSAPP_APP_SECRET=SECRET,
            WHATSAPP_TOKEN=graph.token,
            WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
            WHATSAPP_VERIFY_TOKEN="verify-me",
            GRAPH_API_URL=graph_url,
        )
        with serve(create_glue(settings)) as url, httpx.Client(base_url=url, timeout=60) as http:
            yield Glue(http, tmp_path / "media", whisper_state, kokoro, graph)


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Real French speech in the phone's formats."""
    folder = tmp_path_factory.mktemp("voice")
    return {
        fmt: speech_file("Rappeler Dupont demain.", fmt, folder).read_bytes()
        for fmt in ("m4a", "ogg", "wav")
    }


def test_classify_refuses_broken_bodies_and_survives_hostile_strings(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Every classify route: broken JSON → 400, any hostile string → no 5xx, nothing written."""
    before = state(db)
    with classify_service(pg_dsn) as http:
        for path, body in CLASSIFY_BODIES.items():
            for raw in EVIL_BODIES.values():
                answer = http.post(path, content=raw, headers={"Content-Type": "application/json"})
                assert_clear_refusal(answer, 400, 413)
            for field in [k for k, v in body.items() if isinstance(v, str)]:
                for value in EVIL_STRINGS.values():
                    assert_no_server_error(post_json(http, path, {**body, field: value}))
            nested = {**body, "capture": {**body.get("capture", {}), "project_name": "\x00" * 10}}
            assert_no_server_error(post_json(http, path, nested))
    assert state(db) == before


def test_glue_json_routes_refuse_broken_bodies_and_hostile_strings(glue: Glue) -> None:
    """/v1/speak and /v1/whatsapp/voice-notes: broken JSON → 400; hostile text → spoken or 4xx;
    a refused request stores nothing."""
    routes = {
        "/v1/speak": {"text": "Capté.", "format": "mp3"},
        "/v1/whatsapp/voice-notes": {"audio_ref": "0" * 32},
    }
    for path in routes:
        for raw in EVIL_BODIES.values():
            answer = glue.http.post(path, content=raw, headers={"Content-Type": "application/json"})
            assert_clear_refusal(answer, 400, 404, 413)
        assert files(glue.media) == {}
    for field in ("text", "format", "voice"):
        for value in EVIL_STRINGS.values():
            kept = files(glue.media)
            speak = {"text": "Capté.", "format": "mp3", field: value}
            answer = post_json(glue.http, "/v1/speak", speak)
            assert_no_server_error(answer)
            if answer.status_code >= 400:
                assert files(glue.media) == kept, (field, value[:20])
    assert glue.graph.uploads == []


def test_hostile_refs_and_media_ids_are_refused(glue: Glue) -> None:
    """Traversal (plain, encoded, NUL), SQL and odd bytes in any ref: 4xx, nothing read or kept."""
    for evil in [*EVIL_IDS.values(), "..", "....//....//etc//passwd"]:
        for method, path in (
            ("GET", f"/audio/{evil}"),
            ("GET", f"/audio/{evil}.ogg"),
            ("POST", f"/v1/transcribe/{evil}"),
            ("POST", f"/v1/whatsapp/media/{evil}"),
        ):
            answer = glue.http.request(method, path)
            assert_clear_refusal(answer, 400, 404, 405)
        refused = glue.http.post("/v1/whatsapp/voice-notes", json={"audio_ref": evil})
        assert_clear_refusal(refused, 400, 404)
    assert files(glue.media) == {}
    assert glue.whisper.requests == []


def test_truncated_audio_is_kept_whole_or_refused_never_half(
    glue: Glue, voice: dict[str, bytes]
) -> None:
    """Audio cut short: refused (415, nothing stored) when it no longer sniffs as audio, else
    kept byte for byte with its ref in the answer, whatever Whisper makes of it."""
    for fmt, data in voice.items():
        for cut in (len(data) // 2, 64, 12, 4):
            piece = data[:cut]
            kept = files(glue.media)
            answer = glue.http.post(
                "/v1/transcribe", files={"audio": (f"note.{fmt}", piece, "audio/mp4")}
            )
            if answer.status_code == 415:
                assert_clear_refusal(answer, 415)
                assert files(glue.media) == kept
                continue
            ref = answer.json().get("audio_ref") or answer.json()["error"]["audio_ref"]
            new = set(files(glue.media)) - set(kept)
            assert len(new) == 1, (fmt, cut, answer.text)
            assert (glue.media / new.pop()).read_bytes() == piece
            assert ref in str(new or ref)


def test_audio_is_judged_by_its_bytes_not_its_name_or_type(
    glue: Glue, voice: dict[str, bytes]
) -> None:
    """Real audio named photo.jpg is transcribed; HTML, a PDF or a script disguised as audio is
    a 415 and nothing is kept."""
    ok = glue.http.post(
        "/v1/transcribe", files={"audio": ("photo.jpg", voice["ogg"], "image/jpeg")}
    )
    assert ok.status_code == 200, ok.text
    kept = files(glue.media)
    for data in (
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.7\n" + bytes(500),
        b"#!/bin/sh\nrm -rf /\n",
        b"OggS" + bytes(10),
        b"RIFF\x00\x00\x00\x00WAVE",
        b"\x00\x00\x00\x18ftypjpeg" + bytes(100),
    ):
        answer = glue.http.post("/v1/transcribe", files={"audio": ("note.m4a", data, "audio/mp4")})
        assert_clear_refusal(answer, 415)
    assert files(glue.media) == kept


def test_filenames_never_choose_where_audio_is_stored(glue: Glue, voice: dict[str, bytes]) -> None:
    """A filename with traversal, NUL or control bytes is ignored: the file lands under its ref."""
    for name in ("../../../etc/cron.d/x.ogg", "a\x00b.ogg", "..\\..\\x.ogg", "é" * 200):
        audio = {"audio": (name, voice["ogg"], "audio/ogg")}
        answer = glue.http.post("/v1/transcribe", files=audio)
        assert answer.status_code == 200, answer.text
    stored = list(files(glue.media))
    assert len(stored) == 4
    assert all(".." not in p and "\x00" not in p and "etc" not in p for p in stored)


def test_abusive_multipart_is_refused_without_storing(glue: Glue, voice: dict[str, bytes]) -> None:
    """Two audio files, an oversized text field, a missing closing boundary, a wrong boundary
    and a body over the limit: each a clear 4xx and nothing kept."""
    boundary = "b0undary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.ogg"\r\n'
    part = head.encode() + b"Content-Type: audio/ogg\r\n\r\n" + voice["ogg"] + b"\r\n"
    bodies = {
        "two_files": part + part + f"--{boundary}--\r\n".encode(),
        "unclosed": part,
        "big_field": part
        + f'--{boundary}\r\nContent-Disposition: form-data; name="language"\r\n\r\n'.encode()
        + b"f" * 200_000
        + f"\r\n--{boundary}--\r\n".encode(),
        "no_boundary_match": b"--other\r\n" + part[len(boundary) + 4 :],
        "garbage": bytes(range(256)) * 100,
    }
    for name, body in bodies.items():
        answer = glue.http.post(
            "/v1/transcribe",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert_clear_refusal(answer, 400, 413)
        assert files(glue.media) == {}, name
    huge = glue.http.post(
        "/v1/audio", files={"audio": ("big.wav", b"RIFF" + bytes(30 * 1024 * 1024), "audio/wav")}
    )
    assert_clear_refusal(huge, 413)
    assert files(glue.media) == {}


def test_many_parts_are_read_without_keeping_more_than_one_file(
    glue: Glue, voice: dict[str, bytes]
) -> None:
    """Five thousand small fields and stray files around one audio: one file kept at most."""
    extra = {f"f{i}": "x" for i in range(5000)}
    junk = b"\0" * 100
    stray = [(f"junk{i}", (f"j{i}.bin", junk, "application/octet-stream")) for i in range(50)]
    answer = glue.http.post(
        "/v1/audio", data=extra, files=[*stray, ("audio", ("a.ogg", voice["ogg"], "audio/ogg"))]
    )
    assert_no_server_error(answer)
    assert len(files(glue.media)) <= 1


@pytest.mark.parametrize(
    "forge",
    ["missing", "empty", "sha1", "other_secret", "other_body", "truncated", "uppercase_prefix"],
)
def test_forged_whatsapp_signatures_are_refused(glue: Glue, forge: str) -> None:
    """A delivery whose X-Hub-Signature-256 is absent, empty, of another algorithm, secret or
    body, or cut short is refused; nothing is downloaded or kept."""
    body = meta_delivery([text_message("Rappeler Dupont")])
    good = sign(body, SECRET)
    signature = {
        "missing": None,
        "empty": "",
        "sha1": "sha1=" + good.removeprefix("sha256=")[:40],
        "other_secret": sign(body, "not-the-secret"),
        "other_body": sign(body + b" ", SECRET),
        "truncated": good[:-2],
        "uppercase_prefix": "SHA256=" + good.removeprefix("sha256=") + "00",
    }[forge]
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    answer = glue.http.post("/v1/whatsapp/inbound", content=body, headers=headers)
    assert_clear_refusal(answer, 401, 403)
    assert files(glue.media) == {}
    assert json.loads(body)  # the body itself was valid: only the signature was wrong
