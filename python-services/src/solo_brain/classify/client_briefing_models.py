"""Bodies of `POST /v1/client-briefings`: Google Calendar events in (as `events.list` returns
them; fields not used here are ignored), the briefings to send out."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solo_brain.settings import check_tz


class EventTime(BaseModel):
    """Google's EventDateTime: `dateTime` for a timed event, `date` for an all-day one."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    date_time: dt.datetime | None = Field(default=None, alias="dateTime")
    day: dt.date | None = Field(default=None, alias="date")


class Attendee(BaseModel):
    """One attendee; `self` marks the calendar's owner (the user, never the client)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    email: str | None = Field(default=None, max_length=320)
    is_self: bool = Field(default=False, alias="self")


class CalendarEvent(BaseModel):
    """A Google Calendar event, as `events.list` gives it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=1024)
    status: str | None = None
    summary: str | None = None
    start: EventTime
    attendees: list[Attendee] = Field(default_factory=list, max_length=500)


class ClientBriefingsRequest(BaseModel):
    """The events starting soon; `now` and `tz` default to the clock and SOLO_BRAIN_TZ."""

    model_config = ConfigDict(extra="forbid")

    events: list[CalendarEvent] = Field(default_factory=list, max_length=250)
    lead_min: int = Field(default=30, ge=1, le=1440, description="CLIENT_BRIEFING_LEAD_MIN")
    now: dt.datetime | None = None
    tz: str | None = Field(default=None, description="IANA zone (default: SOLO_BRAIN_TZ)")

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str | None) -> str | None:
        return check_tz(value)


class BriefingPush(BaseModel):
    """The Web Push of a briefing, as the hub's `POST /api/notify` takes it (n8n adds the
    `audio_url` once the briefing is spoken)."""

    title: str = Field(max_length=120)
    body: str = Field(max_length=1000)
    url: str = Field(default="/", description="what a tap opens: the inbox")
    tag: str = Field(max_length=64, description="one per event")


class ClientBriefing(BaseModel):
    """One briefing to claim (event_id, start), then speak and push."""

    event_id: str
    start: dt.datetime
    client_id: str
    client_name: str
    title: str | None
    minutes: int = Field(description="minutes until the meeting starts")
    speech: str = Field(description="the French briefing, to speak and push")
    push: BriefingPush


class ClientBriefingsResult(BaseModel):
    """The briefings due now (none when no coming event is with a known client)."""

    briefings: list[ClientBriefing]
