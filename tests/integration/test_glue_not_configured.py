"""Every backend of the glue that is not set answers the same way: a 503 whose error carries
`configured: false` (the setting is unset, a choice to respect rather than an outage to retry),
while a backend that is set but does not answer says nothing of the kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from solo_brain.glue.app import create_app
from tests.fakes.server import free_port, serve
from tests.support.audio import render_speech, tone_wav
from tests.support.settings import glue_settings

UNSET: dict[str, Any] = {"whisper_url": None, "kokoro_url": None}


def glue_with(tmp_path: Path, **settings: Any) -> Iterator[httpx.Client]:
    """The real glue with `settings`, and an OGG voice note kept (its ref in `headers`)."""
    app = create_app(glue_settings(media_dir=tmp_path / "media", **settings))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as glue:
        ogg = glue.post("/v1/audio", files={"audio": ("a.ogg", render_speech("Oui", "ogg"))})
        glue.headers["x-test-ogg"] = ogg.json()["audio_ref"]
        yield glue


@pytest.fixture
def unset(tmp_path: Path) -> Iterator[httpx.Client]:
    """The glue with no Whisper, no Kokoro and nothing of WhatsApp set."""
    yield from glue_with(tmp_path, **UNSET)


@pytest.fixture
def down(tmp_path: Path) -> Iterator[httpx.Client]:
    """The glue with every backend set to an address where nothing listens."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    yield from glue_with(
        tmp_path, whisper_url=nowhere, kokoro_url=nowhere, GRAPH_API_URL=nowhere,
        WHATSAPP_TOKEN="t", WHATSAPP_PHONE_NUMBER_ID="1", WHATSAPP_APP_SECRET="s",
        WHATSAPP_VERIFY_TOKEN="v",
    )  # fmt: skip


def calls(glue: httpx.Client) -> dict[str, httpx.Response]:
    """One call of each route that needs a backend, by the setting it needs."""
    ogg = glue.headers["x-test-ogg"]
    query = {"hub.mode": "subscribe", "hub.verify_token": "v", "hub.challenge": "1"}
    return {
        "WHISPER_URL": glue.post(
            "/v1/transcribe", files={"audio": ("n.wav", tone_wav(0.5), "audio/wav")}
        ),
        "WHISPER_URL (stored audio)": glue.post(f"/v1/transcribe/{ogg}"),
        "KOKORO_URL": glue.post("/v1/speak", json={"text": "Bonjour"}),
        "WHATSAPP_TOKEN": glue.post("/v1/whatsapp/media/42"),
        "WHATSAPP_PHONE_NUMBER_ID": glue.post("/v1/whatsapp/voice-notes", json={"audio_ref": ogg}),
        "WHATSAPP_VERIFY_TOKEN": glue.get("/v1/whatsapp/verify", params=query),
        "WHATSAPP_APP_SECRET": glue.post("/v1/whatsapp/inbound", content=b"{}"),
    }


def test_each_backend_not_set_is_a_503_that_says_configured_false(unset: httpx.Client) -> None:
    """Whisper, Kokoro, the Graph API and WhatsApp's secrets unset: each 503 names the setting
    and carries `configured: false` (the transcription's kept audio ref too)."""
    for setting, answer in calls(unset).items():
        assert answer.status_code == 503, (setting, answer.text)
        error = answer.json()["error"]
        assert error["configured"] is False, (setting, error)
        assert setting.split()[0] in error["message"], (setting, error)
    assert "audio_ref" in calls(unset)["WHISPER_URL"].json()["error"]


def test_a_backend_set_but_down_is_a_503_without_configured(down: httpx.Client) -> None:
    """Set but unreachable is an outage, not a choice: no `configured` in the error."""
    for setting, answer in calls(down).items():
        if setting in ("WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET"):
            continue  # set, these need no backend: the check itself answers
        assert answer.status_code == 503, (setting, answer.text)
        assert "configured" not in answer.json()["error"], (setting, answer.text)
