"""`solo-brain up`: the whole local stack in the foreground.

The embedded Postgres is started in this process (it stops when the last process using it
exits), the schema is migrated, then every service runs as a child process with the resolved
DATABASE_URL. Ctrl-C (or SIGTERM) stops the children in reverse order, politely first.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from solo_brain.db import apply_migrations, database_url
from solo_brain.local_tokens import N8N_TOKEN_NAME, local_secret, local_token, solo_brain_argv
from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.install import find_install
from solo_brain.n8n.runner import (
    STATE_FILE,
    WEBHOOK_PROBE_HEADERS,
    WEBHOOK_PROBE_METHOD,
    webhook_registered,
)
from solo_brain.settings import (
    EVENTS_OFF,
    ClassifySettings,
    CommonSettings,
    GlueSettings,
    MeshSettings,
    child_environment,
    environment,
)

STOP_GRACE_S = 10.0
READY_TIMEOUT_S = 120.0
# The first `n8n start` on a machine installs n8n (several minutes on 2 cores).
N8N_READY_TIMEOUT_S = 1200.0
# A child still starting after this long is said to be, again at this interval: a silent
# terminal for minutes reads as a hang.
STILL_STARTING_EVERY_S = 30.0
FIRST_N8N_START = ("first start: builds the node package and imports the workflows, "
                   "a few minutes; later starts take seconds")  # fmt: skip
N8N_INSTALL = ("installs n8n into the per-user cache first, about 6 minutes once; then builds "
               "the node package and imports the workflows, a few minutes")  # fmt: skip


@dataclass
class Child:
    """One service of the stack: how to start it and how to know it is up."""

    name: str
    argv: list[str]
    health_url: str | None
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = READY_TIMEOUT_S
    # How to ask the health URL, and how to tell its answer means "up" (default: GET → 200).
    probe_method: str = "GET"
    probe_headers: dict[str, str] = field(default_factory=dict)
    is_up: Callable[[httpx.Response], bool] = lambda response: response.status_code == 200
    # Said when it starts, for a child that may take long (n8n's first start).
    starting_note: str | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float | None = None  # time.monotonic() when spawned


def plan(args: argparse.Namespace, settings: CommonSettings, db_url: str) -> list[Child]:
    """The children to start, in order, according to the command-line switches."""
    glue_port, classify = GlueSettings().port, ClassifySettings()
    classify_port = classify.port
    # classify's filing steps transcribe and speak through the glue this stack starts.
    classify_env = {} if "glue_url" in classify.model_fields_set else {
        "GLUE_URL": f"http://127.0.0.1:{glue_port}"}  # fmt: skip
    children = [
        Child("glue", solo_brain_argv("serve", "glue"), _health(glue_port)),
        Child(
            "classify",
            solo_brain_argv("serve", "classify"),
            _health(classify_port),
            env=classify_env,
        ),
    ]
    n8n = N8nSettings()
    if not args.no_mesh:
        mesh = MeshSettings()
        mesh_env = {}
        if not args.no_n8n and not mesh.events_webhook_url:
            # Out of the box, the hub's events reach the mesh-events workflow (push to phones).
            mesh_env["MESH_EVENTS_WEBHOOK_URL"] = f"{n8n.base_url}/webhook/mesh-events"
        elif not mesh.events_webhook_url:
            mesh_env["MESH_EVENTS_WEBHOOK_URL"] = EVENTS_OFF  # no n8n to take them
        if not args.no_n8n and not mesh.events_secret:
            # The CC Mesh Trigger refuses unsigned events: sign them with a secret of our own.
            mesh_env["MESH_EVENTS_SECRET"] = local_secret(settings, "mesh-events")
        if not args.no_n8n and not mesh.capture_url:
            # Without nginx the PWA's captures reach n8n through the hub (same origin).
            mesh_env["MESH_CAPTURE_URL"] = f"{n8n.base_url}/webhook/capture"
            webhook_token = environment().get("CAPTURE_WEBHOOK_TOKEN")
            if webhook_token and not mesh.capture_token:
                mesh_env["MESH_CAPTURE_TOKEN"] = webhook_token
        mesh_port = mesh.port
        children.append(
            Child("mesh", solo_brain_argv("serve", "mesh"), _health(mesh_port), env=mesh_env)
        )
        if not args.no_agent:
            token = local_token(settings, db_url, "agent", "local-agent")
            children.append(
                Child(
                    "mesh-agent",
                    [_mesh_agent_bin(), "run", "--hub", f"http://127.0.0.1:{mesh_port}"],
                    None,
                    env={"MESH_AGENT_TOKEN": token},
                )
            )
    if not args.no_n8n:
        n8n_env = {}
        # Unless configured, the workflows call the services this stack starts, on their ports.
        if "glue_url" not in n8n.model_fields_set:
            n8n_env["GLUE_URL"] = f"http://127.0.0.1:{glue_port}"
        if "classify_url" not in n8n.model_fields_set:
            n8n_env["CLASSIFY_URL"] = f"http://127.0.0.1:{classify_port}"
        if not args.no_mesh and "hub_url" not in n8n.model_fields_set:
            # Out of the box, the workflows' steps go through the hub this stack starts.
            n8n_env["HUB_URL"] = f"http://127.0.0.1:{mesh_port}"
        if not args.no_mesh and not environment().get("HUB_TOKEN"):
            n8n_env["HUB_TOKEN"] = local_token(settings, db_url, "full", N8N_TOKEN_NAME)
        if not args.no_mesh and not environment().get("MESH_EVENTS_SECRET"):
            n8n_env["MESH_EVENTS_SECRET"] = local_secret(settings, "mesh-events")
        children.append(
            Child(
                "n8n",
                solo_brain_argv("n8n", "start"),
                f"http://127.0.0.1:{n8n.port}/webhook/capture",
                env=n8n_env,
                ready_timeout_s=N8N_READY_TIMEOUT_S,
                probe_method=WEBHOOK_PROBE_METHOD,
                probe_headers=WEBHOOK_PROBE_HEADERS,
                is_up=webhook_registered,
                starting_note=_n8n_note(n8n),
            )
        )
    return children


def _n8n_note(n8n: N8nSettings) -> str | None:
    """What n8n's start will cost, when it is long: the install, the first import."""
    if find_install(n8n) is None:
        return N8N_INSTALL
    return None if (n8n.folder / STATE_FILE).exists() else FIRST_N8N_START


def _base_url(url: str | None) -> str:
    if url is None:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _health(port: int) -> str:
    return f"http://127.0.0.1:{port}/healthz"


def _mesh_agent_bin() -> str:
    candidate = Path(sys.executable).with_name("mesh-agent")
    return str(candidate) if candidate.exists() else "mesh-agent"


def schema_note(applied: list[str]) -> str:
    """What the migration did, in a few words: a fresh database's two dozen steps are counted."""
    if not applied:
        return "schema up to date"
    if len(applied) <= 3:
        return f"migrated {', '.join(applied)}"
    functions = sum(1 for name in applied if name.startswith("functions/"))
    return f"migrated: {len(applied) - functions} migrations, {functions} SQL function files"


def next_steps(children: list[Child]) -> list[str]:
    """What to open once the stack is up: the app (and how to pair it), the n8n editor."""
    started = {child.name: _base_url(child.health_url) for child in children}
    lines = []
    if "mesh" in started:
        lines.append(f"{'the app':10} {started['mesh']}/  (pair this browser or a phone: "
                     "uv run solo-brain pair --name iPhone)")  # fmt: skip
    if "n8n" in started:
        lines.append(f"{'n8n editor':10} {started['n8n']}/  (the first visit creates its owner)")
    return lines


def wait_ready(
    child: Child, deadline: float, *, still_starting_every_s: float = STILL_STARTING_EVERY_S
) -> bool:
    """Poll the child's health URL until it says up, the child dies, or the deadline passes;
    every `still_starting_every_s` meanwhile, say that it is still starting."""
    if child.health_url is None:
        return child.process is not None and child.process.poll() is None
    started = child.started_at or time.monotonic()  # spawned early, it has been starting since
    next_note = time.monotonic() + still_starting_every_s
    while time.monotonic() < deadline:
        if time.monotonic() >= next_note:
            print(f"{child.name:10} still starting ({time.monotonic() - started:.0f} s)",
                  flush=True)  # fmt: skip
            next_note += still_starting_every_s
        if child.process is not None and child.process.poll() is not None:
            return False
        try:
            probe = httpx.request(child.probe_method, child.health_url,
                                  headers=child.probe_headers, timeout=2.0)  # fmt: skip
            if child.is_up(probe):
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def stop(children: list[Child]) -> None:
    """Terminate the children in reverse order; kill those that outlive the grace period."""
    for child in reversed(children):
        if child.process and child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for child in reversed(children):
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def run(args: argparse.Namespace) -> int:
    """Start the stack, report where everything is, and supervise until interrupted."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness probe is noise
    if args.no_mesh and not args.no_n8n and "hub_url" not in N8nSettings().model_fields_set:
        # The workflows' steps go through the hub's lifecycle API (docs/n8n.md).
        print("--no-mesh: the n8n workflows need the hub; add --no-n8n, or set HUB_URL "
              "(and HUB_TOKEN) to another hub", file=sys.stderr)  # fmt: skip
        return 2
    settings = CommonSettings()
    # The embedded Postgres sets XDG_RUNTIME_DIR in this process when the user's shell has none;
    # the children get the user's own value, so that the local agent's relay socket is where
    # `mesh-agent install-hook`, run in that shell, points the terminal's hooks.
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    db_url = database_url(settings)
    applied = apply_migrations(db_url)
    schema = schema_note(applied)
    where = "DATABASE_URL" if settings.database_url else f"embedded in {settings.pgdata_dir}"
    print(f"{'postgres':10} up  {where} ({schema})", flush=True)
    os.environ.setdefault("SOLO_BRAIN_INSTANCE", secrets.token_hex(4))
    children = plan(args, settings, db_url)
    stopping = False

    def _on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_term)
    # Ctrl-C too when started as a script's background job, which enters with SIGINT ignored.
    signal.signal(signal.SIGINT, _on_term)

    def spawn(child: Child) -> None:
        env = child_environment({"DATABASE_URL": db_url, **child.env})
        env.pop("XDG_RUNTIME_DIR", None)
        if runtime_dir is not None:
            env["XDG_RUNTIME_DIR"] = runtime_dir
        if child.starting_note:
            print(f"{child.name:10} starting ({child.starting_note})", flush=True)
        child.process = subprocess.Popen(child.argv, env=env)
        child.started_at = time.monotonic()

    try:
        # A long first start (n8n's install and imports, minutes) overlaps the others' starts;
        # it needs none of them until its workflows run, and it is waited for in its turn.
        for child in children:
            if child.starting_note:
                spawn(child)
        for child in children:
            if child.process is None:
                spawn(child)
            if not wait_ready(child, time.monotonic() + child.ready_timeout_s):
                print(f"{child.name:10} FAILED to start (see its output above)", file=sys.stderr)
                return 1
            print(f"{child.name:10} up  {_base_url(child.health_url)}".rstrip(), flush=True)
        print("stack up — Ctrl-C stops everything", *next_steps(children), sep="\n", flush=True)
        while True:
            for child in children:
                if child.process and child.process.poll() is not None:
                    print(f"{child.name} exited with {child.process.returncode}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopping = True
        print("\nstopping…")
        return 0
    finally:
        stop(children)
        if stopping:
            print("stopped")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `up` command."""
    up = sub.add_parser("up", help="run the whole local stack in the foreground (Ctrl-C stops)")
    up.add_argument("--no-n8n", action="store_true", help="do not start n8n")
    up.add_argument(
        "--no-mesh",
        action="store_true",
        help="do not start the mesh hub and agent (n8n needs a hub: with --no-n8n, or HUB_URL)",
    )
    up.add_argument("--no-agent", action="store_true", help="do not start the local mesh-agent")
    up.set_defaults(handler=run)
