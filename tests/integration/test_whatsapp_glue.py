"""The glue's WhatsApp helpers, served for real against the Graph API fake (no n8n needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from solo_brain.errors import InvalidRequest
from solo_brain.glue.app import create_app
from solo_brain.glue.whatsapp import normalise, signature_is_valid
from tests.fakes.graph import (
    GraphState,
    create_graph_app,
    meta_delivery,
    sign,
    text_message,
    voice_message,
)
from tests.fakes.server import serve
from tests.support.audio import render_speech
from tests.support.settings import glue_settings

SECRET = "app-secret"


@pytest.fixture
def graph() -> Iterator[tuple[str, GraphState]]:
    """A running Graph API fake."""
    state = GraphState()
    with serve(create_graph_app(state)) as url:
        yield url, state


@pytest.fixture
def glue(graph: tuple[str, GraphState], tmp_path: Path) -> Iterator[str]:
    """The real glue app with its WhatsApp routes pointed at the Graph fake."""
    url, state = graph
    settings = glue_settings(
        MEDIA_DIR=tmp_path / "media",
        WHATSAPP_APP_SECRET=SECRET,
        WHATSAPP_TOKEN=state.token,
        WHATSAPP_PHONE_NUMBER_ID=state.phone_number_id,
        WHATSAPP_VERIFY_TOKEN="verify-me",
        GRAPH_API_URL=url,
    )
    app = create_app(settings)
    with serve(app) as base:
        yield base


def test_signature_is_checked_against_the_exact_body() -> None:
    """Only the HMAC-SHA256 of these very bytes with this secret is accepted."""
    body = meta_delivery([text_message("Bonjour")])
    assert signature_is_valid(SECRET, body, sign(body, SECRET))
    assert not signature_is_valid(SECRET, body + b" ", sign(body, SECRET))
    assert not signature_is_valid("other", body, sign(body, SECRET))
    assert not signature_is_valid(SECRET, body, sign(body, SECRET).removeprefix("sha256="))
    assert not signature_is_valid(SECRET, body, None)


def test_delivery_is_flattened_to_text_and_voice_messages() -> None:
    """Texts and voice notes become flat messages; other types are listed as skipped."""
    text, voice = text_message("Salut", sender="336"), voice_message("987", sender="337")
    image = {
        "from": "338",
        "id": "wamid.img",
        "timestamp": "1700000000",
        "type": "image",
        "image": {"id": "1"},
    }
    inbound = normalise(json.loads(meta_delivery([text, voice, image])))
    assert not inbound.ignore
    flat = [m.model_dump(by_alias=True) for m in inbound.messages]
    assert [(m["type"], m["from"], m["text"], m["media_id"]) for m in flat] == [
        ("text", "336", "Salut", None),
        ("audio", "337", None, "987"),
    ]
    assert flat[1]["voice"] is True and flat[0]["timestamp"].endswith("+00:00")
    assert inbound.skipped == [{"message_id": "wamid.img", "type": "image"}]


def test_status_updates_are_to_be_ignored() -> None:
    """A delivery with only statuses says ignore, with the reason."""
    statuses = [{"id": "wamid.x", "status": "delivered", "timestamp": "1", "recipient_id": "336"}]
    inbound = normalise(json.loads(meta_delivery(statuses=statuses)))
    assert (inbound.ignore, inbound.reason, inbound.messages) == (True, "status update", [])


def test_a_payload_without_entries_is_refused() -> None:
    """Something that is not a WhatsApp Business payload is a clear 400."""
    with pytest.raises(InvalidRequest):
        normalise({"hello": "world"})


def test_inbound_refuses_forged_and_accepts_signed_deliveries(glue: str) -> None:
    """POST /v1/whatsapp/inbound: 401 for a forged signature, the flat list for a signed one."""
    body = meta_delivery([text_message("Appeler Paul", sender="336")], contact=("336", "Solo"))
    forged = httpx.post(
        f"{glue}/v1/whatsapp/inbound",
        content=body,
        headers={"X-Hub-Signature-256": "sha256=" + "ab" * 32},
    )
    signed = httpx.post(
        f"{glue}/v1/whatsapp/inbound",
        content=body,
        headers={"X-Hub-Signature-256": sign(body, SECRET)},
    )
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "unauthorized"
    assert signed.status_code == 200
    assert signed.json()["messages"][0] | {"timestamp": None} == {
        "message_id": json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"],
        "from": "336",
        "name": "Solo",
        "type": "text",
        "text": "Appeler Paul",
        "media_id": None,
        "voice": False,
        "timestamp": None,
    }


def test_oversized_delivery_is_refused_before_it_is_read_whole(glue: str) -> None:
    """A delivery over 1 MiB is answered 413 whatever its signature claims."""
    body = b'{"entry": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    answer = httpx.post(
        f"{glue}/v1/whatsapp/inbound",
        content=body,
        headers={"X-Hub-Signature-256": sign(body, SECRET)},
    )
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large"


def test_voice_note_is_downloaded_through_graph_and_kept(
    glue: str, graph: tuple[str, GraphState]
) -> None:
    """The media is looked up, downloaded with the bearer token, sniffed and stored."""
    _, state = graph
    ogg = render_speech("Bonjour", "ogg")
    media_id = state.receive_media(ogg)
    kept = httpx.post(f"{glue}/v1/whatsapp/media/{media_id}")
    assert kept.status_code == 200, kept.text
    assert kept.json()["format"] == "ogg" and kept.json()["bytes"] == len(ogg)
    served = httpx.get(f"{glue}/audio/{kept.json()['audio_ref']}.ogg")
    assert served.content == ogg
    assert [p for m, p in state.requests if m == "GET"] == [
        f"/v21.0/{media_id}",
        f"/media/{media_id}",
    ]


def test_unknown_media_is_a_graph_error(glue: str) -> None:
    """A media id the Graph API does not know is a 502 naming the Graph API."""
    response = httpx.post(f"{glue}/v1/whatsapp/media/123456")
    assert response.status_code == 502 and response.json()["error"]["code"] == "graph_error"


def test_graph_down_is_unavailable(tmp_path: Path) -> None:
    """With the Graph API unreachable, media download is a 503 graph_unavailable."""
    app = create_app(
        glue_settings(MEDIA_DIR=tmp_path, WHATSAPP_TOKEN="t", GRAPH_API_URL="http://127.0.0.1:9")
    )
    with serve(app) as base:
        response = httpx.post(f"{base}/v1/whatsapp/media/42")
    assert response.status_code == 503 and response.json()["error"]["code"] == "graph_unavailable"


def test_voice_reply_is_uploaded_as_ogg_only(glue: str, graph: tuple[str, GraphState]) -> None:
    """A stored OGG/Opus file is uploaded to WhatsApp; anything else is refused (415)."""
    _, state = graph
    ogg = httpx.post(f"{glue}/v1/audio", files={"audio": ("a.ogg", render_speech("Oui", "ogg"))})
    wav = httpx.post(f"{glue}/v1/audio", files={"audio": ("a.wav", render_speech("Oui", "wav"))})
    uploaded = httpx.post(
        f"{glue}/v1/whatsapp/voice-notes", json={"audio_ref": ogg.json()["audio_ref"]}
    )
    refused = httpx.post(
        f"{glue}/v1/whatsapp/voice-notes", json={"audio_ref": wav.json()["audio_ref"]}
    )
    assert uploaded.status_code == 200 and uploaded.json()["media_id"] in state.media
    assert state.uploads[-1]["type"] == "audio/ogg"
    assert refused.status_code == 415


def test_raw_audio_is_kept_only_when_it_is_audio(glue: str, tmp_path: Path) -> None:
    """POST /v1/audio stores real audio under a ref, refuses text with 415 and stores nothing."""
    refused = httpx.post(f"{glue}/v1/audio", files={"audio": ("n.txt", b"pas du son", "audio/wav")})
    assert refused.status_code == 415
    assert not any((tmp_path / "media").rglob("*.*"))
    kept = httpx.post(f"{glue}/v1/audio", files={"audio": ("n.wav", render_speech("Oui", "wav"))})
    assert kept.status_code == 200 and kept.json()["format"] == "wav"


def test_subscription_check_needs_the_verify_token(glue: str) -> None:
    """GET /v1/whatsapp/verify echoes the challenge only for the configured verify token."""
    query = {"hub.mode": "subscribe", "hub.challenge": "42"}
    good = httpx.get(
        f"{glue}/v1/whatsapp/verify", params={**query, "hub.verify_token": "verify-me"}
    )
    bad = httpx.get(f"{glue}/v1/whatsapp/verify", params={**query, "hub.verify_token": "nope"})
    assert good.json() == {"challenge": "42"} and bad.status_code == 403
