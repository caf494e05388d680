"""n8n killed in the middle of captures and restarted: the phone resends what got no answer
(same capture ids), and every capture ends filed exactly once."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import httpx
import pytest

from tests.e2e.guarded.test_faults import counted, new_id, settle
from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file
from tests.support.egress import EgressRecorder
from tests.support.wait import wait_for

pytestmark = pytest.mark.n8n


def test_n8n_killed_mid_capture_then_restarted_loses_and_doubles_nothing(
    private_stack: Stack, recorder: EgressRecorder, tmp_path: Path
) -> None:
    """SIGKILL to n8n while three voice captures wait on a slow Whisper; after the restart the
    outbox resends those without an answer and each capture is stored and filed once."""
    stack = private_stack
    runner = stack.runner
    assert runner is not None and runner.process is not None
    marker = f"restart{random.randrange(10**6)}"
    said = f"Commander les pièces {marker} pour le prototype."
    audio = speech_file(said, "m4a", tmp_path).read_bytes()
    stack.whisper_state.expect(audio, said)
    stack.whisper_state.latency_s = 3.0
    ids = [new_id() for _ in range(3)]
    answers: dict[str, int] = {}

    def send(cap_id: str) -> None:
        try:
            answer = stack.capture(audio=("m.m4a", audio, "audio/mp4"), capture_id=cap_id)
            answers[cap_id] = answer.status_code
        except httpx.HTTPError:
            answers[cap_id] = 0  # the connection died with n8n

    senders = [threading.Thread(target=send, args=(cap_id,)) for cap_id in ids]
    for sender in senders:
        sender.start()
    wait_for(lambda: stack.whisper_state.heard(audio), timeout=60, what="mid-capture")
    runner.terminate(force=True)
    runner.process.wait(timeout=30)
    for sender in senders:
        sender.join(timeout=90)
    stack.whisper_state.latency_s = 0.0
    with stack.log_path.open("ab") as log:
        runner.start(log)
    runner.wait_ready(runner.webhook_paths())
    unanswered = [cap_id for cap_id in ids if answers.get(cap_id) != 200]
    assert unanswered, f"n8n answered every capture before it was killed: {answers}"
    for cap_id in unanswered:
        again = stack.capture(audio=("m.m4a", audio, "audio/mp4"), capture_id=cap_id)
        assert again.status_code == 200, again.text
        assert again.json()["capture_id"] == cap_id
    settle(stack, ids, timeout=120)
    assert counted(stack, ids, marker) == (len(ids), 0, 0)
    assert recorder.leaks() == []
