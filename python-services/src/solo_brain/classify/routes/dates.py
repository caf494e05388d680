"""`POST /v1/resolve-date`: the date and time a spoken phrase names, resolved without any model."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from solo_brain.classify.deps import DefaultTz
from solo_brain.classify.models import ResolveDateRequest, ResolveDateResult
from solo_brain.classify.times import resolve_due_at
from solo_brain.errors import documented_errors

router = APIRouter(prefix="/v1", tags=["dates"])


@router.post(
    "/resolve-date",
    response_model=ResolveDateResult,
    responses=documented_errors({400: "invalid body (blank or too long phrase, bad tz)"}),
)
async def resolve_date(body: ResolveDateRequest, default_tz: DefaultTz) -> ResolveDateResult:
    """The date a spoken phrase names ("vendredi", "dans 3 jours"), or null, and its time of
    day ("demain à 10h")."""
    tz = body.tz or default_tz
    now = body.now or datetime.now(ZoneInfo(tz))
    due, at = resolve_due_at(body.phrase, now, tz)
    return ResolveDateResult(due=due, due_time=at.strftime("%H:%M") if at else None)
