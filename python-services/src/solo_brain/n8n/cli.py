"""`solo-brain n8n install|import|credentials|start|worker`: the local n8n with the project's
workflows; in queue mode (EXECUTIONS_MODE=queue) `start` also runs N8N_WORKERS workers, and
`worker` runs one more on its own (a systemd unit, a container)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from solo_brain.db import apply_migrations, database_url
from solo_brain.errors import CommandError
from solo_brain.local_tokens import N8N_TOKEN_NAME, local_token
from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.imports import ImportReport, import_all
from solo_brain.n8n.install import N8nNotInstalled, install_n8n
from solo_brain.n8n.nodes_package import NodesPackageError
from solo_brain.n8n.runner import (
    N8nCommandError,
    N8nRunner,
    database_credential_env,
)
from solo_brain.n8n.templates import TemplateError, render_credentials
from solo_brain.secret_files import environment


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `n8n` command group."""
    n8n = sub.add_parser("n8n", help="the local n8n: install, import the workflows, run")
    actions = n8n.add_subparsers(dest="n8n_command", required=True, metavar="ACTION")
    install = actions.add_parser("install", help="install n8n into the per-user cache")
    install.set_defaults(handler=_install)
    imp = actions.add_parser("import", help="import credentials and workflows, then activate")
    imp.add_argument("--force", action="store_true", help="import everything, changed or not")
    imp.set_defaults(handler=_import)
    creds = actions.add_parser(
        "credentials", help="write the filled-in credentials for another n8n's import:credentials"
    )
    creds.add_argument("--output", type=Path, required=True, help="file to write (mode 0600)")
    creds.set_defaults(handler=_credentials)
    start = actions.add_parser("start", help="install if needed, import, and run n8n")
    start.add_argument("--force-import", action="store_true", help="re-import everything")
    start.add_argument("--no-import", action="store_true",
                       help="run only (a one-shot job imported already)")  # fmt: skip
    start.set_defaults(handler=_start)
    worker = actions.add_parser("worker", help="run one queue-mode worker (EXECUTIONS_MODE=queue)")
    worker.add_argument("--index", type=int, default=0, help="picks its ports (default 0)")
    worker.set_defaults(handler=_worker)


def _runner(settings: N8nSettings) -> N8nRunner:
    try:
        install = install_n8n(settings)
    except N8nNotInstalled as exc:
        raise CommandError(str(exc)) from exc
    url = database_url(settings)
    apply_migrations(url)
    return N8nRunner(settings, install, url, environ=with_hub_token(settings, url))


def with_hub_token(settings: N8nSettings, db_url: str) -> dict[str, str]:
    """The environment credentials are filled from, with a hub token of scope `full` made once
    under var/ when HUB_TOKEN is unset: the workflows' steps all go through the hub."""
    environ = environment()
    if not environ.get("HUB_TOKEN"):
        environ["HUB_TOKEN"] = local_token(settings, db_url, "full", N8N_TOKEN_NAME)
    return environ


def _import_with(runner: N8nRunner, force: bool) -> ImportReport:
    # Each import is an n8n command of its own: the first run is silent for minutes without this.
    print("n8n: importing what changed (node package, credentials, workflows); "
          "the first run takes a few minutes", flush=True)  # fmt: skip
    started = time.monotonic()

    def progress(step: str) -> None:
        print(f"n8n: {step} [{time.monotonic() - started:.0f} s]", flush=True)

    try:
        report = import_all(runner, force=force, progress=progress)
    except (TemplateError, N8nCommandError, NodesPackageError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"n8n node package:         {report.package or 'unchanged'}")
    print(f"n8n credentials imported: {', '.join(report.credentials) or 'none changed'}")
    print(f"n8n workflows imported:   {', '.join(report.workflows) or 'none changed'}")
    if report.activated:
        print(f"n8n workflows activated:  {', '.join(report.activated)}")
    sys.stdout.flush()  # seen now, not when n8n exits, when the output is a pipe (journald)
    return report


def _install(_: argparse.Namespace) -> int:
    settings = N8nSettings()
    try:
        install = install_n8n(settings)
    except N8nNotInstalled as exc:
        raise CommandError(str(exc)) from exc
    print(install.home)
    return 0


def _import(args: argparse.Namespace) -> int:
    _import_with(_runner(N8nSettings()), args.force)
    return 0


def _credentials(args: argparse.Namespace) -> int:
    settings = N8nSettings()
    url = database_url(settings)
    env = {**with_hub_token(settings, url), **settings.workflow_env(),
           **database_credential_env(url)}  # fmt: skip
    try:
        rendered = render_credentials(settings.workflows_dir / "credentials", env)
    except TemplateError as exc:
        raise CommandError(str(exc)) from exc
    args.output.touch(mode=0o600)
    args.output.chmod(0o600)
    args.output.write_text(json.dumps(rendered, indent=1))
    print(f"{len(rendered)} credentials written to {args.output}: "
          f"n8n import:credentials --input={args.output}, then delete it")  # fmt: skip
    return 0


def _start(args: argparse.Namespace) -> int:
    settings = N8nSettings()
    runner = _runner(settings)
    if not args.no_import:
        _import_with(runner, args.force_import)
    stopping = _stop_on_signals(runner)
    print("n8n: starting n8n (its webhooks are registered in a few seconds)", flush=True)
    process = runner.start()
    try:
        runner.wait_ready(runner.webhook_paths())
        runner.start_workers()
    except (TimeoutError, RuntimeError) as exc:
        if not stopping:
            print(f"n8n did not come up: {exc}", file=sys.stderr)
        runner.stop()
        return 0 if stopping else 1
    workers = f", {settings.workers} workers (queue mode)" if runner.workers.processes else ""
    print(f"n8n ready: editor at {settings.base_url}, workflows active "
          f"(webhooks under {settings.base_url}/webhook/){workers}", flush=True)  # fmt: skip
    while process.poll() is None:
        if (gone := runner.workers.exited()) is not None and not stopping:
            print(f"an n8n worker exited with {gone.returncode}: stopping", file=sys.stderr)
            runner.stop()
            return 1
        time.sleep(0.5)
    runner.stop()
    return 0 if stopping else process.returncode


def _worker(args: argparse.Namespace) -> int:
    settings = N8nSettings()
    if not settings.queue_mode:
        raise CommandError("workers run in queue mode only: set EXECUTIONS_MODE=queue")
    runner = _runner(settings)
    stopping = _stop_on_signals(runner)
    runner.workers.start([args.index])
    (process,) = runner.workers.processes.values()
    code = process.wait()
    return 0 if stopping else code


def _stop_on_signals(runner: N8nRunner) -> list[bool]:
    """SIGTERM/SIGINT stop n8n (a second one kills it); the list holds True once asked."""
    stopping: list[bool] = []

    def _on_signal(*_: object) -> None:
        # Only signal here: waiting for n8n happens in the main flow (Popen.wait is not
        # re-entrant), and a second Ctrl-C kills it.
        runner.terminate(force=bool(stopping))
        stopping.append(True)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return stopping
