"""A fake Google Calendar API v3 (events insert, delete and list), as googleapis.com speaks it.

    POST   /calendar/v3/calendars/{calendarId}/events            Event resource -> stored Event
    DELETE /calendar/v3/calendars/{calendarId}/events/{eventId}  -> 204 (410 once deleted, 404
                                                                    for an unknown id)
    GET    /calendar/v3/calendars/{calendarId}/events            ?timeMin&timeMax&q&singleEvents&
                                                                  orderBy -> {kind, items: [...]}
                                                                  (q: every word in the summary,
                                                                  description or location)

A Bearer access token is required (401 with Google's error body otherwise). An event needs
`start` and `end`, each with `date` (all-day) or `dateTime`, the same kind at both ends (400
otherwise); a `dateTime` without an offset needs a `timeZone`, which must be an IANA zone (400
"Missing time zone definition for start time." / "Invalid time zone definition ...").
A client-chosen `id` must be base32hex (`[a-v0-9]`, 5 to 1024 characters; 400 otherwise) and
new: an id already used, even by a deleted event, is a 409 "The requested identifier already
exists.". Errors use Google's shape
`{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}`.

Knobs on `CalendarState`: `latency_s`, `fail_with` (HTTP status of every answer),
`insert_failures` (statuses answered to the next inserts, one each: `[503, 503]` fails twice,
then inserts work), `insert_failures_of` (the same for the inserts whose description names a
key, a capture's id: other captures' inserts, which a schedule may send at any time, go
through).
`events` keeps the live events per calendar, `deleted` the ids deleted, `requests` every insert
body in order.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


@dataclass
class CalendarState:
    """Accepted tokens, failure knobs, the events of each calendar and the insert requests."""

    tokens: set[str] = field(default_factory=lambda: {"google-access-token"})
    latency_s: float = 0.0
    fail_with: int | None = None
    insert_failures: list[int] = field(default_factory=list)
    insert_failures_of: dict[str, list[int]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    requests: list[dict[str, Any]] = field(default_factory=list)


EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")


def _error(code: int, message: str, reason: str, status: str) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "status": status,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
        }
    }
    return JSONResponse(body, status_code=code)  # fmt: skip


def _zone(value: dict[str, Any]) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(value["timeZone"])) if value.get("timeZone") else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _moment(value: Any) -> datetime | None:
    """The instant an EventDateTime names (all-day dates count from midnight UTC; a dateTime
    without offset is in its timeZone)."""
    if not isinstance(value, dict):
        return None
    try:
        if value.get("dateTime"):
            moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=_zone(value) or UTC)
        if value.get("date"):
            day = date.fromisoformat(str(value["date"]))
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
    except ValueError:
        return None
    return None


def _span_error(body: dict[str, Any]) -> JSONResponse | None:
    """What Google refuses in an event's start and end, checked before their instants."""
    ends = {"start": body.get("start"), "end": body.get("end")}
    kinds = set()
    for name, value in ends.items():
        if not isinstance(value, dict) or not (value.get("date") or value.get("dateTime")):
            return _error(400, f"Missing {name} time.", "required", "INVALID_ARGUMENT")
        kinds.add("dateTime" if value.get("dateTime") else "date")
        if value.get("timeZone") and _zone(value) is None:
            return _error(400, f"Invalid time zone definition for {name} time.",
                          "invalid", "INVALID_ARGUMENT")  # fmt: skip
        if value.get("dateTime") and not value.get("timeZone"):
            try:
                naive = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
            except ValueError:
                continue
            if naive.tzinfo is None:
                return _error(400, f"Missing time zone definition for {name} time.",
                              "required", "INVALID_ARGUMENT")  # fmt: skip
    if len(kinds) > 1:
        return _error(400, "Start and end times must either both be date or both be dateTime.",
                      "invalid", "INVALID_ARGUMENT")  # fmt: skip
    return None


def _searchable(event: dict[str, Any]) -> str:
    """The text Google's free-text search `q` looks in, lowercased."""
    return " ".join(str(event.get(k) or "") for k in ("summary", "description", "location")).lower()


def create_calendar_app(state: CalendarState) -> FastAPI:
    """The fake Google Calendar answering from `state`."""
    app = FastAPI(title="fake google calendar")

    async def guard(request: Request) -> JSONResponse | None:
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.fail_with:
            return _error(state.fail_with, "Backend Error", "backendError", "UNAVAILABLE")
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in state.tokens:
            return _error(401, "Request had invalid authentication credentials.",
                          "authError", "UNAUTHENTICATED")  # fmt: skip
        return None

    @app.post("/calendar/v3/calendars/{calendar_id}/events")
    async def insert(calendar_id: str, request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        if state.insert_failures:
            status = state.insert_failures.pop(0)
            return _error(status, "Backend Error", "backendError", "UNAVAILABLE")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Parse Error", "parseError", "INVALID_ARGUMENT")
        if not isinstance(body, dict):
            return _error(400, "Invalid value", "invalid", "INVALID_ARGUMENT")
        if refused := _span_error(body):
            return refused
        described = str(body.get("description") or "")
        for key, statuses in state.insert_failures_of.items():
            if statuses and key in described:
                return _error(statuses.pop(0), "Backend Error", "backendError", "UNAVAILABLE")
        start, end = _moment(body.get("start")), _moment(body.get("end"))
        if start is None:
            return _error(400, "Missing start time.", "required", "INVALID_ARGUMENT")
        if end is None:
            return _error(400, "Missing end time.", "required", "INVALID_ARGUMENT")
        if end < start:
            return _error(400, "The specified time range is empty.", "timeRangeEmpty",
                          "INVALID_ARGUMENT")  # fmt: skip
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        event_id = body.get("id") or secrets.token_hex(13)
        if not isinstance(event_id, str) or not EVENT_ID.match(event_id):
            return _error(400, "Invalid resource id value.", "invalid", "INVALID_ARGUMENT")
        used = {e["id"] for events in state.events.values() for e in events} | state.deleted
        if event_id in used:
            return _error(409, "The requested identifier already exists.", "duplicate",
                          "ALREADY_EXISTS")  # fmt: skip
        event = {
            "kind": "calendar#event", "etag": f'"{secrets.randbelow(10**16)}"', "id": event_id,
            "status": "confirmed", "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": now, "updated": now, "summary": body.get("summary"),
            "description": body.get("description"),
            "creator": {"email": "solo@example.com", "self": True},
            "organizer": {"email": calendar_id, "self": True},
            "start": body["start"], "end": body["end"], "iCalUID": f"{event_id}@google.com",
            "sequence": 0, "reminders": body.get("reminders") or {"useDefault": True},
            "eventType": "default",
        }  # fmt: skip
        state.requests.append({"calendar_id": calendar_id, "body": body})
        state.events.setdefault(calendar_id, []).append(event)
        return JSONResponse({k: v for k, v in event.items() if v is not None})

    @app.delete("/calendar/v3/calendars/{calendar_id}/events/{event_id}", response_model=None)
    async def delete(calendar_id: str, event_id: str, request: Request) -> JSONResponse | Response:
        if refused := await guard(request):
            return refused
        if event_id in state.deleted:
            return _error(410, "Resource has been deleted", "deleted", "GONE")
        events = state.events.get(calendar_id, [])
        found = [e for e in events if e["id"] == event_id]
        if not found:
            return _error(404, "Not Found", "notFound", "NOT_FOUND")
        events.remove(found[0])
        state.deleted.add(event_id)
        return Response(status_code=204)

    @app.get("/calendar/v3/calendars/{calendar_id}/events")
    async def list_events(calendar_id: str, request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        low = _moment({"dateTime": request.query_params.get("timeMin")})
        high = _moment({"dateTime": request.query_params.get("timeMax")})
        items = [
            e for e in state.events.get(calendar_id, [])
            if (low is None or (_moment(e["end"]) or low) > low)
            and (high is None or (_moment(e["start"]) or high) < high)
        ]  # fmt: skip
        if words := str(request.query_params.get("q") or "").lower().split():
            items = [e for e in items if all(w in _searchable(e) for w in words)]
        if request.query_params.get("orderBy") == "startTime":
            items.sort(key=lambda e: _moment(e["start"]) or datetime.min.replace(tzinfo=UTC))
        return JSONResponse({"kind": "calendar#events", "summary": calendar_id,
                             "timeZone": "Europe/Paris", "items": items})  # fmt: skip

    return app
