"""The whole capture stack around a real n8n, for the end-to-end and browser tests and the
benchmark.

n8n runs as its own process (the project's runner: credentials filled from the environment,
workflows imported and activated), and talks over loopback to the real glue and classify
services and to protocol-faithful fakes: Whisper, Ollama, Kokoro, Google Calendar, the WhatsApp
Graph API, Onyx and Gotify. Postgres is the real test database.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from solo_brain.classify.app import create_app as create_classify_app
from solo_brain.glue.app import create_app as create_glue_app
from solo_brain.mesh.app import create_app as create_hub_app
from solo_brain.mesh.store.tokens import create_token
from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.imports import import_all
from solo_brain.n8n.install import install_n8n
from solo_brain.n8n.runner import N8nRunner
from tests.fakes.gcal import CalendarState, create_calendar_app
from tests.fakes.gotify import GotifyState, create_gotify_app
from tests.fakes.graph import GraphState, create_graph_app, sign
from tests.fakes.kokoro import KokoroState, create_kokoro_app
from tests.fakes.ollama import OllamaState
from tests.fakes.ollama import create_app as create_ollama_app
from tests.fakes.onyx import OnyxState, create_onyx_app
from tests.fakes.push import PushState, running_push_service
from tests.fakes.server import FakeServer, free_port, serve
from tests.fakes.whisper import WhisperState, create_whisper_app
from tests.support.settings import classify_settings, glue_settings, mesh_settings
from tests.support.wait import wait_for

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "meta-verify-token-for-tests"
CAPTURE_TOKEN = "capture-token-for-tests"
# Where notifications also go on WhatsApp (reminders, briefings): a number no test writes from.
NOTIFY_WHATSAPP_TO = "33611223344"
GOOGLE_TOKEN = {"access_token": "google-access-token", "token_type": "Bearer",
                "expires_in": 3599, "refresh_token": "google-refresh-token"}  # fmt: skip


@dataclass
class Brain:
    """What the fake Ollama answers: the first rule whose words are all in the note wins."""

    rules: list[tuple[tuple[str, ...], dict[str, Any]]] = field(default_factory=list)

    def when(self, *words: str, answer: dict[str, Any]) -> None:
        """Answer `answer` to notes that contain every one of `words` (case-insensitive)."""
        self.rules.insert(0, (tuple(w.lower() for w in words), answer))

    def __call__(self, messages: list[dict[str, Any]], schema: Any) -> dict[str, Any]:
        """The scripted answer for the note in the last user message."""
        note = str(messages[-1].get("content", "")).lower()
        for words, answer in self.rules:
            if all(w in note for w in words):
                return answer
        return {"category": "note_tech", "summary": "Note de test", "actions": []}


@dataclass
class Stack:
    """Everything the tests drive and inspect."""

    n8n_url: str
    glue_url: str
    dsn: str
    settings: N8nSettings
    whisper: FakeServer
    whisper_state: WhisperState
    ollama: OllamaState
    brain: Brain
    kokoro: KokoroState
    calendar: CalendarState
    graph: GraphState
    onyx: OnyxState
    gotify: GotifyState
    hub: FakeServer
    log_path: Path
    push: PushState  # the Web Push service the phones subscribe on
    classify_url: str
    hub_token: str  # n8n's full token on the hub
    events_secret: str  # what the hub signs its events with (MESH_EVENTS_SECRET)
    runner: N8nRunner | None = None  # n8n itself, for the tests that stop and restart it
    classify: FakeServer | None = None  # the classify service, for the tests that stop it

    def capture(
        self,
        *,
        timeout: float = 30.0,
        token: str | None = CAPTURE_TOKEN,
        audio: tuple[str, bytes, str] | None = None,
        **fields: str | None,
    ) -> httpx.Response:
        """POST /webhook/capture like the Siri Shortcut or the PWA (with the capture token)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = {k: v for k, v in fields.items() if v is not None}
        files = {"audio": audio} if audio else None
        return httpx.post(f"{self.n8n_url}/webhook/capture", data=data, files=files,
                          headers=headers, timeout=timeout)  # fmt: skip

    def rows(self, query: str, *params: Any) -> list[dict[str, Any]]:
        """Run one query on the test database; its rows as dicts."""
        with psycopg.connect(self.dsn, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(query, params).fetchall()

    def capture_row(self, capture_id: str) -> dict[str, Any]:
        """The stored capture."""
        (row,) = self.rows("SELECT * FROM assistant.captures WHERE id = %s", capture_id)
        return row

    def add_session(self, project: str) -> str:
        """A Claude Code session of project `project` on an offline machine, as the hub knows it."""
        session_id = str(uuid.uuid4())
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(
                "WITH agent AS (INSERT INTO assistant.agents (id, name, hostname) "
                "VALUES ('agt_' || assistant.new_ulid(), %s, 'pc') RETURNING id) "
                "INSERT INTO assistant.sessions (id, agent_id, cwd, project, title) "
                "SELECT %s, id, %s, %s, %s FROM agent",
                (f"pc-{session_id[:8]}", session_id, f"/home/solo/{project}", project,
                 f"Travail sur {project}"),
            )  # fmt: skip
        return session_id

    def answer_of(self, capture_id: str) -> dict[str, Any]:
        """The capture API answer as stored now (stored_in lists what is delivered so far)."""
        (row,) = self.rows("SELECT assistant.capture_answer(%s) AS a", capture_id)
        return dict(row["a"])

    def deliveries_of(self, capture_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """A capture's deliveries (of one kind), oldest first."""
        found = self.rows("SELECT * FROM assistant.deliveries WHERE capture_id = %s "
                          "ORDER BY created_at, id", capture_id)  # fmt: skip
        return [d for d in found if kind is None or d["kind"] == kind]

    def wait_retry_runs(self, runs: int = 2, timeout: float = 30.0) -> None:
        """Wait until retry-pending has run `runs` more times: each run delivers a probe (a
        notification due now, of a capture of its own) that only a run can deliver."""
        for _ in range(runs):
            probe = f"probe {uuid.uuid4().hex}"
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                (capture_id,) = conn.execute(  # filed and told: nothing else runs for it
                    "SELECT assistant.record_capture(jsonb_build_object('text', %s::text, "
                    "'category', 'perso'))->>'capture_id'", (probe,)).fetchone()  # fmt: skip
                conn.execute("UPDATE assistant.captures SET confirmation = 'answered' "
                             "WHERE id = %s", (capture_id,))  # fmt: skip
                conn.execute("SELECT assistant.plan_notification(%s, 'probe', 'probe', %s, NULL)",
                             (capture_id, probe))  # fmt: skip
            wait_for(lambda p=probe: [m for m in self.gotify.messages if m["message"] == p],
                     timeout, what="a run of retry-pending")  # fmt: skip

    def count_captures(self) -> int:
        """How many captures are stored."""
        return int(self.rows("SELECT count(*) AS n FROM assistant.captures")[0]["n"])

    def events_of(self, capture_id: str) -> list[dict[str, Any]]:
        """The calendar events created for a capture (their description names it)."""
        events = [e for found in self.calendar.events.values() for e in found]
        return [e for e in events if capture_id in (e.get("description") or "")]

    def wait_idle(self, workflows: tuple[str, ...] = ("sbWhatsAppInbox0", "sbCaptureProcess"),
                  timeout: float = 30.0) -> None:  # fmt: skip
        """Wait until n8n runs no execution of these workflows (read from n8n's own database)."""
        database = self.settings.folder / ".n8n" / "database.sqlite"
        busy = (
            "SELECT workflowId FROM execution_entity WHERE status IN ('new', 'running', 'waiting')"
        )

        def idle() -> bool:
            with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
                return not {row[0] for row in conn.execute(busy)} & set(workflows)

        wait_for(idle, timeout, what=f"n8n to finish running {', '.join(workflows)}")

    def whatsapp(self, body: bytes, signature: str | None = None) -> httpx.Response:
        """POST a delivery to /webhook/whatsapp as QGAudio forwards it (signed unless told)."""
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": signature or sign(body, APP_SECRET)}  # fmt: skip
        return httpx.post(f"{self.n8n_url}/webhook/whatsapp", content=body, headers=headers,
                          timeout=30.0)  # fmt: skip


def _glue_app(stack: ExitStack, tmp: Path, whisper: str, kokoro: str, graph: str,
              graph_state: GraphState) -> str:  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = glue_settings(WHISPER_URL=whisper, KOKORO_URL=kokoro, MEDIA_DIR=tmp / "media",
                             PUBLIC_URL=url, WHATSAPP_APP_SECRET=APP_SECRET,
                             WHATSAPP_TOKEN=graph_state.token,
                             WHATSAPP_PHONE_NUMBER_ID=graph_state.phone_number_id,
                             WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN, GRAPH_API_URL=graph)  # fmt: skip
    stack.enter_context(serve(create_glue_app(settings), port=port))
    return url


@contextmanager
def run_stack(dsn: str, tmp: Path, *, fresh: bool = False, **knobs: str) -> Iterator[Stack]:
    """Start every service and n8n; `knobs` override n8n settings (e.g. CAPTURE_TIME_BUDGET_S).

    `fresh`: configured like a new user's stack, the model servers, the hub (`solo-brain up`
    always runs it) and WhatsApp only (no Google Calendar, Onyx or Gotify)."""
    with ExitStack() as stack:
        whisper_state, ollama, kokoro = WhisperState(), OllamaState(), KokoroState()
        brain = Brain()
        ollama.script.responder = brain
        calendar, graph, onyx, gotify = CalendarState(), GraphState(), OnyxState(), GotifyState()
        whisper = FakeServer(create_whisper_app(whisper_state))
        whisper.up()
        stack.callback(whisper.down)
        kokoro_server = FakeServer(create_kokoro_app(kokoro))
        kokoro_server.up()
        stack.callback(kokoro_server.down)
        ollama_url = stack.enter_context(serve(create_ollama_app(ollama)))
        calendar_url = stack.enter_context(serve(create_calendar_app(calendar)))
        graph_url = stack.enter_context(serve(create_graph_app(graph)))
        onyx_url = stack.enter_context(serve(create_onyx_app(onyx)))
        gotify_url = stack.enter_context(serve(create_gotify_app(gotify)))
        glue_url = _glue_app(stack, tmp, whisper.url, kokoro_server.url, graph_url, graph)
        classify = FakeServer(create_classify_app(classify_settings(
            OLLAMA_URL=ollama_url, DATABASE_URL=dsn, GLUE_URL=glue_url,
            CAPTURE_WEBHOOK_TOKEN=CAPTURE_TOKEN)))  # fmt: skip
        classify.up()
        stack.callback(classify.down)
        classify_url = classify.url
        push_origin, push = stack.enter_context(running_push_service())
        # The real hub, its events to the mesh-events workflow: it starts once n8n's port is
        # final (below), since its lifespan reads where the events go.
        events_secret = secrets.token_urlsafe(24)
        hub_settings = mesh_settings(DATABASE_URL=dsn, PUSH_ENDPOINT_ALLOW=f"{push_origin}/push/",
                                     MEDIA_DIR=tmp / "media",
                                     MESH_EVENTS_SECRET=events_secret)  # fmt: skip
        hub = FakeServer(create_hub_app(hub_settings))
        with psycopg.connect(dsn) as conn:
            _, hub_token = create_token(conn, "full", f"n8n-e2e-{uuid.uuid4().hex[:6]}")

        values = {
            "N8N_PORT": str(free_port()), "N8N_RUNNERS_BROKER_PORT": str(free_port()),
            "N8N_USER_FOLDER": str(tmp / "n8n"), "GLUE_URL": glue_url,
            "CLASSIFY_URL": classify_url, "ONYX_URL": onyx_url, "GOTIFY_URL": gotify_url,
            "GRAPH_API_URL": graph_url, "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
            "GOOGLE_CALENDAR_API_URL": calendar_url, "GOOGLE_CALENDAR_ID": "solo@example.com",
            "CAPTURE_TIME_BUDGET_S": "6", "LONG_NOTE_CHARS": "300", "RETRY_BACKOFF_S": "1",
            "DELIVERY_BACKOFF_S": "1", "RETRY_PENDING_CRON": "*/2 * * * * *",
            "REMINDERS_CRON": "*/2 * * * * *", "BRIEFING_CRON": "*/15 * * * * *",
            "CLIENT_BRIEFING_CRON": "*/10 * * * * *",
            "HUB_URL": hub.url, "GOOGLE_CLIENT_ID": "test-client",
            "NOTIFY_WHATSAPP_TO": NOTIFY_WHATSAPP_TO,
        }  # fmt: skip
        if fresh:
            for name in ("ONYX_URL", "GOTIFY_URL", "GOOGLE_CLIENT_ID", "NOTIFY_WHATSAPP_TO"):
                values[name] = ""
        values.update(knobs)
        settings = N8nSettings(**values)  # type: ignore[arg-type]
        hub_settings.capture_budget_s = settings.capture_time_budget_s  # one budget, as in .env
        secrets_env = {
            "WHATSAPP_TOKEN": graph.token, "CAPTURE_WEBHOOK_TOKEN": CAPTURE_TOKEN,
            "HUB_TOKEN": hub_token, "MESH_EVENTS_SECRET": events_secret,
        }  # fmt: skip
        if not fresh:
            secrets_env |= {
                "ONYX_API_KEY": next(iter(onyx.api_keys)),
                "GOTIFY_TOKEN": next(iter(gotify.tokens)),
                "GOOGLE_CLIENT_ID": "test-client", "GOOGLE_CLIENT_SECRET": "test-secret",
                "GOOGLE_OAUTH_TOKEN_JSON": json.dumps(GOOGLE_TOKEN),
            }  # fmt: skip
        runner = N8nRunner(settings, install_n8n(settings), dsn,
                           environ={**os.environ, **secrets_env})  # fmt: skip
        import_all(runner)
        # Ports are taken again right before n8n starts: the import takes seconds, long enough
        # for another process of this shared machine to take a port picked before it.
        settings.port, settings.broker_port = free_port(), free_port()
        while settings.broker_port == settings.port:
            settings.broker_port = free_port()
        n8n_webhooks = f"http://127.0.0.1:{settings.port}/webhook"
        hub_settings.events_webhook_url = f"{n8n_webhooks}/mesh-events"
        # Captures posted to the hub (the app without nginx) go to n8n's capture webhook.
        hub_settings.capture_url = f"{n8n_webhooks}/capture"
        hub_settings.capture_token = CAPTURE_TOKEN
        hub.up()
        stack.callback(hub.down)
        log_path = tmp / "n8n.log"
        log = stack.enter_context(log_path.open("wb"))
        n8n_url = stack.enter_context(runner.running(log))
        yield Stack(n8n_url, glue_url, dsn, settings, whisper, whisper_state, ollama, brain,
                    kokoro, calendar, graph, onyx, gotify, hub, log_path, push, classify_url,
                    hub_token, events_secret, runner, classify)  # fmt: skip
