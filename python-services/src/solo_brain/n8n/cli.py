"""`solo-brain n8n install|import|start`: the local n8n with the project's workflows."""

from __future__ import annotations

import argparse
import signal
import sys

from solo_brain.db import apply_migrations
from solo_brain.db_cli import database_url
from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.install import N8nNotInstalled, install_n8n
from solo_brain.n8n.runner import ImportReport, N8nCommandError, N8nRunner
from solo_brain.n8n.templates import TemplateError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `n8n` command group."""
    n8n = sub.add_parser("n8n", help="the local n8n: install, import the workflows, run")
    actions = n8n.add_subparsers(dest="n8n_command", required=True, metavar="ACTION")
    install = actions.add_parser("install", help="install n8n into the per-user cache")
    install.set_defaults(handler=_install)
    imp = actions.add_parser("import", help="import credentials and workflows, then activate")
    imp.add_argument("--force", action="store_true", help="import everything, changed or not")
    imp.set_defaults(handler=_import)
    start = actions.add_parser("start", help="install if needed, import, and run n8n")
    start.add_argument("--force-import", action="store_true", help="re-import everything")
    start.set_defaults(handler=_start)


def _runner(settings: N8nSettings) -> N8nRunner:
    from solo_brain.cli import CommandError

    try:
        install = install_n8n(settings)
    except N8nNotInstalled as exc:
        raise CommandError(str(exc)) from exc
    url = database_url(settings)
    apply_migrations(url)
    return N8nRunner(settings, install, url)


def _import_with(runner: N8nRunner, force: bool) -> ImportReport:
    from solo_brain.cli import CommandError

    try:
        report = runner.import_all(force=force)
    except (TemplateError, N8nCommandError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"n8n credentials imported: {', '.join(report.credentials) or 'none changed'}")
    print(f"n8n workflows imported:   {', '.join(report.workflows) or 'none changed'}")
    if report.activated:
        print(f"n8n workflows activated:  {', '.join(report.activated)}")
    return report


def _install(_: argparse.Namespace) -> int:
    from solo_brain.cli import CommandError

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


def _start(args: argparse.Namespace) -> int:
    settings = N8nSettings()
    runner = _runner(settings)
    _import_with(runner, args.force_import)

    def _on_signal(*_: object) -> None:
        runner.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    process = runner.start()
    try:
        runner.wait_ready(runner.webhook_paths())
    except (TimeoutError, N8nCommandError) as exc:
        print(f"n8n did not come up: {exc}", file=sys.stderr)
        runner.stop()
        return 1
    print(f"n8n ready: editor at {settings.base_url}, workflows active "
          f"(webhooks under {settings.base_url}/webhook/)", flush=True)  # fmt: skip
    return process.wait()
