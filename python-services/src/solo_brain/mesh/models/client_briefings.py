"""Request and response bodies of the client briefings' API (docs/api.md, "The routines"):
each names the fields of one `assistant.*` SQL function's argument (db/functions/briefings.sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

SendKind = Literal["speech", "push", "gotify", "whatsapp"]
EventId = Field(min_length=1, max_length=1024, description="the calendar event's id")


def _iso(value: Any) -> Any:
    """ISO 8601 as Postgres writes it too (`2030-05-02 09:00:00+02`), for a claimed send."""
    if isinstance(value, str) and len(value) <= 64:
        return datetime.fromisoformat(value)
    return value


# A moment with its offset: the form Google gives, or the one a claimed send carries.
Moment = Annotated[AwareDatetime, BeforeValidator(_iso)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClientBriefingIn(BaseModel):
    """One briefing as classify's POST /v1/client-briefings words it (other fields ignored)."""

    event_id: str = EventId
    start: Moment = Field(description="the meeting's start, with its offset")
    client_id: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=1000)
    speech: str = Field(min_length=1, max_length=5000)
    push: dict[str, Any] = Field(description="the Web Push: {title, body, url?, tag?}")


class ConfiguredSends(_Strict):
    """The destinations set up besides the speech."""

    push: bool = False
    gotify: bool = False
    whatsapp_to: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 .()-]{6,31}$")


class PlanIn(_Strict):
    """The briefings of a run, and where they go."""

    briefings: list[ClientBriefingIn] = Field(max_length=50)
    configured: ConfiguredSends = ConfiguredSends()


class PlanOut(BaseModel):
    """The events whose briefing is new (planned now); the others were planned before."""

    planned: list[str]


class ClaimSendsIn(_Strict):
    """Which stage's due sends to lease, for how long."""

    stage: Literal["speech", "messages"]
    lease_s: float = Field(default=120, ge=1, le=86400)
    limit: int = Field(default=50, ge=1, le=200)


class ClaimedSend(BaseModel):
    """One send leased to the caller, with the JSON body its destination takes."""

    event_id: str
    start: str
    kind: SendKind
    request: dict[str, Any]


class SendResultIn(_Strict):
    """What the destination answered to one send (status absent when no answer came)."""

    event_id: str = EventId
    start: Moment = Field(description="the claimed send's start, as given")
    kind: SendKind
    status: int | None = Field(default=None, ge=100, le=599)
    body: Any = None
    error: Any = None


class SendOut(BaseModel):
    """A send's state after an attempt."""

    event_id: str
    kind: SendKind
    state: Literal["pending", "done", "failed", "given_up"]
    attempts: int
    last_error: str | None
