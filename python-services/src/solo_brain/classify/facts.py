"""The facts a question is answered from, as the model reads them and as the fallback says them.

n8n gathers them (`assistant.question_facts` in Postgres, the calendar events from Google
Calendar when it is configured) and posts them with the question to `POST /v1/answer`. Only
these facts reach the model (`fact_lines`); when the model cannot answer in time,
`fallback_speech` says them in one sentence, deterministically.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from solo_brain.classify.speech import MONTHS, WEEKDAYS, spoken_date, spoken_due
from solo_brain.settings import check_tz
from solo_brain.text import not_blank, shorten

# What is said aloud of each list before "et N autres".
SPOKEN_ITEMS = 3
MAX_FACTS = 50


class FactPeriod(BaseModel):
    """The days asked about, both included."""

    start: date
    end: date


class FactNamed(BaseModel):
    """A project or client the question is about."""

    id: str = Field(max_length=200)
    name: str = Field(max_length=200)


class FactAction(BaseModel):
    """An open action."""

    text: str = Field(max_length=2000)
    due: date | None = None
    due_time: time | None = None
    project: str | None = Field(default=None, max_length=200)
    client: str | None = Field(default=None, max_length=200)


class FactCapture(BaseModel):
    """A recent capture of the project or client."""

    summary: str = Field(max_length=2000)
    created_at: datetime


class EventTime(BaseModel):
    """Google Calendar's EventDateTime: `dateTime` for a timed event, `date` for all-day."""

    model_config = ConfigDict(populate_by_name=True)

    date_time: datetime | None = Field(default=None, alias="dateTime")
    day: date | None = Field(default=None, alias="date")


class FactEvent(BaseModel):
    """A calendar event as Google Calendar lists it (its other fields are ignored)."""

    summary: str = Field(default="sans titre", max_length=1000)
    start: EventTime
    end: EventTime | None = None
    location: str | None = Field(default=None, max_length=500)
    status: str | None = Field(default=None, max_length=40)


class Facts(BaseModel):
    """Everything the answer may use; nothing else is known."""

    today: date
    period: FactPeriod | None = None
    project: FactNamed | None = None
    client: FactNamed | None = None
    actions: list[FactAction] = Field(default_factory=list, max_length=MAX_FACTS)
    captures: list[FactCapture] = Field(default_factory=list, max_length=MAX_FACTS)
    events: list[FactEvent] = Field(default_factory=list, max_length=MAX_FACTS)


class AnswerRequest(BaseModel):
    """A question and the facts gathered for it."""

    model_config = ConfigDict(extra="forbid")

    question: Annotated[str, AfterValidator(not_blank)] = Field(min_length=1, max_length=2000)
    facts: Facts
    tz: str | None = Field(default=None, description="IANA zone of event times (SOLO_BRAIN_TZ)")

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str | None) -> str | None:
        return check_tz(value)


class AnswerResult(BaseModel):
    """The spoken answer, and who wrote it."""

    speech: str
    answered_by: str = Field(examples=["ollama:qwen3.6:35b", "facts"])


def live_events(facts: Facts) -> list[FactEvent]:
    """The events that still take place."""
    return [e for e in facts.events if e.status != "cancelled"]


def _day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _hour(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz)) if moment.tzinfo else moment
    return f"{local.hour}h{local.minute:02d}" if local.minute else f"{local.hour}h"


def _event_when(event: FactEvent, facts: Facts, tz: str) -> str:
    """When an event is, said aloud; the day is left out when the question asked about it."""
    one_day = (
        facts.period.start if facts.period and facts.period.start == facts.period.end else None
    )
    if event.start.date_time is not None:
        local = event.start.date_time
        local = local.astimezone(ZoneInfo(tz)) if local.tzinfo else local
        hour = f"à {_hour(local, tz)}"
        return (
            hour if local.date() == one_day else f"{spoken_date(local.date(), facts.today)} {hour}"
        )
    if event.start.day is not None:
        if event.start.day == one_day:
            return "toute la journée"
        return f"{spoken_date(event.start.day, facts.today)}, toute la journée"
    return "date inconnue"


def period_label(facts: Facts) -> str | None:
    """The period as said aloud: "demain", "du lundi 30 novembre au dimanche 6 décembre"."""
    if facts.period is None:
        return None
    start, end = facts.period.start, facts.period.end
    if start == end:
        return spoken_date(start, facts.today)
    return f"du {spoken_date(start, facts.today)} au {spoken_date(end, facts.today)}"


def fact_lines(facts: Facts, tz: str) -> list[str]:
    """The facts as the model reads them, one line each, with dates already written out."""
    lines = [f"Aujourd'hui : {_day(facts.today)}."]
    if facts.period is not None:
        start, end = _day(facts.period.start), _day(facts.period.end)
        lines.append(f"Période demandée : du {start} au {end}.")
    if facts.project is not None:
        lines.append(f"Projet demandé : {facts.project.name}.")
    if facts.client is not None:
        lines.append(f"Client demandé : {facts.client.name}.")
    events = live_events(facts)
    lines.append("Rendez-vous à l'agenda :" if events else "Rendez-vous à l'agenda : aucun.")
    for event in events:
        where = f" ({event.location})" if event.location else ""
        lines.append(f"- {_event_when(event, facts, tz)} : {event.summary}{where}")
    lines.append("Actions ouvertes :" if facts.actions else "Actions ouvertes : aucune.")
    for action in facts.actions:
        due = (
            f" (pour {spoken_due(action.due, action.due_time, facts.today)})" if action.due else ""
        )
        owner = ", ".join(x for x in (action.project, action.client) if x)
        lines.append(f"- {action.text}{due}{f' [{owner}]' if owner else ''}")
    if facts.captures:
        lines.append("Notes récentes :")
        for capture in facts.captures:
            when = spoken_date(capture.created_at.date(), facts.today)
            lines.append(f"- {when} : {capture.summary}")
    return lines


def _listed(items: list[str]) -> str:
    said = " ; ".join(items[:SPOKEN_ITEMS])
    more = len(items) - SPOKEN_ITEMS
    return f"{said} et {more} autre{'s' if more > 1 else ''}" if more > 0 else said


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def fallback_speech(facts: Facts, tz: str) -> str:
    """One French sentence that says the facts, for when the model cannot answer in time."""
    about = [x.name for x in (facts.project, facts.client) if x is not None]
    label = period_label(facts)
    subject = " et ".join([*about, *([label] if label else [])])
    opening = f"Pour {subject}" if subject else "En ce moment"
    events = live_events(facts)
    parts = []
    if events:
        said = [f"{_event_when(e, facts, tz)}, {e.summary}" for e in events]
        parts.append(f"{_count(len(events), 'rendez-vous', 'rendez-vous')} ({_listed(said)})")
    if facts.actions:
        said = [a.text for a in facts.actions]
        parts.append(f"{_count(len(facts.actions), 'action', 'actions')} ({_listed(said)})")
    if not parts:
        last = facts.captures[0].summary if facts.captures else None
        sentence = f"{opening}, rien de prévu : ni rendez-vous ni action ouverte."
        return sentence if last is None else f"{sentence} Dernière note : {shorten(last, 120)}."
    return f"{opening} : {' et '.join(parts)}."
