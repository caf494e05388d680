"""`POST /v1/client-briefings`: the briefings due before the coming meetings with clients.

n8n's client-briefing workflow lists the calendar's events starting soon and posts them here.
For each one that starts within `lead_min` minutes and is with a known client (see
`client_briefing.match_client`), the answer has the French briefing to speak and push. It records
nothing: the workflow plans each briefing in Postgres (`assistant.plan_client_briefings`) and
sends it once to each destination, retried until the meeting starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request

from solo_brain.classify.client_briefing import briefing_text, clock, match_client
from solo_brain.classify.client_briefing_models import (
    BriefingPush,
    CalendarEvent,
    ClientBriefing,
    ClientBriefingsRequest,
    ClientBriefingsResult,
)
from solo_brain.classify.client_briefing_store import load_briefing_catalog, load_facts
from solo_brain.classify.deps import DefaultTz
from solo_brain.db.pool import DictPool
from solo_brain.errors import documented_errors
from solo_brain.text import shorten

router = APIRouter(prefix="/v1", tags=["briefings"])


def _pool(request: Request) -> DictPool:
    return request.app.state.pool


Pool = Annotated[DictPool, Depends(_pool)]


def _start(event: CalendarEvent, zone: ZoneInfo) -> datetime | None:
    """When a timed event starts (an all-day event has no meeting time: None)."""
    moment = event.start.date_time
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@router.post(
    "/client-briefings",
    response_model=ClientBriefingsResult,
    responses=documented_errors({400: "invalid body", 503: "database unavailable"}),
)
async def client_briefings(
    body: ClientBriefingsRequest, pool: Pool, default_tz: DefaultTz
) -> ClientBriefingsResult:
    """The briefing of each event with a known client starting within `lead_min` minutes."""
    tz = body.tz or default_tz
    zone = ZoneInfo(tz)
    now = body.now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=zone)
    index = await load_briefing_catalog(pool)
    briefings: list[ClientBriefing] = []
    for event in body.events:
        start = _start(event, zone)
        if event.status == "cancelled" or start is None:
            continue
        if not now <= start <= now + timedelta(minutes=body.lead_min):
            continue
        attendees = [a.email for a in event.attendees if a.email and not a.is_self]
        client = match_client(event.summary, attendees, index)
        if client is None:
            continue
        local_start = start.astimezone(zone)
        facts = await load_facts(pool, client.id, local_start.date(), tz)
        minutes = round((start - now).total_seconds() / 60)
        speech = briefing_text(
            client_name=client.name,
            title=event.summary,
            minutes=minutes,
            facts=facts,
            today=now.astimezone(zone).date(),
        )
        briefings.append(
            ClientBriefing(
                event_id=event.id,
                start=start,
                client_id=client.id,
                client_name=client.name,
                title=event.summary,
                minutes=minutes,
                speech=speech,
                push=BriefingPush(
                    title=shorten(f"Rendez-vous avec {client.name} à {clock(local_start)}", 120),
                    body=shorten(speech, 1000),
                    tag=f"briefing-{event.id}"[:64],
                ),
            )
        )
    return ClientBriefingsResult(briefings=briefings)
