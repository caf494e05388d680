"""Times as the CLI prints them: in the user's zone (SOLO_BRAIN_TZ), which it names, never in the
server's own zone (often UTC on a server, unsaid)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(value: datetime | None, tz: str) -> str:
    """`value` as "2026-05-14 11:03" in the zone `tz`; "-" when there is none."""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if value else "-"


def zone_line(tz: str) -> str:
    """The line under a table's header that says in which zone its times are."""
    return f"(times in {tz})"
