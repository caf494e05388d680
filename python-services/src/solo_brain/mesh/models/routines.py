"""Request and response bodies of the scheduled routines' API (docs/api.md, "The routines"):
reminders, the morning briefing and the error workflow's audit, each the argument of one
`assistant.*` SQL function."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TimeZone = Field(
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9_+\-/]+$",
    description="the user's IANA time zone (SOLO_BRAIN_TZ): what 'today' means",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimRemindersIn(_Strict):
    """Which open actions to remind: of the whole day, due within `lead_days` days (0: today and
    overdue); timed, once their time is within `lead_min` minutes."""

    tz: str = TimeZone
    lead_days: int = Field(default=0, ge=0, le=365)
    lead_min: int = Field(
        default=15, ge=0, le=1440, description="a timed action is reminded this long before"
    )
    limit: int = Field(default=50, ge=1, le=200)


class Reminder(BaseModel):
    """One action to remind, marked reminded as it is taken (never twice)."""

    action_id: int
    capture_id: str
    text: str
    due: str
    due_time: str | None = Field(default=None, description="HH:MM in tz; null: all day")
    overdue: bool
    today: bool
    due_said: str = Field(default="", description='the day in French words: "lundi 1 juin"')
    at_said: str = Field(default="", description='" à 10h" for a timed action, else ""')


class BriefingItem(BaseModel):
    """An open action of the briefing."""

    text: str
    due: str


class BriefingOut(BaseModel):
    """The morning briefing's material: today's open actions and the overdue ones."""

    date: str
    today: list[BriefingItem]
    overdue: list[BriefingItem]


class WorkflowFailureIn(_Strict):
    """A failed n8n execution, as n8n's Error Trigger gives it."""

    workflow: dict[str, Any] = Field(description="{id, name}")
    execution: dict[str, Any] | None = Field(
        default=None, description="{id, url, mode, lastNodeExecuted, error: {message}}"
    )
    trigger: dict[str, Any] | None = Field(default=None, description="{error: {message}}")


class WorkflowFailureOut(BaseModel):
    """The audit line kept, and the notification's words."""

    audit_id: int
    title: str
    message: str
