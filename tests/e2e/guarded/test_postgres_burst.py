"""Postgres stopped and restarted during a burst of captures, end to end through n8n and the
services: the phone's outbox resends what got no 200 with the same capture id, and every capture
ends stored once and filed (zero lost, zero duplicated)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.guarded.test_faults import counted, new_id, settle
from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file
from tests.support.egress import EgressRecorder
from tests.support.stoppable_pg import StoppablePostgres
from tests.support.wait import wait_for

pytestmark = pytest.mark.n8n


def _answered(answer: httpx.Response) -> object:
    """The capture id a 200 answers for (None when its body is no capture answer)."""
    try:
        return answer.json().get("capture_id")
    except ValueError:
        return None


@dataclass
class Outbox:
    """The PWA's outbox for one burst: what each send got, and the replay of those without a 200."""

    stack: Stack
    forms: dict[str, dict[str, object]] = field(default_factory=dict)
    seen: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def send(self, cap_id: str) -> int:
        """Send (or resend) one capture with its id; the status it got (0: no answer at all)."""
        form = self.forms[cap_id]
        try:
            answer = self.stack.capture(capture_id=cap_id, timeout=30, **form)  # type: ignore[arg-type]
            status, body = answer.status_code, answer.text[:160]
            if status == 200 and _answered(answer) != cap_id:
                status = -200  # a 200 without the capture's answer: the outbox keeps it
        except httpx.HTTPError as error:
            status, body = 0, type(error).__name__
        self.seen.setdefault(cap_id, []).append((status, body))
        return status

    def waiting(self) -> list[str]:
        """The ids whose last send got no 200 (still in the outbox)."""
        return [c for c in self.forms if not self.seen.get(c) or self.seen[c][-1][0] != 200]

    def replay(self) -> bool:
        """Resend what waits, oldest first, stopping at the first refusal as the outbox does."""
        for cap_id in self.waiting():
            if self.send(cap_id) != 200:
                return False
        return True


def test_postgres_stopped_during_a_burst_loses_and_doubles_nothing(
    private_stack: Stack, guarded_pg: StoppablePostgres, recorder: EgressRecorder,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Postgres stopped while a voice capture is in flight and during a burst of text captures,
    then started again: the outbox replays each capture without a 200 under its own id, and every
    one is stored exactly once and filed."""
    stack = private_stack
    marker = f"pgburst{random.randrange(10**6)}"
    said = f"Rappeler le fournisseur {marker} pour les cartes."
    audio = speech_file(said, "m4a", tmp_path).read_bytes()
    stack.whisper_state.expect(audio, said)
    outbox = Outbox(stack)
    before, during, after = ([new_id() for _ in range(n)] for n in (3, 4, 2))
    in_flight = new_id()
    for n, cap_id in enumerate(before + during + after):
        outbox.forms[cap_id] = {"text": f"Note {marker} numéro {n} sur le banc moteur"}
    outbox.forms[in_flight] = {"audio": ("memo.m4a", audio, "audio/mp4")}

    for cap_id in before:
        assert outbox.send(cap_id) == 200, outbox.seen[cap_id]
    # A voice capture waits on a slow Whisper when Postgres stops under it.
    stack.whisper_state.latency_s = 3.0
    voice = threading.Thread(target=outbox.send, args=(in_flight,))
    voice.start()
    try:
        wait_for(lambda: stack.whisper_state.heard(audio), 60, what="voice mid-capture")
        guarded_pg.stop()
        for cap_id in during:
            outbox.send(cap_id)
        voice.join(timeout=60)
    finally:
        stack.whisper_state.latency_s = 0.0
        if not guarded_pg.is_up():
            guarded_pg.start()
    down = {c: outbox.seen[c] for c in [in_flight, *during]}
    print(f"\nwhile Postgres was down: {down}")
    # Each capture sent or in flight while it was down got a JSON 503 the outbox keeps it for.
    assert [s for c in down for s, b in down[c] if "database_unavailable" in b] == [503] * 5, down

    for cap_id in after:  # new captures after the restart queue behind the outbox
        outbox.forms[cap_id] = outbox.forms.pop(cap_id)
    wait_for(outbox.replay, 90, what="the outbox to empty after the restart", poll=1.0)
    print(f"after the restart: {outbox.seen}")
    ids = list(outbox.forms)
    settle(stack, ids, timeout=120)
    stored, duplicated, lost = counted(stack, ids, marker)
    print(f"sent {len(ids)}, stored {stored}, duplicated {duplicated}, lost {lost}")
    assert (stored, duplicated, lost) == (len(ids), 0, 0)
    assert recorder.leaks() == []
