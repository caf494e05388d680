"""Deterministic due dates: spoken phrases resolve to the right calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from solo_brain.classify.dates import find_due_phrase, resolve_due

# Fixed capture times, naive (already Europe/Paris), never the real clock.
WED = datetime(2026, 5, 13, 10, 0)
FRI = datetime(2026, 5, 15, 9, 0)
SAT = datetime(2026, 5, 16, 9, 0)
SUN = datetime(2026, 5, 17, 9, 0)
MON = datetime(2026, 5, 18, 9, 0)
DEC_20 = datetime(2026, 12, 20, 18, 0)

RELATIVE_DAYS = [
    ("aujourd'hui", WED, date(2026, 5, 13)),
    ("Aujourd’hui", WED, date(2026, 5, 13)),
    ("today", WED, date(2026, 5, 13)),
    ("ce soir", WED, date(2026, 5, 13)),
    ("Tonight", WED, date(2026, 5, 13)),
    ("demain", WED, date(2026, 5, 14)),
    ("Pour  DEMAIN soir", WED, date(2026, 5, 14)),
    ("tomorrow", WED, date(2026, 5, 14)),
    ("demain", datetime(2026, 12, 31, 12, 0), date(2027, 1, 1)),
    ("après-demain", WED, date(2026, 5, 15)),
    ("apres demain", WED, date(2026, 5, 15)),
    ("the day after tomorrow", WED, date(2026, 5, 15)),
]

WEEKDAYS = [
    ("vendredi", WED, date(2026, 5, 15)),
    ("d'ici vendredi", WED, date(2026, 5, 15)),
    ("by Friday", WED, date(2026, 5, 15)),
    ("on Monday", WED, date(2026, 5, 18)),
    ("jeudi", WED, date(2026, 5, 14)),
    ("dimanche", SAT, date(2026, 5, 17)),
    ("mercredi", WED, date(2026, 5, 20)),
    ("vendredi", FRI, date(2026, 5, 22)),
    ("ce vendredi", WED, date(2026, 5, 15)),
    ("this friday", FRI, date(2026, 5, 15)),
    ("ce vendredi", SAT, date(2026, 5, 22)),
    ("vendredi prochain", WED, date(2026, 5, 22)),
    ("vendredi prochain", MON, date(2026, 5, 29)),
    ("next Friday", MON, date(2026, 5, 29)),
    ("next friday", SAT, date(2026, 5, 22)),
    ("lundi prochain", SUN, date(2026, 5, 18)),
    ("vendredi de la semaine prochaine", WED, date(2026, 5, 22)),
    ("vendredi ou samedi", WED, date(2026, 5, 15)),
]

IN_N_UNITS = [
    ("dans 3 jours", WED, date(2026, 5, 16)),
    ("dans trois jours", WED, date(2026, 5, 16)),
    ("in 10 days", WED, date(2026, 5, 23)),
    ("in ten days", WED, date(2026, 5, 23)),
    ("dans vingt jours", WED, date(2026, 6, 2)),
    ("dans une semaine", WED, date(2026, 5, 20)),
    ("in a week", WED, date(2026, 5, 20)),
    ("dans 2 semaines", WED, date(2026, 5, 27)),
    ("dans huit jours", WED, date(2026, 5, 20)),
    ("dans quinze jours", WED, date(2026, 5, 27)),
    ("dans 15 jours", WED, date(2026, 5, 27)),
    ("in 15 days", WED, date(2026, 5, 28)),
    ("dans un mois", datetime(2026, 1, 31), date(2026, 2, 28)),
    ("dans un mois", datetime(2028, 1, 31), date(2028, 2, 29)),
    ("in 2 months", datetime(2026, 11, 15), date(2027, 1, 15)),
]

WEEKS_AND_MONTHS = [
    ("la semaine prochaine", WED, date(2026, 5, 18)),
    ("next week", SUN, date(2026, 5, 18)),
    ("ce week-end", WED, date(2026, 5, 16)),
    ("le weekend", FRI, date(2026, 5, 16)),
    ("this weekend", SUN, date(2026, 5, 17)),
    ("le week-end prochain", WED, date(2026, 5, 23)),
    ("fin de la semaine", WED, date(2026, 5, 15)),
    ("end of the week", SAT, date(2026, 5, 16)),
    ("fin du mois", WED, date(2026, 5, 31)),
    ("d'ici la fin du mois", datetime(2026, 2, 10), date(2026, 2, 28)),
    ("end of the month", datetime(2028, 2, 10), date(2028, 2, 29)),
    ("end of month", DEC_20, date(2026, 12, 31)),
    ("fin du mois prochain", WED, date(2026, 6, 30)),
    ("le mois prochain", WED, date(2026, 6, 1)),
    ("début du mois prochain", DEC_20, date(2027, 1, 1)),
    ("next month", WED, date(2026, 6, 1)),
    ("fin juin", WED, date(2026, 6, 30)),
    ("fin avril", WED, date(2027, 4, 30)),
    ("début juin", WED, date(2026, 6, 1)),
]

EXPLICIT_DATES = [
    ("le 17 mai", WED, date(2026, 5, 17)),
    ("avant le 17 mai", WED, date(2026, 5, 17)),
    ("17 mai", SUN, date(2026, 5, 17)),
    ("17 mai", MON, date(2027, 5, 17)),
    ("le 1er juin", WED, date(2026, 6, 1)),
    ("1er juin", WED, date(2026, 6, 1)),
    ("17 mai 2027", WED, date(2027, 5, 17)),
    ("mardi 19 mai", WED, date(2026, 5, 19)),
    ("10 janvier", DEC_20, date(2027, 1, 10)),
    ("3 février", WED, date(2027, 2, 3)),
    ("3 fevrier", WED, date(2027, 2, 3)),
    ("15 août", WED, date(2026, 8, 15)),
    ("15 aout", WED, date(2026, 8, 15)),
    ("25 décembre", WED, date(2026, 12, 25)),
    ("25 decembre", WED, date(2026, 12, 25)),
    ("5 janv.", WED, date(2027, 1, 5)),
    ("12 févr.", WED, date(2027, 2, 12)),
    ("3 sept.", WED, date(2026, 9, 3)),
    ("May 17", WED, date(2026, 5, 17)),
    ("17 May", WED, date(2026, 5, 17)),
    ("May 17th", WED, date(2026, 5, 17)),
    ("June 1st", WED, date(2026, 6, 1)),
    ("May 17, 2027", WED, date(2027, 5, 17)),
    ("the 17th of May", WED, date(2026, 5, 17)),
    ("Jan 5", WED, date(2027, 1, 5)),
    ("Feb 12", WED, date(2027, 2, 12)),
    ("Sept 3", WED, date(2026, 9, 3)),
    ("17/05", WED, date(2026, 5, 17)),
    ("17/05/2027", WED, date(2027, 5, 17)),
    ("17/05/27", WED, date(2027, 5, 17)),
    ("3/1", WED, date(2027, 1, 3)),
    ("17.05", WED, date(2026, 5, 17)),
    ("2026-05-17", WED, date(2026, 5, 17)),
]

LEAP_YEARS = [
    ("29 février", datetime(2027, 3, 1), date(2028, 2, 29)),
    ("29 février", datetime(2028, 3, 1), date(2032, 2, 29)),
    ("29/02", datetime(2028, 1, 10), date(2028, 2, 29)),
    ("29/02/2028", WED, date(2028, 2, 29)),
]


@pytest.mark.parametrize(
    ("phrase", "now", "expected"),
    RELATIVE_DAYS + WEEKDAYS + IN_N_UNITS + WEEKS_AND_MONTHS + EXPLICIT_DATES + LEAP_YEARS,
)
def test_phrase_resolves_to_date(phrase: str, now: datetime, expected: date) -> None:
    """A spoken due phrase resolves to the expected calendar day relative to the capture time."""
    assert resolve_due(phrase, now) == expected


@pytest.mark.parametrize(
    "phrase",
    ["31/04", "30 février", "29/02/2027", "31 juin 2026", "32/01", "2026-02-30", "17/13"],
)
def test_impossible_date_is_none(phrase: str) -> None:
    """A date that does not exist on the calendar resolves to None rather than a neighbour."""
    assert resolve_due(phrase, WED) is None


@pytest.mark.parametrize(
    "phrase",
    [None, "", "   ", "bientôt", "un jour", "asap", "quand tu peux", "dans 2 ans", "24/7", "3.5"],
)
def test_unknown_phrase_is_none(phrase: str | None) -> None:
    """A phrase that names no date resolves to None: the resolver never guesses."""
    assert resolve_due(phrase, WED) is None


@pytest.mark.parametrize(
    ("phrase", "now", "expected"),
    [
        ("aujourd'hui", datetime(2026, 5, 15, 23, 30, tzinfo=UTC), date(2026, 5, 16)),
        ("demain", datetime(2026, 5, 15, 23, 30, tzinfo=UTC), date(2026, 5, 17)),
        ("vendredi", datetime(2026, 5, 15, 23, 30, tzinfo=UTC), date(2026, 5, 22)),
        ("fin du mois", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 31)),
        ("demain", datetime(2026, 5, 15, 23, 30), date(2026, 5, 16)),
        (
            "aujourd'hui",
            datetime(2026, 5, 16, 1, 0, tzinfo=ZoneInfo("America/New_York")),
            date(2026, 5, 16),
        ),
    ],
)
def test_aware_now_is_converted_to_paris(phrase: str, now: datetime, expected: date) -> None:
    """An aware capture time is converted to Europe/Paris first; a naive one is taken as local."""
    assert resolve_due(phrase, now) == expected


def test_other_time_zone_is_honoured() -> None:
    """The user's time zone decides which day "today" is (02:00 UTC is still the 15th in NYC)."""
    now = datetime(2026, 5, 16, 2, 0, tzinfo=UTC)
    assert resolve_due("today", now, tz="America/New_York") == date(2026, 5, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rappelle-moi d'appeler Paul vendredi", "vendredi"),
        ("Appeler Marie après-demain matin", "après-demain"),
        ("ship the driver by Friday, then invoice", "Friday"),
        ("benchmark the NPU in 3 days", "in 3 days"),
        ("réunion mardi 19 mai à 14h", "mardi 19 mai"),
        ("demain ou vendredi, peu importe", "demain"),
        ("livrer la BSP d’ici la fin du mois", "la fin du mois"),
    ],
)
def test_find_due_phrase_returns_phrase_as_written(text: str, expected: str) -> None:
    """The first due phrase in free text comes back exactly as written, accents and case kept."""
    assert find_due_phrase(text) == expected


def test_find_due_phrase_finds_explicit_date() -> None:
    """A "before the 17th of May" action yields a phrase that contains the date."""
    phrase = find_due_phrase("benchmarker le NPU avant le 17 mai")
    assert phrase is not None
    assert "17 mai" in phrase


@pytest.mark.parametrize(
    "text",
    [
        "idée : un pipeline GStreamer pour le NPU",
        "pour la session orchestrator, ajoute un endpoint /health",
        "passer le firmware en version 2.05",
        "un support 24/7 pour le client",
        "",
    ],
)
def test_find_due_phrase_without_date_is_none(text: str) -> None:
    """Free text that names no due date yields None, even with numbers or slashes in it."""
    assert find_due_phrase(text) is None


def test_found_phrase_resolves() -> None:
    """A phrase found in free text resolves to the same day as the phrase itself."""
    phrase = find_due_phrase("Pense à relancer Acme d’ici vendredi prochain stp")
    assert phrase == "vendredi prochain"
    assert resolve_due(phrase, WED) == date(2026, 5, 22)
