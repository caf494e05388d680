"""Privacy end to end: a capture naming a known client, spoken or typed, travels through n8n,
the services and every fake without one request or socket to a non-loopback address; and the
recorder does catch such a request when one is made on purpose."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import psycopg
import pytest

from solo_brain.catalog import Client, Project, upsert_client, upsert_project
from tests.e2e.n8n.stack import Stack
from tests.support.audio import speech_file
from tests.support.egress import EgressRecorder
from tests.support.wait import wait_for

pytestmark = pytest.mark.n8n

LEAK_HOST = "192.0.2.10"  # TEST-NET-1: never routed, so nothing really leaves the machine


def test_a_capture_naming_a_known_client_goes_nowhere_but_loopback(
    private_stack: Stack, recorder: EgressRecorder, tmp_path: Path
) -> None:
    """Typed and spoken captures about client Dupont are filed, delivered and answered, and
    the recorder saw no request and no socket to any non-loopback address."""
    stack = private_stack
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        upsert_client(conn, Client(id="dupont", name="Dupont Immobilier", aliases=["Dupont"]))
        upsert_project(conn, Project(slug="site-dupont", name="Site Dupont", client_id="dupont"))
    stack.brain.when(
        "dupont",
        answer={"category": "client", "project": "site-dupont", "client": "dupont",
                "summary": "Rappeler Dupont pour le devis",
                "actions": [{"text": "rappeler Dupont", "due_phrase": "demain"}]},
    )  # fmt: skip
    said = "Rappeler Dupont Immobilier demain pour le devis du site."
    m4a = speech_file(said, "m4a", tmp_path).read_bytes()
    stack.whisper_state.expect(m4a, said)
    typed = stack.capture(text="Rappeler Dupont demain, il attend le devis.", channel="pwa")
    spoken = stack.capture(audio=("memo.m4a", m4a, "audio/mp4"), channel="siri")
    for answer in (typed, spoken):
        assert answer.status_code == 200, answer.text
        assert answer.json()["client_id"] == "dupont"
    ids = [typed.json()["capture_id"], spoken.json()["capture_id"]]

    def delivered() -> bool:
        found = [d for i in ids for d in stack.deliveries_of(i)]
        return bool(found) and all(d["state"] in ("done", "skipped") for d in found)

    wait_for(delivered, timeout=40, what="every delivery of both captures done")
    stack.wait_idle()
    assert len(stack.ollama.requests) >= 1  # the model was asked, on loopback
    assert recorder.leaks() == []


def test_the_recorder_catches_a_leak_made_on_purpose(recorder: EgressRecorder) -> None:
    """An HTTP request to a public address goes to the recording proxy, and a bare socket to
    one is seen by the sampler: the privacy test above could not pass by seeing nothing."""
    seen = len(recorder.proxied)
    refused = httpx.get(f"http://{LEAK_HOST}/v1/chat/completions?client=dupont", timeout=5)
    assert refused.status_code == 403
    assert recorder.proxied[seen:] == [
        f"GET http://{LEAK_HOST}/v1/chat/completions?client=dupont HTTP/1.1"
    ]
    with socket.socket() as raw:
        raw.setblocking(False)
        try:
            raw.connect((LEAK_HOST, 443))
        except BlockingIOError:
            pass
        wait_for(lambda: f"{LEAK_HOST}:443" in recorder.sockets, timeout=5, what="the sampler")
    recorder.forget()  # the socket is closed: a later sample cannot record it again
