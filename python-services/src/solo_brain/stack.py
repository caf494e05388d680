"""`solo-brain up`: the whole local stack in the foreground.

The embedded Postgres is started in this process (it stops when the last process using it
exits), the schema is migrated, then every service runs as a child process with the resolved
DATABASE_URL (which children, and how they find each other: stack_plan.py). Ctrl-C (or SIGTERM)
stops the children in reverse order, politely first.
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
from urllib.parse import urlsplit

import httpx

from solo_brain.db import apply_migrations, database_url
from solo_brain.n8n.config import N8nSettings
from solo_brain.secret_files import child_environment
from solo_brain.settings import CommonSettings
from solo_brain.stack_plan import Child, plan

STOP_GRACE_S = 10.0
# A child still starting after this long is said to be, again at this interval: a silent
# terminal for minutes reads as a hang.
STILL_STARTING_EVERY_S = 30.0


def _base_url(url: str | None) -> str:
    if url is None:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
