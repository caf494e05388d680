"""The scheduled workflows, fired by n8n's own Schedule Triggers (fast crons in tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from solo_brain.classify.speech import spoken_time
from tests.e2e.n8n.stack import Stack, wait_for
from tests.support.clock import clear_of_midnight

pytestmark = pytest.mark.n8n


def test_action_due_today_is_reminded_exactly_once(stack: Stack) -> None:
    """An open action due today gets one reminder (Gotify), never a second one."""
    clear_of_midnight()  # "today" for the capture and for the reminder
    stack.brain.when("comptable", answer={"category": "admin", "summary": "Comptable",
        "actions": [{"text": "Appeler le comptable", "due_phrase": "aujourd'hui"}]})  # fmt: skip
    response = stack.capture(text="Rappelle-moi d'appeler le comptable aujourd'hui")
    assert response.status_code == 200, response.text
    capture_id = response.json()["capture_id"]

    def reminders() -> list[dict]:
        return [m for m in stack.gotify.messages
                if m["title"] == "Rappel" and "Appeler le comptable" in m["message"]]  # fmt: skip

    (reminder,) = wait_for(reminders, timeout=30, what="the reminder")
    assert reminder["message"].startswith("Aujourd'hui")
    (action,) = stack.rows("SELECT * FROM assistant.actions WHERE capture_id = %s", capture_id)
    assert action["reminded_at"] is not None
    for run in range(2):  # two more runs of the reminders schedule: still one reminder
        probe = f"Sonde {run} {capture_id}"
        stack.rows(
            "INSERT INTO assistant.actions (capture_id, position, text, due) "
            "VALUES (%s, 9, %s, current_date - 1) RETURNING id",
            capture_id,
            probe,
        )
        wait_for(lambda p=probe: [m for m in stack.gotify.messages if p in m["message"]],
                 what="another run of the reminders schedule")  # fmt: skip
    assert len(reminders()) == 1


def test_a_timed_action_is_reminded_at_its_time_and_is_a_timed_event(stack: Stack) -> None:
    """« à 10h » said: reminded once within REMINDER_LEAD_MIN of 10:00 in the user's zone, the
    time in the message; a later time waits; the calendar event is 30 minutes at that time."""
    paris = ZoneInfo("Europe/Paris")
    soon = (datetime.now(paris) + timedelta(minutes=10)).replace(second=0, microsecond=0)
    later = soon + timedelta(minutes=50)
    said = [f"à {soon.hour}h{soon.minute:02d}", f"à {later.hour}h{later.minute:02d}"]
    stack.brain.when("notaire", answer={"category": "admin", "summary": "Notaire", "actions": [
        {"text": "Appeler le notaire", "due_phrase": said[0]},
        {"text": "Signer chez le notaire", "due_phrase": said[1]}]})  # fmt: skip
    response = stack.capture(text=f"Rappelle-moi {said[0]} d'appeler le notaire")
    assert response.status_code == 200, response.text
    capture_id = response.json()["capture_id"]
    assert [a["due_time"] for a in response.json()["actions"]] == [
        f"{soon:%H:%M}", f"{later:%H:%M}"]  # fmt: skip

    def reminded(text: str) -> list[dict]:
        return [m for m in stack.gotify.messages
                if m["title"] == "Rappel" and text in m["message"]]  # fmt: skip

    (reminder,) = wait_for(lambda: reminded("Appeler le notaire"), timeout=30, what="it")
    assert f" à {spoken_time(soon.time())} : Appeler le notaire" in reminder["message"]

    def events() -> list[dict]:
        found = stack.events_of(capture_id)
        return found if len(found) == 2 else []

    event, other = sorted(wait_for(events, 60, "the events"), key=lambda e: str(e["start"]))
    assert (event["start"], event["end"]) == (
        {"dateTime": f"{soon:%Y-%m-%dT%H:%M:%S}", "timeZone": "Europe/Paris"},
        {"dateTime": f"{soon + timedelta(minutes=30):%Y-%m-%dT%H:%M:%S}",
         "timeZone": "Europe/Paris"})  # fmt: skip
    assert other["start"]["dateTime"] == f"{later:%Y-%m-%dT%H:%M:%S}"
    for run in range(2):  # two more runs of the reminders schedule: the later one still waits
        probe = f"Sonde horaire {run} {capture_id}"
        stack.rows("INSERT INTO assistant.actions (capture_id, position, text, due) "
                   "VALUES (%s, 9, %s, current_date - 1) RETURNING id",
                   capture_id, probe)  # fmt: skip
        wait_for(lambda p=probe: reminded(p), what="another run of the reminders schedule")
    assert reminded("Signer chez le notaire") == []
    assert len(reminded("Appeler le notaire")) == 1


def test_briefing_fires_and_delivers_spoken_audio(stack: Stack) -> None:
    """The morning briefing runs on its schedule and sends a French summary with its audio."""
    since = datetime.now(UTC)

    def briefings() -> list[dict]:
        return [m for m in stack.gotify.messages if m["title"] == "Briefing du matin"
                and datetime.fromisoformat(m["date"]) > since]  # fmt: skip

    briefing = wait_for(briefings, timeout=40, what="a briefing")[0]
    text, _, link = briefing["message"].partition("\n🔊 ")
    assert text.startswith("Bonjour") and "aujourd'hui" in text
    assert briefing["extras"]["client::notification"]["click"]["url"] == link
    audio = httpx.get(link)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert len(audio.content) > 1000
