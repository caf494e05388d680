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


INBOX: dict[str, Any] = json.loads((Path(__file__).parent / "fixtures" / "inbox.json").read_text())


def seed_catalog(dsn: str) -> None:
    """Three clients and five projects, with the aliases one says out loud."""
    for client_id, name, aliases in INBOX["clients"]:
        run_sql(
            dsn,
            "INSERT INTO assistant.clients (id, name, aliases) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            client_id,
            name,
            aliases,
        )
    for slug, name, client_id, aliases in INBOX["projects"]:
        run_sql(
            dsn,
            "INSERT INTO assistant.projects (slug, name, client_id, aliases) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            slug,
            name,
            client_id,
            aliases,
        )


def _capture(dsn: str, spec: dict[str, Any], audio: MediaStore) -> str:
    """Record one capture of the fixture as a channel would, dated `minutes_ago`."""
    fields = dict(spec["fields"])
    fields["actions"] = [
        {"text": a["text"], "due": _due(a["due_in_days"])} for a in fields.get("actions", [])
    ]
    if spec.get("spoken_audio"):  # real speech, so that the app can play it
        fields["audio_ref"] = audio.save(render_speech(fields["transcript"], "m4a"), "m4a").ref
    [row] = run_sql(
        dsn, "SELECT assistant.record_capture(%s::jsonb)->>'capture_id' AS id", json.dumps(fields)
    )
    at = _ago(spec["minutes_ago"])
    run_sql(
        dsn,
        "UPDATE assistant.captures SET created_at = %s, updated_at = %s, "
        "failed_at = CASE WHEN %s::text IS NULL THEN NULL ELSE now() END, "
        "attempts = CASE WHEN %s::text IS NULL THEN attempts ELSE 12 END, "
        "last_error = COALESCE(%s, last_error) WHERE id = %s",
        at,
        at,
        spec.get("failed"),
        spec.get("failed"),
        spec.get("failed"),
        row["id"],
    )
    for n, d in enumerate(spec.get("deliveries", [])):
        run_sql(
            dsn,
            "INSERT INTO assistant.deliveries (id, capture_id, kind, state, idempotency_key, "
            "attempts, last_error, external_ref, detail, done_at) "
            "VALUES ('dlv_' || assistant.new_ulid(), %s, %s, %s, %s, %s, %s, %s, %s, "
            "CASE WHEN %s = 'done' THEN now() END)",
            row["id"],
            d["kind"],
            d["state"],
            f"{d['kind']}:{row['id']}:{n}",
            d.get("attempts", 1),
            d.get("last_error"),
            d.get("external_ref"),
            json.dumps(d.get("detail", {})),
            d["state"],
        )
    return str(row["id"])


def seed_inbox(dsn: str, media_dir: Path) -> dict[str, str]:
    """The captures of fixtures/inbox.json (every status a user meets, with deliveries); their
    ids by name. Spoken audio is kept in `media_dir` (the hub's MEDIA_DIR), so it plays."""
    seed_catalog(dsn)
    audio = MediaStore(media_dir)
    return {name: _capture(dsn, spec, audio) for name, spec in INBOX["captures"].items()}


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
