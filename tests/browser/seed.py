"""Realistic data for the app's screenshots: a catalog, captures of every status with their
deliveries, and machines whose sessions have tool uses, a pending permission, a terminal waiting
at the keyboard and a transcript forked by a prompt forced from the phone (the transcripts are
in fixtures/sessions.json).

The machines are scripted mesh-agents speaking the real protocol to the real hub over a real
WebSocket; gpu-server stays connected (in a thread) for as long as the screenshots need it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from mesh_protocol import Message, PermissionRequest, SessionInfo
from solo_brain.media import MediaStore
from tests.mesh.hub_harness import ScriptedAgent, scripted_agent
from tests.support.audio import render_speech

NOW = datetime.now(UTC)
SESSIONS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "sessions.json").read_text()
)
IDS = {s["name"]: s["id"] for s in SESSIONS["sessions"]}
# The hub knows terminal_waiting and permission modes (issue 11) when its protocol says so.
TERMINAL = "terminal_waiting" in SessionInfo.model_fields


def run_sql(dsn: str, query: str, *params: Any) -> list[dict[str, Any]]:
    """Run one statement on `dsn`; its rows (none for a statement without result)."""
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        cur = conn.execute(query, params)
        return list(cur.fetchall()) if cur.description else []


def _ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def _due(days: int) -> str:
    return (NOW + timedelta(days=days)).date().isoformat()


# --- the inbox --------------------------------------------------------------------------------


def seed_catalog(dsn: str) -> None:
    """Three clients and five projects, with the aliases one says out loud."""
    run_sql(
        dsn,
        "INSERT INTO assistant.clients (id, name, aliases) VALUES "
        "('acme', 'Acmé Robotique', '{acme,acmé}'), ('thales', 'Thales Avionics', '{thalès}'), "
        "('lumen', 'Lumen Médical', '{lumen}') ON CONFLICT DO NOTHING",
    )
    run_sql(
        dsn,
        "INSERT INTO assistant.projects (slug, name, client_id, aliases) VALUES "
        "('imx8mp-vision', 'IMX8MP Vision', 'acme', '{imx8,vision}'), "
        "('orchestrator', 'Orchestrateur', NULL, '{orchestrateur}'), "
        "('npu-bench', 'Banc NPU', NULL, '{npu}'), "
        "('dal-c-cert', 'Certification DAL-C', 'thales', '{dal}'), "
        "('scope-fw', 'Firmware endoscope', 'lumen', '{endoscope}') ON CONFLICT DO NOTHING",
    )


def _capture(dsn: str, minutes_ago: int, **fields: Any) -> str:
    [row] = run_sql(
        dsn,
        "SELECT assistant.record_capture(%s::jsonb)->>'capture_id' AS id",
        json.dumps(fields),
    )
    at = _ago(minutes_ago)
    run_sql(
        dsn,
        "UPDATE assistant.captures SET created_at = %s, updated_at = %s WHERE id = %s",
        at,
        at,
        row["id"],
    )
    return str(row["id"])


def _delivery(dsn: str, capture_id: str, kind: str, state: str, **extra: Any) -> None:
    run_sql(
        dsn,
        "INSERT INTO assistant.deliveries (id, capture_id, kind, state, idempotency_key, "
        "attempts, last_error, external_ref, detail, done_at) "
        "VALUES ('dlv_' || assistant.new_ulid(), %s, %s, %s, %s, %s, %s, %s, %s, "
        "CASE WHEN %s = 'done' THEN now() END)",
        capture_id,
        kind,
        state,
        f"{kind}:{capture_id}:{extra.get('key', '')}",
        extra.get("attempts", 1),
        extra.get("last_error"),
        extra.get("external_ref"),
        json.dumps(extra.get("detail", {})),
        state,
    )


MEETING = (
    "Réunion avec Hélène chez Acmé : ils veulent la caméra thermique sur l'IMX8MP pour juin. "
    "Envoyer le devis vendredi et prévoir une démo."
)
IDEA = (
    "Idée : quantifier le modèle de détection en INT8 et comparer la latence du NPU 2,3 TOPS "
    "avec le GPU, sur le même jeu d'images."
)
FIRMWARE_NOTE = (
    "Pour Lumen : le firmware de l'endoscope doit passer la revue de code avant la livraison, "
    "bloquer une demi-journée jeudi."
)


def seed_inbox(dsn: str, media_dir: Path) -> dict[str, str]:
    """Captures of every status a user meets, with their deliveries; their ids by name. The
    meeting's audio is real speech kept in `media_dir` (the hub's MEDIA_DIR), so it plays."""
    seed_catalog(dsn)
    kept = MediaStore(media_dir).save(render_speech(MEETING, "m4a"), "m4a")
    devis = "envoyer le devis caméra thermique à Hélène"
    demo = "préparer la démo sur la carte EVK"
    review = "revue de code firmware endoscope"
    ids = {
        "failed": _capture(
            dsn, 3, channel="siri", mode="voice", audio_ref="0" * 32, duration_s=14.2
        ),
        "meeting": _capture(
            dsn,
            12,
            channel="siri",
            mode="voice",
            duration_s=21.5,
            transcript=MEETING,
            audio_ref=kept.ref,
            category="client",
            client_id="acme",
            project="imx8mp-vision",
            summary="Caméra thermique IMX8MP pour Acmé : devis et démo",
            speech="Capté, note client rangée dans le projet IMX8MP Vision, deux actions notées.",
            actions=[{"text": devis, "due": _due(5)}, {"text": demo, "due": _due(12)}],
        ),
        "pending": _capture(
            dsn,
            25,
            channel="whatsapp",
            mode="text",
            text="penser à relire la spec DAL-C avant le comité",
        ),
        "idea": _capture(
            dsn,
            95,
            channel="pwa",
            text=IDEA,
            category="idee_rd",
            project="npu-bench",
            summary="Benchmark INT8 : NPU contre GPU",
        ),
        "review": _capture(
            dsn,
            60 * 5,
            channel="siri",
            mode="voice",
            duration_s=8.4,
            transcript="Rappeler le cabinet comptable pour la TVA du trimestre",
            category="admin",
            summary="Rappeler le comptable (TVA)",
            needs_review=True,
            actions=[{"text": "rappeler le cabinet comptable", "due": _due(1)}],
        ),
        "delivery": _capture(
            dsn,
            60 * 26,
            channel="pwa",
            text=FIRMWARE_NOTE,
            category="client",
            client_id="lumen",
            project="scope-fw",
            summary="Revue de code du firmware endoscope avant livraison",
            actions=[{"text": review, "due": _due(4)}],
        ),
        "cc": _capture(
            dsn,
            60 * 30,
            channel="siri",
            mode="voice",
            duration_s=6.1,
            transcript="Pour la session orchestrator, ajoute un endpoint health",
            category="note_tech",
            project="orchestrator",
            summary="Ajouter un endpoint /health à l'orchestrateur",
            cc_prompt={"session_hint": "orchestrator", "prompt": "ajoute un endpoint /health"},
        ),
        "perso": _capture(
            dsn,
            60 * 50,
            channel="whatsapp",
            text="Acheter des croquettes",
            category="perso",
            summary="Croquettes pour le chat",
        ),
    }
    run_sql(
        dsn,
        "UPDATE assistant.captures SET failed_at = now(), attempts = 12, "
        "last_error = 'Whisper ne répond pas (délai de 30 s dépassé)' WHERE id = %s",
        ids["failed"],
    )
    meeting, late = ids["meeting"], ids["delivery"]
    _delivery(
        dsn,
        meeting,
        "calendar_event",
        "done",
        key="1",
        external_ref="evt_8f2a",
        detail={"text": devis, "due": _due(5)},
    )
    _delivery(
        dsn,
        meeting,
        "calendar_event",
        "done",
        key="2",
        external_ref="evt_8f2b",
        detail={"text": demo, "due": _due(12)},
    )
    _delivery(dsn, meeting, "onyx_document", "done", external_ref=meeting)
    _delivery(dsn, meeting, "push", "done")
    _delivery(
        dsn,
        late,
        "calendar_event",
        "failed",
        attempts=5,
        last_error="Google Agenda a répondu 401 : jeton OAuth expiré",
        detail={"text": review, "due": _due(4)},
    )
    _delivery(dsn, late, "onyx_document", "done")
    _delivery(dsn, ids["cc"], "cc_prompt", "done", external_ref="prm_01JEXAMPLE")
    _delivery(dsn, ids["idea"], "onyx_document", "skipped")
    return ids


# --- machines and sessions --------------------------------------------------------------------


def _messages(session: dict[str, Any]) -> list[Message]:
    return [
        Message.model_validate(
            {
                **{k: v for k, v in m.items() if k != "minutes_ago"},
                "timestamp": _ago(m["minutes_ago"]),
            }
        )
        for m in session["messages"]
    ]


async def _play(agent: ScriptedAgent, machine: str, terminal: bool) -> None:
    """Send a machine's sessions, their transcripts and (gpu-server) the pending permission."""
    for s in SESSIONS["sessions"]:
        if s["machine"] != machine or (s.get("terminal_waiting") and not terminal):
            continue
        extra = {k: s[k] for k in ("terminal_waiting", "permission_mode") if k in s and terminal}
        await agent.session(
            s["id"],
            cwd=s["cwd"],
            project=s["project"],
            title=s["title"],
            git_branch=s["git_branch"],
            status=s["status"],
            live=s["live"],
            last_msg_at=_ago(s["last_minutes_ago"]),
            **extra,
        )
        await agent.batch(s["id"], f"{s['id']}.jsonl", 0, 4096, _messages(s))
    wanted = SESSIONS["permission"]
    if machine == "gpu-server":
        fields = {k: v for k, v in wanted.items() if k != "session"}
        await agent.send(PermissionRequest(session_id=IDS[wanted["session"]], **fields))
        await agent.sync()


class SeededMachines:
    """gpu-server online with its sessions, pc-maison seen the day before, kept connected in a
    thread for as long as the `with` block runs; `send` speaks as gpu-server meanwhile."""

    def __init__(self, hub_url: str, dsn: str, *, terminal: bool = TERMINAL) -> None:
        self.hub_url, self.dsn, self.terminal = hub_url, dsn, terminal
        self._ready, self._stop = threading.Event(), threading.Event()
        self._failure: list[BaseException] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._agent: ScriptedAgent | None = None
        self._lock = asyncio.Lock()  # one exchange with the hub at a time
        self._thread = threading.Thread(target=self._run, name="seeded-machines", daemon=True)

    def __enter__(self) -> SeededMachines:
        self._thread.start()
        assert self._ready.wait(60), "the seeded machines did not connect"
        if self._failure:
            raise self._failure[0]
        forced = SESSIONS["forced_prompt"]
        run_sql(
            self.dsn,
            "INSERT INTO assistant.prompts (id, session_id, text, force, state, created_by, "
            "created_at) VALUES ('prm_' || assistant.new_ulid(), %s, %s, true, 'done', "
            "'token:iPhone', %s)",
            IDS[forced["session"]],
            forced["text"],
            _ago(forced["minutes_ago"]),
        )
        run_sql(
            self.dsn,
            "UPDATE assistant.agents SET last_seen = now() - interval '20 hours' "
            "WHERE name = 'pc-maison'",
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)

    def send(self, frame: Any) -> None:
        """Send one frame as gpu-server and wait until the hub handled it."""
        assert self._loop is not None and self._agent is not None
        agent = self._agent

        async def send_and_sync() -> None:
            async with self._lock:
                await agent.send(frame)
                await agent.sync()

        asyncio.run_coroutine_threadsafe(send_and_sync(), self._loop).result(15)

    async def _main(self) -> None:
        from tests.support.mesh_stack import create_token

        self._loop = asyncio.get_running_loop()
        tokens = {
            name: create_token(self.dsn, "agent", name) for name in ("pc-maison", "gpu-server")
        }
        async with scripted_agent(self.hub_url, tokens["pc-maison"], "pc-maison") as other:
            await _play(other, "pc-maison", self.terminal)
        async with scripted_agent(self.hub_url, tokens["gpu-server"], "gpu-server") as agent:
            await _play(agent, "gpu-server", self.terminal)
            self._agent = agent
            self._ready.set()
            # The hub drops a machine it has not heard from for a while: say something often.
            while not self._stop.is_set():
                await asyncio.sleep(1)
                async with self._lock:
                    await agent.sync()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # handed to the test thread
            self._failure.append(exc)
            self._ready.set()
