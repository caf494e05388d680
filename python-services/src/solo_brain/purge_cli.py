"""`solo-brain purge-audio`: delete recordings older than their retention (30 days by default)
and spoken answers older than theirs (7 days by default)."""

from __future__ import annotations

import argparse
from pathlib import Path

from solo_brain.media import MediaStore, PurgeReport, format_bytes
from solo_brain.settings import GlueSettings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `purge-audio` command."""
    purge = sub.add_parser(
        "purge-audio",
        help="delete recordings older than AUDIO_RETENTION_DAYS and spoken answers older than "
        "SPEECH_RETENTION_DAYS",
    )
    purge.add_argument(
        "--days",
        type=_positive_days,
        default=None,
        help="retention of recordings in days (default AUDIO_RETENTION_DAYS, 30)",
    )
    purge.add_argument(
        "--speech-days",
        type=_positive_days,
        default=None,
        help="retention of spoken answers in days (default SPEECH_RETENTION_DAYS, 7)",
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    purge.set_defaults(handler=_purge)


def _positive_days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if days <= 0:
        raise argparse.ArgumentTypeError("the number of days must be more than 0")
    return days


def _purge(args: argparse.Namespace) -> int:
    settings = GlueSettings()
    days = args.days if args.days is not None else settings.audio_retention_days
    speech_days = args.speech_days or settings.speech_retention_days
    store = MediaStore(settings.media_path)
    recordings = store.purge(days, dry_run=args.dry_run)
    spoken = store.purge(speech_days, speech=True, dry_run=args.dry_run)
    verb = "would purge" if args.dry_run else "purged"
    print(_line(verb, recordings, "file", days, store.root))
    print(_line(verb, spoken, "spoken answer", speech_days, store.speech_root))
    return 0


def _line(verb: str, report: PurgeReport, noun: str, days: float, where: Path) -> str:
    nouns = noun if report.files == 1 else f"{noun}s"
    return (
        f"{verb} {report.files} {nouns}, {format_bytes(report.bytes)} older than {days:g} days"
        f" in {where}"
    )
