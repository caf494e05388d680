"""`solo-brain backup create|restore PATH`: the assistant schema and the kept audio, one archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from solo_brain.backup import BackupError, create_backup, restore_backup
from solo_brain.db import database_url
from solo_brain.errors import CommandError
from solo_brain.media import format_bytes
from solo_brain.settings import CommonSettings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `backup` command group."""
    backup = sub.add_parser("backup", help="back up or restore the assistant schema and audio")
    actions = backup.add_subparsers(dest="backup_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="write one archive (mode 0600) to PATH")
    create.add_argument("path", type=Path, metavar="PATH", help="the archive to write")
    create.set_defaults(handler=_create)
    restore = actions.add_parser(
        "restore", help="restore an archive into DATABASE_URL and MEDIA_DIR (services stopped)"
    )
    restore.add_argument("path", type=Path, metavar="PATH", help="the archive to read")
    restore.add_argument(
        "--force",
        action="store_true",
        help="restore over a schema that holds data (it is kept aside, renamed, not dropped)",
    )
    restore.set_defaults(handler=_restore)


def _create(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    try:
        report = create_backup(database_url(settings), settings.media_path, args.path)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"backup written to {args.path}: {report.captures} captures, "
          f"{report.audio_files} audio files ({format_bytes(report.audio_bytes)})")  # fmt: skip
    return 0


def _restore(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    if not args.path.is_file():
        raise CommandError(f"no backup archive at {args.path}")
    try:
        report = restore_backup(
            database_url(settings), settings.media_path, args.path, force=args.force
        )
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"restored {report.captures} captures and {report.audio_files} audio files "
          f"({format_bytes(report.audio_bytes)}) into {settings.media_path}")  # fmt: skip
    if report.kept_aside:
        print(f"the previous data is kept in schema {report.kept_aside} "
              f"(DROP SCHEMA {report.kept_aside} CASCADE once you no longer need it)")  # fmt: skip
    return 0
