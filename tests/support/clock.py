"""Wall-clock edges: a test that computes a date and a service that computes it again must see
the same day, even when the suite runs at 23:59 in Paris."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as day_start
from zoneinfo import ZoneInfo


def clear_of_midnight(tz: str = "Europe/Paris", margin_s: float = 120.0) -> None:
    """Return at once unless midnight in `tz` is less than `margin_s` away; then wait past it,
    so that "today" is the same day for the whole test."""
    now = datetime.now(ZoneInfo(tz))
    midnight = datetime.combine(now.date() + timedelta(days=1), day_start(), ZoneInfo(tz))
    left = (midnight - now).total_seconds()
    if left < margin_s:
        time.sleep(left + 1)
