"""Deterministic times of day: spoken clock times resolve to a day and a time, durations to none."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from solo_brain.classify.times import due_phrase_of, find_due_pieces, resolve_due_at

# A Wednesday, 10:30 in Paris (naive: already local), never the real clock.
WED = datetime(2026, 5, 13, 10, 30)
TODAY, TOMORROW, AFTER = date(2026, 5, 13), date(2026, 5, 14), date(2026, 5, 15)

TIMED = [
    ("demain à 10h", TOMORROW, time(10)),
    ("à 10h", TOMORROW, time(10)),
    ("10h30", TOMORROW, time(10, 30)),
    ("à 10h31", TODAY, time(10, 31)),
    ("à 14 h", TODAY, time(14)),
    ("à 14 heures 15", TODAY, time(14, 15)),
    ("9h du matin", TOMORROW, time(9)),
    ("8h du soir", TODAY, time(20)),
    ("3h de l'après-midi", TODAY, time(15)),
    ("ce soir à 8h", TODAY, time(20)),
    ("à 8h ce soir", TODAY, time(20)),
    ("demain après-midi à 3h", TOMORROW, time(15)),
    ("à midi", TODAY, time(12)),
    ("demain midi", TOMORROW, time(12)),
    ("à minuit", TOMORROW, time(0)),
    ("demain à minuit", AFTER, time(0)),
    ("18:45", TODAY, time(18, 45)),
    ("vers 16h", TODAY, time(16)),
    ("avant 18h", TODAY, time(18)),
    ("de 10h à 12h", TOMORROW, time(10)),
    ("entre 14h et 15h", TODAY, time(14)),
    ("at 3pm", TODAY, time(15)),
    ("tomorrow at 9 a.m.", TOMORROW, time(9)),
    ("at 12am", TOMORROW, time(0)),
    ("10:30 pm", TODAY, time(22, 30)),
    ("at noon", TODAY, time(12)),
    ("vendredi à 9h", AFTER, time(9)),
    ("le 20 mai à 17h", date(2026, 5, 20), time(17)),
    ("demain à 10h d'appeler Martin", TOMORROW, time(10)),
]


@pytest.mark.parametrize(("phrase", "day", "at"), TIMED)
def test_a_spoken_time_resolves_to_its_day_and_time(phrase: str, day: date, at: time) -> None:
    """A clock time gives the day named (or the next time it comes) and the time of day."""
    assert resolve_due_at(phrase, WED) == (day, at)


@pytest.mark.parametrize(
    "phrase",
    [
        "10h de travail",
        "les 35h",
        "3h de route",
        "1h30 de route",
        "à 2h de route",
        "10 heures of work",
        "15h du matin",
        "à 25h",
        "jusqu'à 18h",
        "après-midi",
        "en 3h",
        "24/7",
        "la version 10.30",
    ],
)
def test_durations_and_numbers_are_no_times(phrase: str) -> None:
    """Durations, counts and impossible hours name no time (a miss beats a wrong time)."""
    assert resolve_due_at(phrase, WED)[1] is None


def test_a_day_without_time_keeps_its_day_only() -> None:
    """« vendredi » is a day without a time; no phrase is nothing."""
    assert resolve_due_at("vendredi", WED) == (AFTER, None)
    assert resolve_due_at("", WED) == (None, None)
    assert resolve_due_at(None, WED) == (None, None)


def test_a_time_alone_counts_from_now_in_the_user_zone() -> None:
    """An aware capture time is taken in the zone: 22:30 UTC is 00:30 in Paris the next day."""
    late = datetime(2026, 5, 13, 22, 30, tzinfo=UTC)
    assert resolve_due_at("à 9h", late, "Europe/Paris") == (TOMORROW, time(9))
    assert resolve_due_at("à 9h", late, "UTC") == (TOMORROW, time(9))
    assert resolve_due_at("à 23h", late, "UTC") == (TODAY, time(23))


@pytest.mark.parametrize(
    ("text", "pieces", "phrase"),
    [
        ("Rappelle-moi demain à 10h d'appeler Martin", ["demain", "à 10h"], "demain à 10h"),
        ("Appeler Martin demain, à 10h", ["demain", "à 10h"], "demain, à 10h"),
        ("À 10h demain, appeler Paul", ["À 10h", "demain"], "À 10h demain"),
        ("Appeler Paul vendredi puis à 10h", ["vendredi", "à 10h"], "vendredi à 10h"),
        ("Appeler Paul à 15h", ["à 15h"], "à 15h"),
        ("Prévoir 10h de travail", [], None),
    ],
)
def test_the_due_pieces_are_found_as_written(
    text: str, pieces: list[str], phrase: str | None
) -> None:
    """The day and the time are found as written, in text order, and make one due phrase."""
    assert find_due_pieces(text) == pieces
    assert due_phrase_of(text, pieces) == phrase
