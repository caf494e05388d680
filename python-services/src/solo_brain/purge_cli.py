"""`solo-brain purge-audio`: delete stored audio older than the retention (30 days by default)."""

from __future__ import annotations

import argparse

from solo_brain.media import MediaStore, format_bytes
from solo_brain.settings import GlueSettings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `purge-audio` command."""
    purge = sub.add_parser(
        "purge-audio", help="delete stored audio older than AUDIO_RETENTION_DAYS"
    )
    purge.add_argument(
        "--days",
        type=_positive_days,
        default=None,
        help="retention in days (default AUDIO_RETENTION_DAYS, 30)",
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    purge.set_defaults(handler=_purge)


def _positive_days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if days <= 0:
        raise argparse.ArgumentTypeError("--days must be more than 0")
    return days


def _purge(args: argparse.Namespace) -> int:
    settings = GlueSettings()
    days = args.days if args.days is not None else settings.audio_retention_days
    store = MediaStore(settings.media_path)
    report = store.purge(days, dry_run=args.dry_run)
    verb = "would purge" if args.dry_run else "purged"
    noun = "file" if report.files == 1 else "files"
    print(
        f"{verb} {report.files} {noun}, {format_bytes(report.bytes)} older than {days:g} days"
        f" in {store.root}"
    )
    return 0
