"""The WhatsApp webhook end to end: Meta's deliveries in, replies out through the Graph API."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from tests.e2e.n8n.stack import APP_SECRET, VERIFY_TOKEN, Stack, wait_for
from tests.fakes.graph import meta_delivery, sign, text_message, voice_message
from tests.support.audio import render_speech

pytestmark = pytest.mark.n8n


def _number() -> str:
    return "336" + "".join(secrets.choice("0123456789") for _ in range(8))


def _replies(stack: Stack, number: str, kind: str) -> list[dict]:
    return [m for m in stack.graph.sent if m["to"] == number and m["type"] == kind]


def test_text_message_gets_a_text_reply(stack: Stack) -> None:
    """A WhatsApp text is filed as a capture and answered with the French confirmation."""
    number = _number()
    stack.brain.when("devis", "relancer", answer={"category": "client", "summary": "Relance devis"})
    message = text_message("Relancer le devis pour la caméra thermique", sender=number)

    response = stack.whatsapp(meta_delivery([message], contact=(number, "Solo")))

    assert response.status_code == 200, response.text
    (reply,) = wait_for(lambda: _replies(stack, number, "text"), what="the WhatsApp reply")
    (row,) = stack.rows("SELECT * FROM assistant.captures WHERE channel_message_id = %s",
                        message["id"])  # fmt: skip
    assert (row["channel"], row["category"], row["reply_to"]) == ("whatsapp", "client", number)
    assert reply["text"]["body"] == row["speech"]


def test_voice_note_gets_a_text_and_a_voice_reply(stack: Stack, audio_dir: Path) -> None:
    """A WhatsApp voice note is downloaded, transcribed, filed, and answered by text and voice."""
    number = _number()
    said = "Acheter des résistances de dix kilo-ohms."
    ogg = render_speech(said, "ogg")
    stack.whisper_state.expect(ogg, said)
    media_id = stack.graph.receive_media(ogg)

    response = stack.whatsapp(meta_delivery([voice_message(media_id, sender=number)]))

    assert response.status_code == 200, response.text
    (voice,) = wait_for(lambda: _replies(stack, number, "audio"), what="the voice reply")
    (text,) = _replies(stack, number, "text")
    (row,) = stack.rows("SELECT * FROM assistant.captures WHERE reply_to = %s", number)
    assert (row["mode"], row["transcript"]) == ("voice", said)
    assert text["text"]["body"] == row["speech"]
    uploaded = stack.graph.media[voice["audio"]["id"]]
    assert uploaded.mime_type == "audio/ogg" and uploaded.data.startswith(b"OggS")
    assert ("GET", f"/media/{media_id}") in stack.graph.requests


def test_same_delivery_twice_files_one_capture_and_one_reply(stack: Stack) -> None:
    """Meta delivers at least once: a repeated delivery files nothing twice and replies once."""
    number = _number()
    message = text_message("Noter l'adresse du nouveau fournisseur", sender=number)
    body = meta_delivery([message], contact=(number, "Solo"))

    first, second = stack.whatsapp(body), stack.whatsapp(body)

    assert first.status_code == second.status_code == 200
    wait_for(lambda: _replies(stack, number, "text"), what="the WhatsApp reply")
    settled = stack.rows("SELECT count(*) AS n FROM assistant.captures "
                         "WHERE channel_message_id = %s", message["id"])  # fmt: skip
    assert settled[0]["n"] == 1
    stack.wait_idle()
    assert len(_replies(stack, number, "text")) == 1


def test_forged_signature_is_rejected(stack: Stack) -> None:
    """A delivery whose X-Hub-Signature-256 does not match the app secret is refused, unfiled."""
    number = _number()
    body = meta_delivery([text_message("Faux message", sender=number)])
    before = stack.count_captures()

    forged = stack.whatsapp(body, signature="sha256=" + "0" * 64)
    tampered = stack.whatsapp(body.replace(b"Faux", b"Vrai"), signature=sign(body, APP_SECRET))

    assert forged.status_code == 401 and forged.json()["error"]["code"] == "unauthorized"
    assert tampered.status_code == 401
    assert stack.count_captures() == before


def test_status_updates_are_acknowledged_and_ignored(stack: Stack) -> None:
    """A delivery carrying only status updates is acknowledged and files nothing."""
    before = stack.count_captures()
    statuses = [{"id": "wamid.x", "status": "read", "timestamp": "1700000000",
                 "recipient_id": "33611111111"}]  # fmt: skip
    response = stack.whatsapp(meta_delivery(statuses=statuses))
    assert response.status_code == 200 and response.json() == {"received": 0}
    assert stack.count_captures() == before


def test_subscription_check_echoes_the_challenge_only_with_the_verify_token(stack: Stack) -> None:
    """Meta's GET check gets the challenge back with the right verify token, 403 otherwise."""
    url = f"{stack.n8n_url}/webhook/whatsapp"
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    good = httpx.get(url, params={**query, "hub.verify_token": VERIFY_TOKEN})
    bad = httpx.get(url, params={**query, "hub.verify_token": "guess"})
    assert (good.status_code, good.text) == (200, "1158201444")
    assert bad.status_code == 403
