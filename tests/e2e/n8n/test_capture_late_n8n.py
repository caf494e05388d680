"""A capture n8n is too busy to answer in time (as at the back of a burst), typed or spoken: the
phone still gets a JSON answer it accepts, and the capture is filed exactly once. Real nginx in
front of the real hub and n8n; n8n is frozen (SIGSTOP) for the time a burst would keep it busy."""

from __future__ import annotations

import hashlib
import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from solo_brain.classify.speech import ON_IT
from solo_brain.mesh.capture_answer import new_capture_id
from solo_brain.mesh.store.tokens import create_token
from tests.e2e.n8n.stack import Stack, wait_for
from tests.support.audio import speech_file
from tests.support.nginx import running_nginx

pytestmark = pytest.mark.n8n


@contextmanager
def frozen(stack: Stack) -> Iterator[None]:
    """n8n (and its task runner) stopped for the block: requests queue in its socket."""
    assert stack.runner and stack.runner.process
    group = stack.runner.process.pid
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


@pytest.fixture
def phone(stack: Stack, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """nginx with the repository's site in front of the stack, and a capture token's header."""
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        _, token = create_token(conn, "capture", f"late-{uuid.uuid4().hex[:6]}")
    upstreams = {8100: stack.hub.url, 8101: stack.glue_url, 5678: stack.n8n_url}
    with running_nginx(tmp_path, upstreams) as url:
        yield url, {"Authorization": f"Bearer {token}"}


def _filed_and_told(stack: Stack, capture_id: str) -> dict[str, Any] | None:
    row = stack.capture_row(capture_id)
    return row if row["status"] == "filed" and row["confirmation"] == "notified" else None


def test_the_hub_answers_on_it_for_a_frozen_n8n_and_n8n_files_it_once(
    stack: Stack, phone: tuple[str, dict[str, str]]
) -> None:
    """n8n frozen past the budget: the Shortcut's text capture (no capture_id) is answered 200
    "on it" by the hub, recorded with its confirmation deferred; once n8n runs again it files
    that capture, once, and pushes the outcome."""
    url, auth = phone
    note = f"Rappeler le plombier pour le devis {uuid.uuid4().hex[:6]}"
    with frozen(stack):
        answer = httpx.post(f"{url}/api/capture", data={"text": note, "channel": "siri"},
                            headers=auth, timeout=30)  # fmt: skip
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["speech"] == ON_IT and body["status"] == "pending_classification"
        assert stack.capture_row(body["capture_id"])["confirmation"] == "deferred"
    row = wait_for(lambda: _filed_and_told(stack, body["capture_id"]), timeout=120,
                   what="n8n to file the capture the hub answered for")  # fmt: skip
    pushed = stack.gotify.wait_for(lambda m: row["speech"] in m["message"])
    stack.wait_idle()
    assert len(stack.rows("SELECT id FROM assistant.captures WHERE text = %s", note)) == 1
    assert len(pushed) == 1


def test_a_voice_note_n8n_is_frozen_for_is_answered_on_it_and_filed_once(
    stack: Stack, phone: tuple[str, dict[str, str]], audio_dir: Path
) -> None:
    """n8n frozen past the budget: the Shortcut's voice note is answered 200 "on it" by the
    hub, its audio kept first and the capture recorded with it; once n8n runs again it files
    that capture once (transcribed once) and pushes the outcome; the capture's audio is
    readable and the hub's own copy, no longer used, is gone."""
    url, auth = phone
    said = f"Rappeler le carrossier pour la portière {uuid.uuid4().hex[:6]}."
    wav = speech_file(said, "wav", audio_dir).read_bytes()
    stack.whisper_state.expect(wav, said)
    with frozen(stack):
        answer = httpx.post(f"{url}/api/capture", data={"mode": "voice", "channel": "siri"},
                            files={"audio": ("note.wav", wav, "audio/wav")}, headers=auth,
                            timeout=30)  # fmt: skip
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["speech"] == ON_IT and body["status"] == "pending_transcription"
        recorded = stack.capture_row(body["capture_id"])
        assert (recorded["confirmation"], recorded["mode"]) == ("deferred", "voice")
        kept = httpx.get(f"{stack.glue_url}/audio/{recorded['audio_ref']}", timeout=10)
        assert kept.status_code == 200 and kept.content == wav  # kept before the answer
    row = wait_for(lambda: _filed_and_told(stack, body["capture_id"]), timeout=120,
                   what="n8n to file the voice note the hub answered for")  # fmt: skip
    stack.gotify.wait_for(lambda m: row["speech"] in m["message"])
    stack.wait_idle()
    assert len(stack.rows("SELECT id FROM assistant.captures WHERE transcript = %s", said)) == 1
    digest = hashlib.sha256(wav).hexdigest()
    assert len([r for r in stack.whisper_state.requests if r.sha256 == digest]) == 1
    heard = httpx.get(f"{stack.glue_url}/audio/{row['audio_ref']}", timeout=10)
    assert heard.status_code == 200 and heard.content == wav
    if row["audio_ref"] != recorded["audio_ref"]:  # n8n kept its own copy: the hub's is deleted
        wait_for(lambda: httpx.get(f"{stack.glue_url}/audio/{recorded['audio_ref']}",
                                   timeout=10).status_code == 404, timeout=10,
                 what="the hub's unused copy deleted")  # fmt: skip


def test_a_capture_answered_504_is_filed_once_when_the_outbox_sends_it_again(
    stack: Stack, phone: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """nginx gives up before anyone answers (its read timeout shortened below the budget): the
    PWA gets the spoken 504 JSON; n8n still files the capture, and the outbox's resend with the
    same capture_id answers that capture: one row, filed."""
    url, auth = phone
    capture_id = new_capture_id()  # as the PWA's outbox makes them
    form = {"text": f"Commander les vis inox {capture_id[-6:]}", "capture_id": capture_id,
            "channel": "pwa"}  # fmt: skip
    upstreams = {8100: stack.hub.url, 8101: stack.glue_url, 5678: stack.n8n_url}
    short = {"proxy_read_timeout 60s;": "proxy_read_timeout 2s;"}
    with running_nginx(tmp_path / "short", upstreams, edits=short) as impatient, frozen(stack):
        first = httpx.post(f"{impatient}/api/capture", data=form, headers=auth, timeout=30)
    assert first.status_code == 504, first.text
    assert first.json()["error"]["code"] == "upstream_timeout" and first.json()["speech"]
    # Filed (and answered to nginx's closed connection, or notified if the hub deferred it).
    filed = "SELECT 1 FROM assistant.captures WHERE id = %s AND status = 'filed'"
    wait_for(lambda: stack.rows(filed, capture_id), timeout=120,
             what="the capture answered 504 to be filed")  # fmt: skip
    again = httpx.post(f"{url}/api/capture", data=form, headers=auth, timeout=60)
    assert again.status_code == 200, again.text
    assert again.json()["capture_id"] == capture_id and again.json()["status"] == "filed"
    stack.wait_idle()
    assert len(stack.rows("SELECT id FROM assistant.captures WHERE text = %s", form["text"])) == 1
