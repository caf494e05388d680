"""The confirmation read aloud is short French, with dates said relative to the capture day."""

from __future__ import annotations

from datetime import date, time

import pytest

from solo_brain.classify.speech import (
    KEPT,
    LONG_NOTE,
    NOTHING_HEARD,
    ON_IT,
    REFUSED,
    Delivered,
    SpokenAction,
    build_speech,
    outcome_speech,
    spoken_date,
    spoken_time,
)

WEDNESDAY = date(2026, 5, 13)

SPOKEN = [
    (date(2026, 5, 13), "aujourd'hui"),
    (date(2026, 5, 14), "demain"),
    (date(2026, 5, 15), "après-demain"),
    (date(2026, 5, 16), "samedi"),
    (date(2026, 5, 19), "mardi"),
    (date(2026, 5, 20), "mercredi 20 mai"),
    (date(2026, 5, 22), "vendredi 22 mai"),
    (date(2026, 6, 1), "le 1er juin"),
    (date(2026, 8, 15), "le 15 août"),
    (date(2027, 1, 10), "le 10 janvier"),
    (date(2027, 6, 10), "le 10 juin 2027"),
    (date(2026, 5, 1), "le 1er mai"),
    (date(2025, 12, 24), "le 24 décembre 2025"),
]


@pytest.mark.parametrize(("day", "said"), SPOKEN)
def test_dates_are_said_the_way_a_person_would(day: date, said: str) -> None:
    """Near days by name, the next fortnight with weekday and date, later ones as "le 17 juin"."""
    assert spoken_date(day, WEDNESDAY) == said


def _speech(**overrides: object) -> str:
    values: dict[str, object] = {
        "category": "idee_rd",
        "project_name": None,
        "client_name": None,
        "dues": [],
        "session_hint": None,
        "today": WEDNESDAY,
        "needs_review": False,
    }
    values.update(overrides)
    return build_speech(**values)  # type: ignore[arg-type]


def test_project_and_dated_action_are_both_said() -> None:
    """The category, the project's name and the action's day all reach the listener."""
    said = _speech(project_name="IMX8MP vision", dues=[date(2026, 5, 22)])
    assert said == (
        "Capté, idée R&D rangée dans le projet IMX8MP vision, action notée pour vendredi 22 mai."
    )


def test_several_actions_name_the_earliest_due_day() -> None:
    """With several actions the count is said, and the earliest due day as "la première"."""
    said = _speech(category="todo", dues=[None, date(2026, 5, 20), date(2026, 5, 14)])
    assert said == "Capté, tâche notée, 3 actions notées, la première pour demain."


def test_a_single_todo_is_said_in_one_breath() -> None:
    """One todo with no project reads "tâche notée pour demain", not two clauses."""
    assert _speech(category="todo", dues=[date(2026, 5, 14)]) == "Capté, tâche notée pour demain."


@pytest.mark.parametrize(
    ("at", "said"),
    [(time(10), "10h"), (time(10, 30), "10h30"), (time(9, 5), "9h05"), (time(12), "midi"),
     (time(0), "minuit"), (time(12, 15), "12h15"), (time(0, 30), "0h30")],
)  # fmt: skip
def test_times_are_said_the_french_way(at: time, said: str) -> None:
    """A time of day reads "10h", "10h30", "midi" or "minuit", as a French speaker says it."""
    assert spoken_time(at) == said


def test_a_timed_action_says_its_time() -> None:
    """« Rappelle-moi demain à 10h… » is confirmed as "action notée pour demain à 10h"."""
    said = _speech(project_name="Vision", dues=[date(2026, 5, 14)], due_times=[time(10)])
    assert said == "Capté, idée R&D rangée dans le projet Vision, action notée pour demain à 10h."
    todo = _speech(category="todo", dues=[date(2026, 5, 14)], due_times=[time(12)])
    assert todo == "Capté, tâche notée pour demain à midi."


def test_the_first_action_of_a_day_is_the_earliest_timed_after_the_whole_day() -> None:
    """The soonest due is said: a day before its times, an earlier time before a later one."""
    day = date(2026, 5, 14)
    said = _speech(category="todo", dues=[day, day], due_times=[time(15), time(9, 30)])
    assert said == "Capté, tâche notée, 2 actions notées, la première pour demain à 9h30."
    whole = _speech(category="todo", dues=[day, day], due_times=[time(9)])
    assert whole == "Capté, tâche notée, 2 actions notées, la première pour demain."


def test_client_without_project_is_named() -> None:
    """A note for a client with no project says the client's name."""
    said = _speech(category="client", client_name="Acme Industries", dues=[None])
    assert said == "Capté, note client rangée pour le client Acme Industries, action notée."


def test_claude_code_prompt_names_the_session() -> None:
    """A Claude Code instruction is confirmed by naming its session only."""
    assert _speech(session_hint="orchestrator") == "Prompt pour la session orchestrator noté."


def test_a_result_to_review_says_so() -> None:
    """A heuristic or repaired result asks the user to check the filing."""
    assert _speech(category="admin", needs_review=True) == (
        "Capté, note administrative notée. Classement à vérifier."
    )


def test_a_long_note_says_it_was_classified_from_its_beginning() -> None:
    """A note over what the classifier reads is said to be classified from its beginning, kept
    whole, before the request to check it; the outcome sentence says it the same way."""
    assert _speech(category="note_tech", needs_review=True, long_note=True) == (
        f"Capté, note technique notée. {LONG_NOTE} Classement à vérifier."
    )
    filed = _outcome(category="note_tech", actions=[], deliveries=[], needs_review=True,
                     long_note=True)  # fmt: skip
    assert filed == f"Capté, note technique notée. {LONG_NOTE} Classement à vérifier."
    assert LONG_NOTE not in _outcome(status="pending_classification", long_note=True)


def _outcome(**overrides: object) -> str:
    values: dict[str, object] = {
        "status": "filed",
        "deferred": False,
        "category": "todo",
        "project_name": None,
        "client_name": None,
        "actions": [SpokenAction(7, date(2026, 5, 14))],
        "session_hint": None,
        "today": WEDNESDAY,
        "needs_review": False,
        "deliveries": [Delivered("calendar_event", "pending", 7)],
    }
    values.update(overrides)
    return outcome_speech(**values)  # type: ignore[arg-type]


def test_the_calendar_is_promised_only_once_the_event_exists() -> None:
    """A pending or skipped event: "notée"; a done one: "ajoutée à l'agenda"."""
    assert _outcome() == "Capté, tâche notée pour demain."
    skipped = [Delivered("calendar_event", "skipped", 7)]
    assert _outcome(deliveries=skipped) == "Capté, tâche notée pour demain."
    done = [Delivered("calendar_event", "done", 7)]
    assert _outcome(deliveries=done) == "Capté, tâche ajoutée à l'agenda pour demain."
    other = [Delivered("calendar_event", "done", 8)]
    assert _outcome(deliveries=other) == "Capté, tâche notée pour demain."
    timed = [SpokenAction(7, date(2026, 5, 14), time(18, 45))]
    assert _outcome(actions=timed, deliveries=done) == (
        "Capté, tâche ajoutée à l'agenda pour demain à 18h45."
    )


def test_several_actions_are_in_the_calendar_only_when_all_are() -> None:
    """Two dated actions with both events made: "2 actions ajoutées à l'agenda"."""
    actions = [SpokenAction(1, date(2026, 5, 20)), SpokenAction(2, date(2026, 5, 14))]
    both = [Delivered("calendar_event", "done", 1), Delivered("calendar_event", "done", 2)]
    assert _outcome(category="admin", actions=actions, deliveries=both) == (
        "Capté, note administrative notée, 2 actions ajoutées à l'agenda, la première pour demain."
    )
    assert "2 actions notées" in _outcome(category="admin", actions=actions, deliveries=both[:1])


def test_a_capture_not_filed_yet_says_where_it_waits() -> None:
    """On its way before the outcome, or kept in the inbox by what is missing."""
    assert _outcome(deferred=True) == ON_IT
    assert _outcome(status="pending_transcription", category=None) == KEPT["pending_transcription"]
    assert _outcome(status="failed", category=None).startswith("Capture gardée dans l'inbox")


def test_a_capture_refused_for_its_input_says_why() -> None:
    """A voice note without words says nothing was heard; refused content asks for a fix."""
    silent = _outcome(status="failed", category=None, refused="nothing_heard")
    assert silent == NOTHING_HEARD
    assert _outcome(status="failed", category=None, refused="content") == REFUSED


@pytest.mark.parametrize(
    ("state", "said"),
    [
        ("pending", "Prompt pour la session api noté."),
        ("done", "Prompt envoyé à la session api."),
        ("failed", "Prompt pour la session api gardé dans l'inbox : il n'a pas pu être envoyé."),
        ("skipped", "Prompt pour la session api gardé dans l'inbox : le hub n'est pas configuré."),
    ],
)
def test_a_prompt_is_said_as_far_as_it_got(state: str, said: str) -> None:
    """A Claude Code prompt is noted, sent, or kept in the inbox with the reason."""
    assert _outcome(session_hint="api", deliveries=[Delivered("cc_prompt", state)]) == said
