"""Faults end to end, counted: model servers down or slow during a burst of captures, then back.
Each test sends N captures, then checks that every one is stored exactly once (zero lost, zero
duplicated), that each ends filed once the upstream is back, and that no delivery was doubled."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file
from tests.support.egress import EgressRecorder
from tests.support.wait import wait_for

pytestmark = pytest.mark.n8n

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BURST = 6


def new_id() -> str:
    """A capture id as the PWA's outbox makes one."""
    return "cap_" + "".join(random.choices(CROCKFORD, k=26))


def settle(stack: Stack, ids: list[str], timeout: float = 90) -> dict[str, str]:
    """Wait until every capture is filed; their statuses."""

    def statuses() -> dict[str, str] | None:
        rows = stack.rows("SELECT id, status FROM assistant.captures WHERE id = ANY(%s)", ids)
        found = {r["id"]: r["status"] for r in rows}
        return found if len(found) == len(ids) and set(found.values()) == {"filed"} else None

    return wait_for(statuses, timeout, what="every capture of the burst filed")


def counted(stack: Stack, ids: list[str], marker: str) -> tuple[int, int, int]:
    """(stored, duplicated, lost) of the burst: rows carrying `marker` against the ids sent."""
    rows = stack.rows("SELECT id FROM assistant.captures c WHERE c::text LIKE %s", f"%{marker}%")
    stored = Counter(r["id"] for r in rows)
    duplicated = len(rows) - len(set(ids) & set(stored))
    lost = len(set(ids) - set(stored))
    return len(stored), duplicated, lost


def test_ollama_down_during_a_burst_loses_and_doubles_nothing(
    private_stack: Stack, recorder: EgressRecorder
) -> None:
    """With Ollama down, a burst of text captures is answered and stored once each; once it is
    back the retries file every one, and the phone resending each one adds no row."""
    stack = private_stack
    marker = f"ollama-{random.randrange(10**6)}"
    ids = [new_id() for _ in range(BURST)]
    stack.ollama.down = True
    try:
        for n, cap_id in enumerate(ids):
            answer = stack.capture(
                text=f"Note {marker} numéro {n} sur le banc moteur", capture_id=cap_id
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["capture_id"] == cap_id
    finally:
        stack.ollama.down = False
    for n, cap_id in enumerate(ids):  # the phone's outbox sends again: the same id, no new row
        again = stack.capture(
            text=f"Note {marker} numéro {n} sur le banc moteur", capture_id=cap_id
        )
        assert again.status_code == 200, again.text
        assert again.json()["capture_id"] == cap_id
    settle(stack, ids)
    assert counted(stack, ids, marker) == (BURST, 0, 0)
    assert recorder.leaks() == []


def test_whisper_down_then_slow_then_back_files_each_voice_note_once(
    private_stack: Stack, recorder: EgressRecorder, tmp_path: Path
) -> None:
    """Voice captures sent while Whisper is down and then while it answers past the glue's
    timeout are kept and answered pending; Whisper back, each is transcribed and filed once."""
    stack = private_stack
    marker = f"whisper{random.randrange(10**6)}"
    said = f"Penser au devis {marker} du client."
    audio = speech_file(said, "m4a", tmp_path).read_bytes()
    stack.whisper_state.expect(audio, said)
    ids = [new_id() for _ in range(BURST)]
    stack.whisper.down()
    try:
        for cap_id in ids[:-1]:
            answer = stack.capture(audio=("memo.m4a", audio, "audio/mp4"), capture_id=cap_id)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "pending_transcription"
    finally:
        stack.whisper.up()
    stack.whisper_state.latency_s = 120.0  # beyond the glue's Whisper timeout
    try:
        for cap_id in ids[-1:]:
            answer = stack.capture(
                audio=("memo.m4a", audio, "audio/mp4"), capture_id=cap_id, timeout=120
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] in ("pending_transcription", "filed")
    finally:
        stack.whisper_state.latency_s = 0.0
    settle(stack, ids, timeout=150)
    assert counted(stack, ids, marker) == (BURST, 0, 0)
    assert recorder.leaks() == []


def test_kokoro_down_costs_the_voice_answer_only(
    private_stack: Stack, recorder: EgressRecorder
) -> None:
    """With Kokoro down, voice-mode captures are filed and answered in text; nothing is lost."""
    stack = private_stack
    marker = f"kokoro-{random.randrange(10**6)}"
    ids = [new_id() for _ in range(BURST // 2)]
    stack.kokoro.fail_with = 503
    try:
        for n, cap_id in enumerate(ids):
            text = f"Note {marker} numéro {n} à relire"
            answer = stack.capture(text=text, capture_id=cap_id, mode="voice")
            assert answer.status_code == 200, answer.text
            assert answer.json()["speech"] and not answer.json().get("tts_url")
    finally:
        stack.kokoro.fail_with = None
    settle(stack, ids)
    assert counted(stack, ids, marker) == (len(ids), 0, 0)
    assert recorder.leaks() == []
