"""The Solo Brain node (package n8n-nodes-solo-brain) in the real n8n, on the real glue and
classify services and the loopback fakes behind them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from solo_brain.catalog import Client, Project, upsert_client, upsert_project
from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file

pytestmark = pytest.mark.n8n

GLUE = {"soloBrainGlueApi": {"id": "sbGlueService001", "name": "Solo Brain glue"}}
CLASSIFY = {"soloBrainClassifyApi": {"id": "sbClassifyServ01", "name": "Solo Brain classify"}}
NOW = "2026-05-13T10:00:00+02:00"  # a Wednesday in Paris
CATEGORIES = ["client", "idee_rd", "todo", "note_tech", "admin", "perso"]


def solo_brain(
    resource: str, operation: str, credentials: dict[str, Any], **parameters: Any
) -> dict[str, Any]:
    """A Solo Brain node."""
    return package_node("soloBrain", credentials, resource, operation, **parameters)


def resolve_each(**settings: Any) -> dict[str, Any]:
    """Resolve Date of each item's phrase in each item's time zone."""
    return solo_brain("date", "resolve", CLASSIFY, phrase="={{ $json.phrase }}",
                      options={"now": NOW, "tz": "={{ $json.tz }}"}, **settings)  # fmt: skip


@pytest.fixture(scope="module")
def zephyr(stack: Stack) -> Iterator[None]:
    """A client and its project in the catalog, removed after the module."""
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        upsert_client(conn, Client(id="zephyr", name="Zephyr Avionics", aliases=[]))
        upsert_project(
            conn, Project(slug="zephyr-fcs", name="Zephyr FCS", client_id="zephyr", aliases=[])
        )
    yield
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM assistant.projects WHERE slug = 'zephyr-fcs'")
        conn.execute("DELETE FROM assistant.clients WHERE id = 'zephyr'")


def test_transcribe_keeps_binary_audio_then_answers_its_transcript(
    stack: Stack, editor: Editor, audio_dir: Path
) -> None:
    """Audio in a binary field is kept by the glue and transcribed; the ref serves it back."""
    said = "Note pour le nœud de transcription."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, said)
    node = solo_brain("audio", "transcribe", GLUE, source="binary", binaryPropertyName="data")

    with editor.trying(node) as workflow:
        (item,) = workflow.items(files={"data": ("note.wav", wav, "audio/wav")})

    assert (item["transcript"], item["format"]) == (said, "wav")
    assert hashlib.sha256(wav).hexdigest() in [r.sha256 for r in stack.whisper_state.requests]
    kept = httpx.get(f"{stack.glue_url}/audio/{item['audio_ref']}")
    assert kept.status_code == 200 and kept.content == wav


def test_transcribe_kept_audio_by_its_reference(
    stack: Stack, editor: Editor, audio_dir: Path
) -> None:
    """Audio the glue already keeps is transcribed again from its reference (a retry)."""
    said = "Relancer la transcription gardée."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, said)
    kept = httpx.post(
        f"{stack.glue_url}/v1/transcribe", files={"audio": ("a.wav", wav, "audio/wav")}
    )
    ref = kept.json()["audio_ref"]
    node = solo_brain("audio", "transcribe", GLUE, source="kept", audioRef="={{ $json.body.ref }}")

    with editor.trying(node) as workflow:
        (item,) = workflow.items(json={"ref": ref})

    assert (item["audio_ref"], item["transcript"]) == (ref, said)


def test_transcribe_with_whisper_down_continues_with_the_kept_audio_ref(
    stack: Stack, editor: Editor, audio_dir: Path
) -> None:
    """Whisper down: continuing on fail, the item says why and which audio was kept to retry."""
    wav = speech_file("Whisper est en panne.", "wav", audio_dir).read_bytes()
    node = solo_brain(
        "audio",
        "transcribe",
        GLUE,
        source="binary",
        binaryPropertyName="data",
        onError="continueRegularOutput",
    )

    stack.whisper.down()
    try:
        with editor.trying(node) as workflow:
            (item,) = workflow.items(files={"data": ("note.wav", wav, "audio/wav")})
    finally:
        stack.whisper.up()

    assert (item["code"], item["status"]) == ("whisper_unavailable", 503)
    assert item["error"].startswith("The Solo Brain glue service refused")
    assert httpx.get(f"{stack.glue_url}/audio/{item['audio_ref']}").content == wav


def test_speak_answers_the_audio_url(stack: Stack, editor: Editor) -> None:
    """Speak answers where the glue serves the spoken MP3."""
    node = solo_brain("audio", "speak", GLUE, text="={{ $json.body.text }}", output="url")

    with editor.trying(node) as workflow:
        (item,) = workflow.items(json={"text": "Capté, rangé dans le projet."})

    assert (item["format"], item["content_type"]) == ("mp3", "audio/mpeg")
    assert item["url"].startswith(stack.glue_url)
    audio = httpx.get(item["url"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    # (the briefing schedule speaks too, every 15 s in this stack)
    assert "Capté, rangé dans le projet." in [r.input for r in stack.kokoro.requests]


def test_speak_as_a_binary_voice_note(editor: Editor) -> None:
    """Speak can hand the audio itself on, here as an OGG/Opus WhatsApp voice note."""
    node = solo_brain(
        "audio",
        "speak",
        GLUE,
        text="C'est noté.",
        output="binary",
        binaryPropertyName="data",
        options={"format": "opus"},
    )

    with editor.trying(node, respond="firstEntryBinary") as workflow:
        answer = workflow.post(json={})

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("audio/ogg")
    audio = answer.content
    if audio.startswith(b'{"type":"Buffer"'):
        # n8n 1.123 answers an in-memory binary with res.json(buffer): the bytes, as JSON.
        audio = bytes(answer.json()["data"])
    assert audio.startswith(b"OggS") and b"OpusHead" in audio[:64]


@pytest.mark.usefixtures("zephyr")
def test_classify_tells_the_classifier_what_the_workflow_knows(
    stack: Stack, editor: Editor
) -> None:
    """Classify files the note; the known client and category reach the model in the hint."""
    stack.brain.when(
        "altimètre",
        answer={
            "category": "todo",
            "client": "zephyr",
            "project": "zephyr-fcs",
            "summary": "Recalibrer l'altimètre",
            "actions": [{"text": "recalibrer l'altimètre", "due_phrase": "vendredi"}],
        },
    )
    node = solo_brain(
        "note",
        "classify",
        CLASSIFY,
        text="={{ $json.body.text }}",
        hint="réunion",
        context={"client": "zephyr", "category": "todo"},
        options={"now": NOW, "source": "whatsapp"},
    )

    with editor.trying(node) as workflow:
        (item,) = workflow.items(json={"text": "Recalibrer l'altimètre vendredi."})

    assert (item["category"], item["client_id"], item["project"]) == (
        "todo",
        "zephyr",
        "zephyr-fcs",
    )
    assert item["actions"][0]["due"] == "2026-05-15"
    (prompt,) = [c["messages"][-1]["content"] for c in stack.ollama.chats
                 if "altimètre" in c["messages"][-1]["content"]]  # fmt: skip
    assert "réunion ; catégorie : todo ; client : zephyr" in prompt


def test_resolve_date_of_a_spoken_phrase(editor: Editor) -> None:
    """Resolve Date answers the day a phrase names, from the reference time."""
    node = solo_brain(
        "date",
        "resolve",
        CLASSIFY,
        phrase="={{ $json.body.phrase }}",
        options={"now": NOW, "tz": "Europe/Paris"},
    )

    with editor.trying(node) as workflow:
        (item,) = workflow.items(json={"phrase": "demain"})

    assert item == {"phrase": "demain", "due": "2026-05-14", "due_time": None}


PHRASES = {
    "items": [
        {"phrase": "demain", "tz": "Europe/Paris"},
        {"phrase": "demain", "tz": "Mars/Olympus"},
    ]
}
ASKED_TZ = {
    "name": "Which zone was asked",
    "type": "n8n-nodes-base.set",
    "typeVersion": 3.4,
    "parameters": {
        "assignments": {
            "assignments": [
                {
                    "id": "tz",
                    "name": "asked_tz",
                    "type": "string",
                    "value": "={{ $('One item each').item.json.tz }}",
                }
            ]
        },
        "includeOtherFields": True,
        "options": {},
    },
}


def test_a_failing_item_stops_with_its_index_and_the_service_message(editor: Editor) -> None:
    """By default the second item's error stops the run: a NodeApiError naming item 1."""
    with editor.trying(resolve_each(), split="items") as workflow:
        answer = workflow.post(json=PHRASES)
        failure = workflow.failure()

    assert answer.status_code == 500
    assert failure["name"] == "NodeApiError" and failure["httpCode"] == "400"
    assert failure["message"].startswith("The Solo Brain classify service refused")
    assert failure["context"]["itemIndex"] == 1
    assert "invalid_request" in failure["description"]


def test_continue_on_fail_keeps_every_item_paired_with_its_input(editor: Editor) -> None:
    """Continuing on fail, the failed item carries the service's code; both stay paired."""
    node = resolve_each(onError="continueRegularOutput")

    with editor.trying(node, split="items", then=ASKED_TZ) as workflow:
        first, second = workflow.items(json=PHRASES)

    assert (first["due"], first["asked_tz"]) == ("2026-05-14", "Europe/Paris")
    assert (second["code"], second["status"], second["asked_tz"]) == (
        "invalid_request",
        400,
        "Mars/Olympus",
    )


@pytest.mark.usefixtures("zephyr")
def test_categories_projects_and_clients_load_live(editor: Editor) -> None:
    """The editor lists the classifier's categories and the catalog's projects and clients."""
    parameters = {"resource": "note", "operation": "classify"}

    categories = editor.load_options("soloBrain", "getCategories", parameters, CLASSIFY)
    projects = editor.load_options("soloBrain", "getProjects", parameters, CLASSIFY)
    clients = editor.load_options("soloBrain", "getClients", parameters, CLASSIFY)

    assert [c["value"] for c in categories] == CATEGORIES
    assert {
        "name": "Zephyr FCS",
        "value": "zephyr-fcs",
        "description": "zephyr-fcs (client zephyr)",
    } in projects
    assert {"name": "Zephyr Avionics", "value": "zephyr", "description": "zephyr"} in clients


def test_credential_tests_tell_the_right_service_from_a_wrong_one(
    stack: Stack, editor: Editor
) -> None:
    """The editor's credential test accepts each service and names the one wrongly given."""
    glue_id, classify_id = GLUE["soloBrainGlueApi"]["id"], CLASSIFY["soloBrainClassifyApi"]["id"]

    assert editor.test_credential(glue_id)["status"] == "OK"
    assert editor.test_credential(classify_id)["status"] == "OK"
    wrong = editor.test_credential(glue_id, {"baseUrl": stack.classify_url})
    assert wrong == {
        "status": "Error",
        "message": "This URL is the classify service, not the glue service (port 8101 by default)",
    }
    other = editor.test_credential(classify_id, {"baseUrl": stack.hub.url})
    assert other["status"] == "Error" and "CC Mesh hub" in other["message"]
