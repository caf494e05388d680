"""The hub answers a voice capture within its time budget when n8n is late: it keeps the audio
in the store the glue keeps captures in, records the capture under its id with that audio and
answers "on it"; n8n, when it gets to the request, files that same capture once, and should it
never, retry-pending files it from the audio the hub kept. Real hub, glue, classify and
Postgres; n8n is a stand-in doing what the capture workflow does (keep the raw audio, File the
capture), as late as a test makes it; Whisper is the loopback fake."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg.rows import dict_row

from solo_brain.classify.speech import ON_IT
from solo_brain.glue.app import create_app as create_glue
from tests.fakes.server import serve
from tests.fakes.whisper import WhisperState, run_whisper
from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub
from tests.support.audio import tone_wav
from tests.support.classify import classify_service
from tests.support.settings import glue_settings
from tests.support.wait import wait_for

HEARD = "Rappeler le garage demain."
AUDIO = tone_wav(1.5)


@dataclass
class LateCaptureWorkflow:
    """n8n's capture workflow after `delay_s`: the raw audio kept by the glue, then classify's
    /v1/filings files the capture (X-Capture-Id, as File the capture sends it) and its answer
    is given; or, `gone`, n8n restarted meanwhile and files nothing."""

    glue: str
    classify: str
    delay_s: float = 3.0
    gone: bool = False
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        """The stand-in's ASGI app."""
        app = FastAPI()

        @app.post("/webhook/capture")
        async def capture(request: Request) -> JSONResponse:
            form = await request.form()
            audio = form["audio"]
            assert not isinstance(audio, str)
            data = await audio.read()
            await asyncio.sleep(self.delay_s)
            if self.gone:
                return JSONResponse({"message": "Error in workflow"}, status_code=500)
            async with httpx.AsyncClient(timeout=60) as http:
                kept = await http.post(f"{self.glue}/v1/audio", files={"audio": ("n.wav", data)})
                fields = {k: v for k, v in form.items() if isinstance(v, str)}
                filing = {"request": fields, "audio_ref": kept.json()["audio_ref"],
                          "hub_capture_id": request.headers.get("x-capture-id"),
                          "request_start": request.headers.get("x-request-start")}  # fmt: skip
                outcome = (await http.post(f"{self.classify}/v1/filings", json=filing)).json()
                if outcome["running"]:
                    path = f"{self.classify}/v1/filings/{outcome['capture_id']}/wait"
                    await http.post(path, json={})
            self.outcomes.append(outcome)
            return JSONResponse(outcome["answer"], status_code=outcome["status_code"])

        return app


@dataclass
class Stack:
    """The hub in front of the late workflow, and what the test reads."""

    hub: str
    workflow: LateCaptureWorkflow
    whisper: WhisperState
    media: Path
    pg_dsn: str

    def recordings(self) -> list[Path]:
        """The recordings kept in the media store (not the spoken answers)."""
        return [p for p in self.media.rglob("*.*") if p.is_file() and "speech" not in p.parts]

    def captures(self) -> list[dict[str, Any]]:
        """Every capture row."""
        with psycopg.connect(self.pg_dsn, row_factory=dict_row) as conn:
            return conn.execute("SELECT * FROM assistant.captures").fetchall()


@pytest.fixture
def stack(db: object, pg_dsn: str, tmp_path: Path) -> Iterator[Stack]:
    """Hub (budget 1 s), glue and classify sharing one media store, the late workflow, on
    emptied tables."""
    media = tmp_path / "media"
    whisper_state = WhisperState(default_transcript=HEARD)
    with run_whisper(whisper_state) as (whisper, _):
        glue = serve(create_glue(glue_settings(whisper_url=whisper.url, media_dir=media)))
        with glue as glue_url, classify_service(pg_dsn, GLUE_URL=glue_url) as classify:
            workflow = LateCaptureWorkflow(glue=glue_url, classify=str(classify.base_url))
            with serve(workflow.app()) as n8n:
                settings = hub_settings(pg_dsn, MESH_CAPTURE_URL=f"{n8n}/webhook/capture",
                                        CAPTURE_TIME_BUDGET_S=1, media_dir=media)  # fmt: skip
                with running_hub(settings) as hub:
                    yield Stack(hub, workflow, whisper_state, media, pg_dsn)


def send_voice(stack: Stack, **form: str) -> httpx.Response:
    """A voice capture as the Siri Shortcut sends it."""
    return httpx.post(f"{stack.hub}/api/capture", data={"mode": "voice", **form},
                      files={"audio": ("note.wav", AUDIO, "audio/wav")},
                      headers=auth(issue(stack.pg_dsn, "capture")), timeout=30)  # fmt: skip


def test_a_voice_capture_n8n_is_late_with_is_answered_on_it_and_filed_once(stack: Stack) -> None:
    """n8n slower than the budget: the phone hears "on it" at the budget with a capture id,
    the audio is kept before that answer; n8n files that same capture once later (transcribed
    once, the outcome notified), its audio readable from the inbox, one row and one recording."""
    answer = send_voice(stack)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["speech"], body["status"]) == (ON_IT, "pending_transcription")
    [recorded] = stack.captures()
    assert recorded["id"] == body["capture_id"] and recorded["mode"] == "voice"
    assert (stack.media / recorded["audio_ref"][:2]).is_dir()  # kept before the answer
    wait_for(lambda: stack.workflow.outcomes, timeout=30, what="n8n's late filing")
    assert stack.workflow.outcomes[0]["capture_id"] == body["capture_id"]
    [filed] = stack.captures()
    assert (filed["status"], filed["transcript"], filed["confirmation"]) == (
        "filed", HEARD, "notified",
    )  # fmt: skip
    assert len(stack.whisper.requests) == 1
    heard = httpx.get(f"{stack.hub}/api/captures/{body['capture_id']}/audio",
                      headers=auth(issue(stack.pg_dsn, "full")), timeout=10)  # fmt: skip
    assert heard.status_code == 200 and heard.content == AUDIO
    wait_for(lambda: len(stack.recordings()) == 1, timeout=10, what="the hub's copy deleted")


def test_a_voice_capture_n8n_never_files_is_filed_by_retry_pending_from_the_hub_s_audio(
    stack: Stack,
) -> None:
    """n8n restarted before it got to the capture: the capture, recorded by the hub with the
    audio it kept, is what retry-pending takes, and filing it (as retry-pending does, by id)
    transcribes the hub's copy."""
    stack.workflow.gone = True
    stack.workflow.delay_s = 1.5
    answer = send_voice(stack, capture_id="cap_01J0000000000000000000000V")
    assert answer.status_code == 200, answer.text
    assert answer.json()["capture_id"] == "cap_01J0000000000000000000000V"
    with psycopg.connect(stack.pg_dsn, row_factory=dict_row) as conn:
        taken = conn.execute("SELECT * FROM assistant.claim_retries('{\"grace_s\": 0}')")
        assert [r["capture_id"] for r in taken.fetchall()] == ["cap_01J0000000000000000000000V"]
    classify = stack.workflow.classify
    filed = httpx.post(
        f"{classify}/v1/filings",
        timeout=30,
        json={"capture_id": "cap_01J0000000000000000000000V", "wait": True},
    )
    assert filed.json()["answer"]["status"] == "filed", filed.text
    assert [c["transcript"] for c in stack.captures()] == [HEARD]
    assert len(stack.recordings()) == 1
