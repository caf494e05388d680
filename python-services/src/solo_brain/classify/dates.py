"""Deterministic due dates: turn a spoken phrase ("vendredi", "dans 3 jours") into a date.

The classify service asks the LLM for the phrase that was *spoken*, never for a date: models do
calendar arithmetic badly and do not know "now". This module does the arithmetic in the user's
time zone with a small table of (regex, handler) rules, tried against folded text
(`solo_brain.text.fold_chars`: lowercase, accents stripped, single spaces). A phrase no rule
knows resolves to None: never guess.

Conventions a listener could dispute, chosen once here:

- A bare weekday ("vendredi", "by friday") is the next such day strictly after today: said on a
  Friday it is next week's Friday, since nobody says "vendredi" to mean today.
- "ce vendredi" / "this friday" counts today: said on a Friday it is today.
- "vendredi prochain" / "next friday" is that weekday in the following ISO (Monday-based) week:
  said on a Monday it is 11 days away, said on a Saturday 6 days away.
- "le week-end" is the coming Saturday, or today when said during a weekend.
- "fin de la semaine" is this week's Friday, or today when said during a weekend.
- "dans N mois" clamps to the month's last day (31 janvier + 1 mois = last day of février).
- French counts days inclusively: "dans 8 jours" is one week, "dans 15 jours" two weeks.
- A day and month without a year is their next occurrence, today included (10 janvier said on
  20 December is next year's). "29 février" is the next 29 February that exists: said on
  2027-03-01 it is 2028-02-29. An impossible date ("31/04", "30 février", "29/02/2027") is None.
  "fin juin" / "début juin" follow the same next-occurrence rule.
- Two-digit years are 20yy. An explicit year in the past is kept: the speaker said it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from solo_brain.settings import DEFAULT_TZ
from solo_brain.text import fold_chars

_Handler = Callable[[re.Match[str], date], date | None]

_WEEKDAYS = {
    name: index % 7
    for index, name in enumerate(
        "lundi mardi mercredi jeudi vendredi samedi dimanche "
        "monday tuesday wednesday thursday friday saturday sunday".split()
    )
}

# Spellings of each month after normalisation, abbreviations included ("févr." -> "fevr").
_MONTH_SPELLINGS = (
    "janvier janv january jan",
    "fevrier fevr fev february feb",
    "mars march mar",
    "avril avr april apr",
    "mai may",
    "juin june jun",
    "juillet juil july jul",
    "aout august aug",
    "septembre sept september sep",
    "octobre october oct",
    "novembre november nov",
    "decembre december dec",
)
_MONTHS = {
    name: index + 1 for index, names in enumerate(_MONTH_SPELLINGS) for name in names.split()
}

# Entry i spells the number i + 1; "a" and "an" make "in a week" mean one week.
_SMALL_NUMBERS = (
    "un une one a an|deux two|trois three|quatre four|cinq five|six|sept seven|huit eight"
    "|neuf nine|dix ten|onze eleven|douze twelve"
).split("|")
_NUMBERS = {word: i + 1 for i, words in enumerate(_SMALL_NUMBERS) for word in words.split()}
_NUMBERS |= {"quinze": 15, "fifteen": 15, "vingt": 20, "twenty": 20, "trente": 30, "thirty": 30}


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "septembre" is preferred to "sept" at the same position.
    return "|".join(sorted(words, key=len, reverse=True))


_WD = rf"(?P<wd>{_alternation(_WEEKDAYS)})"
_ANY_WD = rf"(?:{_alternation(_WEEKDAYS)})"
_MONTH = rf"(?P<month>{_alternation(_MONTHS)})\b\.?"
_DAY = r"(?P<day>[0-3]?\d|premier)(?:er|st|nd|rd|th)?"
_YEAR = r"(?:,? (?P<year>\d{4}))?"
_N = rf"(?P<n>\d{{1,3}}|{_alternation(_NUMBERS)})"
_WEEKEND = r"week-? ?end"


def _add_months(day: date, months: int) -> date:
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _coming_weekday(match: re.Match[str], today: date) -> date:
    return today + timedelta(days=(_WEEKDAYS[match["wd"]] - today.weekday() - 1) % 7 + 1)


def _this_weekday(match: re.Match[str], today: date) -> date:
    return today + timedelta(days=(_WEEKDAYS[match["wd"]] - today.weekday()) % 7)


def _next_week_weekday(match: re.Match[str], today: date) -> date:
    return _next_monday(today) + timedelta(days=_WEEKDAYS[match["wd"]])


def _in_n_units(match: re.Match[str], today: date) -> date:
    word, unit = match["n"], match["unit"]
    count = int(word) if word.isdigit() else _NUMBERS[word]
    if unit.startswith("jour"):
        # "dans huit jours" is a week and "dans quinze jours" two: French counts today too.
        return today + timedelta(days=count - 1 if count in (8, 15) else count)
    if unit.startswith("day"):
        return today + timedelta(days=count)
    if unit.startswith(("semaine", "week")):
        return today + timedelta(weeks=count)
    return _add_months(today, count)


def _calendar_date(day: int, month: int, year: int | None, today: date) -> date | None:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    # Eight years always contain the next 29 February (2096 -> 2104 skips 2100).
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _explicit_date(match: re.Match[str], today: date) -> date | None:
    day, month, year = match["day"], match["month"], match["year"]
    return _calendar_date(
        1 if day == "premier" else int(day),
        int(month) if month.isdigit() else _MONTHS[month],
        None if year is None else int(year) + (2000 if len(year) == 2 else 0),
        today,
    )


def _named_month_end(match: re.Match[str], today: date) -> date:
    month = _MONTHS[match["month"]]
    return _month_end(date(today.year + (month < today.month), month, 1))


def _named_month_start(match: re.Match[str], today: date) -> date | None:
    return _calendar_date(1, _MONTHS[match["month"]], None, today)


def _end_of_week(match: re.Match[str], today: date) -> date:
    return today + timedelta(days=max(0, 4 - today.weekday()))


def _weekend(match: re.Match[str], today: date) -> date:
    return today + timedelta(days=max(0, 5 - today.weekday()))


# At one position the longest match wins, so "vendredi prochain" beats "vendredi" and
# "mardi 17 mai" beats "mardi"; the order below only breaks exact ties.
_RULES: list[tuple[str, _Handler]] = [
    (
        r"aujourd'? ?hui|today|ce soir|ce matin|cet apres-? ?midi|tonight"
        r"|this (?:morning|afternoon|evening)",
        lambda match, today: today,
    ),
    (r"demain|tomorrow", lambda match, today: today + timedelta(days=1)),
    (
        r"apres-? ?demain|(?:the )?day after tomorrow",
        lambda match, today: today + timedelta(days=2),
    ),
    (_WD, _coming_weekday),
    (rf"(?:ce|this(?: coming)?) {_WD}", _this_weekday),
    (rf"{_WD} (?:prochain|next week|de la semaine prochaine)", _next_week_weekday),
    (rf"next {_WD}", _next_week_weekday),
    (
        rf"(?:dans|d'ici|sous|in|within) {_N} (?P<unit>jours?|semaines?|mois|days?|weeks?|months?)",
        _in_n_units,
    ),
    (r"(?:la )?semaine prochaine|next week", lambda match, today: _next_monday(today)),
    (r"(?:la )?fin de (?:la |cette )?semaine|(?:the )?end of (?:the |this )?week", _end_of_week),
    (
        r"(?:la )?fin de (?:la )?semaine prochaine|(?:the )?end of next week",
        lambda match, today: _next_monday(today) + timedelta(days=4),
    ),
    (rf"(?:le |ce |this |the )?{_WEEKEND}", _weekend),
    (
        rf"(?:le )?{_WEEKEND} prochain|next {_WEEKEND}",
        lambda match, today: _next_monday(today) + timedelta(days=5),
    ),
    (
        r"(?:la )?fin (?:du|de|de ce) mois|(?:the )?end of (?:the |this )?month|month-? ?end",
        lambda match, today: _month_end(today),
    ),
    (
        r"(?:la )?fin (?:du|de) mois prochain|(?:the )?end of next month",
        lambda match, today: _month_end(_add_months(today.replace(day=1), 1)),
    ),
    (
        r"(?:debut (?:du |de )?)?(?:le )?mois prochain"
        r"|(?:early |(?:the )?(?:beginning|start) of )?next month",
        lambda match, today: _add_months(today.replace(day=1), 1),
    ),
    (rf"(?:fin (?:d'|de )?|(?:the )?end of ){_MONTH}", _named_month_end),
    (rf"(?:debut (?:d'|de )?|early |(?:the )?(?:beginning|start) of ){_MONTH}", _named_month_start),
    (rf"(?:(?:le )?{_ANY_WD},? )?(?:le |the )?{_DAY}(?: of)? {_MONTH}{_YEAR}", _explicit_date),
    (rf"(?:{_ANY_WD},? )?{_MONTH} (?:the )?{_DAY}{_YEAR}", _explicit_date),
    # "24/7" is a figure of speech, not the 24th of July.
    (
        r"(?<![/.])(?!24/7\b)(?P<day>[0-3]?\d)/(?P<month>[01]?\d)(?:/(?P<year>\d{4}|\d{2}))?(?![/.]\d)",
        _explicit_date,
    ),
    # Dotted dates need two-digit day and month so that decimals ("3.5", "2.05") stay numbers.
    (
        r"(?<![/.])(?P<day>[0-3]\d)\.(?P<month>[01]\d)(?:\.(?P<year>\d{4}|\d{2}))?(?![/.]\d)",
        _explicit_date,
    ),
    (r"(?P<year>\d{4})-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)", _explicit_date),
]
_COMPILED_RULES = [(re.compile(rf"\b(?:{pattern})\b"), handler) for pattern, handler in _RULES]


def _first_rule_match(normalised: str) -> tuple[re.Match[str], _Handler] | None:
    best: tuple[re.Match[str], _Handler] | None = None
    for pattern, handler in _COMPILED_RULES:
        match = pattern.search(normalised)
        if match is None:
            continue
        if best is None or (match.start(), -match.end()) < (best[0].start(), -best[0].end()):
            best = (match, handler)
    return best


def local_today(now: datetime, tz: str) -> date:
    """The calendar day of `now` in `tz`; a naive `now` is taken as already local."""
    # An aware `now` is converted, so 23:30 UTC in May is already the next day in Paris.
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(ZoneInfo(tz)).date()


def resolve_due(phrase: str | None, now: datetime, tz: str = DEFAULT_TZ) -> date | None:
    """Resolve a spoken due phrase to a calendar date in `tz`, or None when it names no date.

    The first date expression in the phrase decides ("pour demain soir" is tomorrow); a phrase
    with no known expression, or naming an impossible date, resolves to None.
    """
    if not phrase:
        return None
    found = _first_rule_match(fold_chars(phrase)[0])
    if found is None:
        return None
    match, handler = found
    return handler(match, local_today(now, tz))


def find_due_phrase(text: str) -> str | None:
    """Return the first due-date phrase found inside free text, or None.

    Used by the heuristic classifier. The phrase is returned as written in `text` (accents and
    case kept), ready for resolve_due.
    """
    normalised, sources = fold_chars(text)
    found = _first_rule_match(normalised)
    if found is None:
        return None
    match = found[0]
    return text[sources[match.start()] : sources[match.end() - 1] + 1]
