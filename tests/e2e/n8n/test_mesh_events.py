"""The hub's events through the real n8n (mesh-events) to a phone's Web Push: a permission asked
by the real Claude Code CLI, a spoken answer, and a capture taken again from the phone."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from solo_brain.mesh.clients.events import SIGNATURE_HEADER, sign
from tests.e2e.n8n.stack import Stack
from tests.fakes.anthropic import Answer, FakeAnthropic, ToolCall
from tests.fakes.graph import meta_delivery, voice_message
from tests.fakes.push import Browser
from tests.support.audio import render_speech
from tests.support.mesh_stack import Api, Machine, create_token
from tests.support.wait import wait_for

pytestmark = [pytest.mark.n8n, pytest.mark.mesh]


@pytest.fixture(scope="module")
def phone(stack: Stack) -> Iterator[tuple[Api, Browser]]:
    """A paired phone's API client, subscribed to Web Push on the push-service fake."""
    token = create_token(stack.dsn, "full", "iPhone-events")
    api = Api(stack.hub.url, token)
    browser = stack.push.subscribe()
    saved = api.client.post("/api/push/subscriptions", json=browser.subscription())
    assert saved.status_code == 201, saved.text
    yield api, browser
    api.client.request("DELETE", "/api/push/subscriptions")


@pytest.fixture(scope="module")
def machine(
    stack: Stack, model: tuple[str, FakeAnthropic], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Machine]:
    """A machine whose mesh-agent is connected to the stack's hub."""
    machine = Machine(tmp_path_factory.mktemp("gpu-events"), "gpu-events", model[0])
    machine.start_agent(stack.hub.url, create_token(stack.dsn, "agent", "gpu-events"))
    yield machine
    machine.kill_agent()


def _session(machine: Machine, api: Api, cwd: Path) -> str:
    cwd.mkdir(parents=True)
    assert machine.claude(cwd, "-p", "Bonjour").wait(120) == 0
    [path] = [p for p in machine.transcripts() if str(cwd) in p.read_text()]
    wait_for(lambda: (api.session(path.stem) or {}).get("status") == "idle", 30, "the session")
    return path.stem


def _pushes(stack: Stack, browser: Browser, tag: str) -> list[dict[str, Any]]:
    return [p for p in stack.push.payloads(browser.id) if p.get("tag") == tag]


def test_pending_permission_reaches_the_phone_as_one_push(
    stack: Stack,
    phone: tuple[Api, Browser],
    machine: Machine,
    model: tuple[str, FakeAnthropic],
    tmp_path: Path,
) -> None:
    """A tool asked by Claude Code gives one push naming the tool and the session."""
    api, browser = phone
    refused_before = len(stack.push.refused)  # the shared stack's earlier tests refused some
    sid = _session(machine, api, tmp_path / "orchestrator")
    model[1].script(
        "lance les tests",
        ToolCall("Bash", {"command": "npm test", "description": "Tests"}),
        Answer("D'accord, je ne lance rien."),
    )
    prompt = api.prompt(sid, "lance les tests")
    [pending] = wait_for(lambda: api.pending(sid), 60, "a pending permission")
    tag = f"permission-{pending['id']}"
    [push] = wait_for(lambda: _pushes(stack, browser, tag), 30, "the permission push")
    assert push["body"] == "Claude Code demande : Bash `npm test` (session orchestrator)"
    assert push["url"] == f"/sessions/{sid}"
    api.decide(sid, pending["id"], "deny", message="Pas maintenant")
    finished = f"prompt-{prompt['prompt_id']}"
    [done] = wait_for(lambda: _pushes(stack, browser, finished), 60, "the finished push")
    assert done["title"] == "Claude Code a terminé" and "audio_url" not in done
    assert len(_pushes(stack, browser, tag)) == 1
    assert stack.push.refused[refused_before:] == []


def test_voice_reply_is_spoken_and_pushed_with_its_audio(
    stack: Stack,
    phone: tuple[Api, Browser],
    machine: Machine,
    model: tuple[str, FakeAnthropic],
    tmp_path: Path,
) -> None:
    """A finished voice_reply prompt: Kokoro speaks Claude's answer, the push links the audio."""
    api, browser = phone
    sid = _session(machine, api, tmp_path / "vocal")
    model[1].script("fais le point", Answer("**Tout est prêt.** Les tests passent."))
    prompt = api.prompt(sid, "fais le point", voice_reply=True)
    tag = f"prompt-{prompt['prompt_id']}"
    [push] = wait_for(lambda: _pushes(stack, browser, tag), 90, "the spoken answer push")
    assert push["body"] == "Tout est prêt. Les tests passent."
    assert push["title"] == "Claude Code a répondu (vocal)"
    assert any(r.input == "Tout est prêt. Les tests passent." for r in stack.kokoro.requests)
    audio = httpx.get(push["audio_url"], timeout=10)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"


def test_prompt_dictated_on_whatsapp_is_answered_there_by_voice(
    stack: Stack, phone: tuple[Api, Browser], machine: Machine, model: tuple[str, FakeAnthropic],
    tmp_path: Path,
) -> None:  # fmt: skip
    """A voice note for a session runs as a voice_reply prompt; Claude's answer comes back on
    WhatsApp as text and as a voice note, not as a push."""
    api, browser = phone
    sid = _session(machine, api, tmp_path / "atelier")
    model[1].script("fais le point sur les tests", Answer("Les tests passent tous."))
    number = "33611223344"
    said = "Pour la session atelier, fais le point sur les tests."
    ogg = render_speech(said, "ogg")
    stack.whisper_state.expect(ogg, said)
    media_id = stack.graph.receive_media(ogg)
    sent = stack.whatsapp(meta_delivery([voice_message(media_id, sender=number)]))
    assert sent.status_code == 200, sent.text

    def answered() -> list[dict[str, Any]]:
        return [m for m in stack.graph.sent if m["to"] == number and m["type"] == "text"
                and m["text"]["body"] == "Les tests passent tous."]  # fmt: skip

    wait_for(answered, 120, "Claude's answer on WhatsApp")
    voices = lambda: [m for m in stack.graph.sent if m["to"] == number and m["type"] == "audio"]  # noqa: E731
    wait_for(lambda: len(voices()) == 2, 60, "the confirmation and the answer as voice notes")
    [prompt] = stack.rows("SELECT * FROM assistant.prompts WHERE session_id = %s", sid)
    assert prompt["voice_reply"] is True and prompt["capture_id"].startswith("cap_")
    assert not _pushes(stack, browser, f"prompt-{prompt['id']}")


def test_a_failed_capture_retried_from_the_phone_is_filed_now(
    stack: Stack, phone: tuple[Api, Browser]
) -> None:
    """Retry on a failed capture: mesh-events files it at once (the schedule never takes it)."""
    api, _ = phone
    stack.brain.when("aquarium", answer={"category": "perso", "summary": "Aquarium",
                                         "actions": []})  # fmt: skip
    [row] = stack.rows("SELECT assistant.record_capture(%s::jsonb)->>'capture_id' AS id",
                       json.dumps({"text": "Nettoyer l'aquarium"}))  # fmt: skip
    capture_id = row["id"]
    [row] = stack.rows(  # given up on: the models failed it 12 times
        "UPDATE assistant.captures SET failed_at = now(), attempts = 12 WHERE id = %s "
        "RETURNING status", capture_id)  # fmt: skip
    assert row["status"] == "failed"
    retried = api.client.post(f"/api/captures/{capture_id}/retry")
    assert retried.status_code == 202 and retried.json()["queued"] is True
    wait_for(lambda: stack.capture_row(capture_id)["status"] == "filed", 60, "the capture filed")
    found = api.client.get("/api/captures", params={"q": "aquarium"}).json()["captures"]
    assert [c["capture_id"] for c in found] == [capture_id] and found[0]["category"] == "perso"


def test_captures_filed_by_n8n_are_found_with_and_without_accents(
    stack: Stack, phone: tuple[Api, Browser]
) -> None:
    """A capture filed through the real capture webhook is in the inbox and found by `q`."""
    api, _ = phone
    stack.brain.when("thermique", answer={"category": "idee_rd", "summary": "Caméra thermique",
                                          "actions": []})  # fmt: skip
    answer = stack.capture(text="Tester la caméra thermique à Montréal", channel="pwa")
    assert answer.status_code == 200, answer.text
    capture_id = answer.json()["capture_id"]
    for q in ("caméra thermique", "camera THERMIQUE", "montreal", "Montréal"):
        found = api.client.get("/api/captures", params={"q": q}).json()["captures"]
        assert capture_id in [c["capture_id"] for c in found], q
    detail = api.client.get(f"/api/captures/{capture_id}").json()
    assert detail["category"] == "idee_rd" and detail["channel"] == "pwa"


def test_reclassified_action_reaches_the_calendar_once(
    stack: Stack, phone: tuple[Api, Browser]
) -> None:
    """A newly dated action added by hand gets exactly one calendar event, through n8n."""
    api, _ = phone
    answer = stack.capture(text="Penser au dossier Dupont", channel="pwa")
    capture_id = answer.json()["capture_id"]
    change = {"actions": [{"text": "appeler Dupont", "due": "2026-07-01"}]}
    done = api.client.patch(f"/api/captures/{capture_id}", json=change)
    assert done.status_code == 200, done.text
    wait_for(lambda: stack.events_of(capture_id), 60, "the calendar event")
    stack.wait_idle(("sbMeshEvents0000", "sbDeliverCapture"))
    assert [e["summary"] for e in stack.events_of(capture_id)] == ["appeler Dupont"]


def test_a_terminal_waiting_at_the_keyboard_reaches_the_phone(
    stack: Stack, phone: tuple[Api, Browser]
) -> None:
    """The hub's terminal_waiting event (signed as the hub signs it) becomes one urgent push
    that opens the session."""
    _, browser = phone
    event = {"event": "terminal_waiting", "at": "2026-05-13T10:00:00Z", "session_id": "s-wait",
             "session_title": "Refonte", "session_label": "app", "agent": "atelier",
             "permission_mode": "auto", "url": "/sessions/s-wait"}  # fmt: skip
    body = json.dumps(event).encode()
    signature = sign(stack.events_secret, body, int(time.time()))
    sent = httpx.post(
        f"{stack.n8n_url}/webhook/mesh-events",
        content=body,
        timeout=30,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
    )
    assert sent.status_code == 200, sent.text
    [push] = wait_for(lambda: _pushes(stack, browser, "terminal-s-wait"), 60, "the push")
    assert push["title"] == "Claude Code t'attend au terminal"
    assert push["body"] == "La session app attend une réponse au clavier de atelier."
    assert push["url"] == "/sessions/s-wait"
