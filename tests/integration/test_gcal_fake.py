"""The Google Calendar fake refuses what Google refuses in an event's start and end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.gcal import CalendarState, create_calendar_app
from tests.fakes.server import serve

EVENTS = "/calendar/v3/calendars/solo%40example.com/events"
AUTH = {"Authorization": "Bearer google-access-token"}


@pytest.fixture
def calendar() -> Iterator[tuple[CalendarState, httpx.Client]]:
    """The fake on a loopback port, and a client with an accepted token."""
    state = CalendarState()
    with serve(create_calendar_app(state)) as url:
        with httpx.Client(base_url=url, headers=AUTH) as client:
            yield state, client


def _insert(client: httpx.Client, start: dict[str, Any], end: dict[str, Any]) -> httpx.Response:
    return client.post(EVENTS, json={"summary": "appeler Martin", "start": start, "end": end})


def test_timed_and_all_day_events_are_stored(calendar: tuple[CalendarState, httpx.Client]) -> None:
    """A dateTime with its zone at both ends, or a date at both ends, is an event."""
    state, client = calendar
    timed = _insert(client, {"dateTime": "2026-05-14T10:00:00", "timeZone": "Europe/Paris"},
                    {"dateTime": "2026-05-14T10:30:00", "timeZone": "Europe/Paris"})  # fmt: skip
    assert timed.status_code == 200, timed.text
    offset = _insert(client, {"dateTime": "2026-05-14T10:00:00+02:00"},
                     {"dateTime": "2026-05-14T10:30:00+02:00"})  # fmt: skip
    assert offset.status_code == 200, offset.text
    day = _insert(client, {"date": "2026-05-14"}, {"date": "2026-05-15"})
    assert day.status_code == 200, day.text
    listed = client.get(EVENTS, params={"timeMin": "2026-05-14T07:45:00Z",
                                        "timeMax": "2026-05-14T08:15:00Z"})  # fmt: skip
    # 10:00 in Paris is 08:00 UTC: both timed events and the all-day one overlap that window.
    assert len(listed.json()["items"]) == 3
    assert len(state.requests) == 3


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ({"date": "2026-05-14"}, {"dateTime": "2026-05-14T10:30:00", "timeZone": "Europe/Paris"},
         "both be date or both be dateTime"),
        ({"dateTime": "2026-05-14T10:00:00"}, {"dateTime": "2026-05-14T10:30:00"},
         "Missing time zone definition for start time"),
        ({"dateTime": "2026-05-14T10:00:00", "timeZone": "Mars/Olympus"},
         {"dateTime": "2026-05-14T10:30:00", "timeZone": "Europe/Paris"},
         "Invalid time zone definition for start time"),
        ({"dateTime": "2026-05-14T10:00:00", "timeZone": "Europe/Paris"}, {},
         "Missing end time"),
    ],
)  # fmt: skip
def test_what_google_refuses_is_a_400(
    calendar: tuple[CalendarState, httpx.Client],
    start: dict[str, Any],
    end: dict[str, Any],
    message: str,
) -> None:
    """Mixed kinds, a dateTime without zone or with an unknown one, a missing end: 400."""
    state, client = calendar
    refused = _insert(client, start, end)
    assert refused.status_code == 400
    assert message in refused.json()["error"]["message"]
    assert state.requests == []
