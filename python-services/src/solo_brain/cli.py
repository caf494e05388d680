"""The `solo-brain` command: run the stack, serve one service, manage the database.

Each feature module registers its own subcommands through a `register(subparsers)` function, so
this file stays a table of contents.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from solo_brain import (
    backup_cli,
    catalog_cli,
    db_cli,
    deliveries_cli,
    pair_cli,
    purge_cli,
    secrets_cli,
    serve_cli,
    stack,
    token_cli,
)
from solo_brain.env_file import embedded_note, load_env_file
from solo_brain.errors import CommandError
from solo_brain.n8n import cli as n8n_cli
from solo_brain.settings import CommonSettings

# --- subcommands registered by feature modules (one line each) ---
REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [
    serve_cli.register,
    db_cli.register,
    catalog_cli.register,
    stack.register,
    purge_cli.register,
    token_cli.register,
    pair_cli.register,
    n8n_cli.register,
    backup_cli.register,
    deliveries_cli.register,
    secrets_cli.register,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="solo-brain",
        description="Solo Brain + CC Mesh: captures, classification and Claude Code sessions.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="PATH",
        help="read settings from PATH first, e.g. /etc/solo-brain/env on a systemd host "
        "(the shell's variables still win)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    _describe(parser)
    return parser


def _describe(parser: argparse.ArgumentParser) -> None:
    # `solo-brain up --help` says what `up` does: each subcommand's help line is its description.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                line = helps.get(name)
                if child.description is None and line:
                    child.description = f"{line[0].upper()}{line[1:]}."
                _describe(child)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `solo-brain` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("pgserver").setLevel(logging.WARNING)
    try:
        if args.env_file is not None:
            load_env_file(args.env_file)
        note = embedded_note(CommonSettings(), os.environ, env_file_given=args.env_file is not None)
        if note:
            print(f"solo-brain: {note}", file=sys.stderr)
        code = args.handler(args)
    except KeyboardInterrupt:
        code = 130
    except CommandError as exc:
        print(f"solo-brain: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code or 0)
