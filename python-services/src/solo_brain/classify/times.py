"""Deterministic times of day: « à 10h », « 18:45 », « at 3pm » in a spoken due phrase.

Like `dates`, this works on folded text (`solo_brain.text.fold_chars`) and never guesses: a
phrase whose time is not clearly a clock time has no time (a miss is better than a wrong time).
A due phrase resolves to a day and an optional time with `resolve_due_at`.

Conventions a listener could dispute, chosen once here:

- A number of hours is a time only with a sign that it is one: a preposition (« à 10h »,
  « vers 16h », « avant 18h », « at 3pm »), minutes (« 10h30 », « 18:45 »), a part of the day
  (« 9h du matin », « 8h du soir ») or am/pm. « les 35h » is none of these: no time.
- Followed by « de » / « d' » / « of » and a noun, it is a duration (« 10h de travail »,
  « 1h30 de route », « à 2h de route »): no time. Followed by an infinitive (« à 10h d'appeler
  Martin »), it is a time.
- « du soir », « de l'après-midi », pm, and a day phrase of the evening (« ce soir à 8h »,
  « demain après-midi à 3h ») make 1 to 11 o'clock afternoon hours; « 15h du matin » is no time.
- « midi » is 12:00. « minuit » is the midnight that ends the day named: « ce soir à minuit »
  and « à minuit » are 00:00 tomorrow, « demain à minuit » 00:00 the day after.
- A time without a day (« à 15h ») is today if still ahead of the capture time (to the
  minute, strictly), else tomorrow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from solo_brain.classify.dates import find_due_phrase, local_today, resolve_due
from solo_brain.settings import DEFAULT_TZ
from solo_brain.text import fold_chars

_PREPOSITION = r"(?:a|vers|avant|pour|at|around|about|by|before)"
# « de 10h à 12h », « entre 14h et 15h »: the start of a range is its time.
_RANGE = r"(?:de|entre|from|between)"
_RANGE_END = re.compile(r" ?(?:a|et|to|and|-) ?\d")
_HOUR = r"[01]?\d|2[0-3]"
_PART = (
    r"(?P<part> du matin| du soir| de l'apres-? ?midi| de l'aprem| in the morning"
    r"| in the (?:afternoon|evening)| at night)?"
)
_TIME = re.compile(
    rf"(?<![\w:/.,'-])(?P<prep>{_PREPOSITION} |{_RANGE} |(?:ce|demain|tomorrow) (?=midi|minuit))?"
    rf"(?:(?P<h>{_HOUR}) ?(?:h|heures?)(?: ?(?P<m>[0-5]\d))?"
    rf"|(?P<ha>1[0-2]|0?[1-9])(?::(?P<ma>[0-5]\d))? ?(?P<ampm>[ap]\.?m\b\.?)"
    rf"|(?P<hc>{_HOUR}):(?P<mc>[0-5]\d)"
    r"|(?P<word>midi|minuit|noon|midnight))"
    rf"{_PART}(?![\w:])"
)
# What follows a duration: « de travail », « d'attente », « of work »; an infinitive is no noun.
_DURATION_AFTER = re.compile(r" (?:de |d'|of )(?!\w+(?:er|ir|re)\b)")
_EVENING = re.compile(r"\b(?:soir|apres-? ?midi|aprem|tonight|evening|afternoon)\b")


@dataclass(frozen=True)
class FoundTime:
    """A clock time found in folded text: its span, the time, and whether it ends the day."""

    start: int
    end: int
    time: time
    next_day: bool = False


def _clock(match: re.Match[str], evening: bool) -> tuple[time, bool] | None:
    word = match["word"]
    if word:
        return time(12 if word in ("midi", "noon") else 0), word in ("minuit", "midnight")
    hour = int(match["h"] or match["hc"] or match["ha"])
    minute = int(match["m"] or match["mc"] or match["ma"] or 0)
    part = (match["part"] or "").strip()
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"].startswith("p") else 0)
    elif part in ("du matin", "in the morning"):
        if hour > 12:
            return None
    elif part or evening:
        if hour == 0 or (part and hour > 23):
            return None
        hour += 12 if 1 <= hour <= 11 else 0
    return time(hour, minute), False


def find_time(folded: str) -> FoundTime | None:
    """The first clock time in already folded text, or None (durations are no times)."""
    for match in _TIME.finditer(folded):
        clear = match["prep"] or match["m"] or match["mc"] or match["ampm"] or match["part"]
        if not clear or _DURATION_AFTER.match(folded, match.end()):
            continue
        if re.fullmatch(f"{_RANGE} ", match["prep"] or "") and not _RANGE_END.match(
            folded, match.end()
        ):
            continue
        # Only a day phrase near the time says it is an evening one (« ce soir à 8h »).
        near = folded[max(0, match.start() - 12) : match.end() + 12]
        found = _clock(match, _EVENING.search(near) is not None)
        if found is not None:
            # « demain midi »: « demain » is the day phrase's, only « midi » the time's.
            day_word = match["prep"] in ("demain ", "tomorrow ")
            start = match.end("prep") if day_word else match.start()
            return FoundTime(start, match.end(), *found)
    return None


def resolve_due_at(
    phrase: str | None, now: datetime, tz: str = DEFAULT_TZ
) -> tuple[date | None, time | None]:
    """The day and the optional time of day a spoken due phrase names ("demain à 10h").

    A phrase naming a time but no day is today when the time is still ahead, else tomorrow;
    a phrase naming neither is (None, None).
    """
    if not phrase:
        return None, None
    day = resolve_due(phrase, now, tz)
    found = find_time(fold_chars(phrase)[0])
    if found is None:
        return day, None
    if day is None:
        local_now = now if now.tzinfo is None else now.astimezone(ZoneInfo(tz))
        ahead = found.time > local_now.time().replace(second=0, microsecond=0) or found.next_day
        day = local_today(now, tz) + timedelta(days=0 if ahead else 1)
    return day + timedelta(days=1 if found.next_day else 0), found.time


def find_due_pieces(text: str) -> list[str]:
    """The day phrase and the time phrase of free text, as written and in text order.

    Either may be missing; a time inside the day phrase is not counted twice.
    """
    day_phrase = find_due_phrase(text)
    folded, sources = fold_chars(text)
    found = find_time(folded)
    pieces: list[tuple[int, str]] = []
    if day_phrase:
        pieces.append((text.find(day_phrase), day_phrase))
    if found is not None:
        start, end = sources[found.start], sources[found.end - 1] + 1
        if not any(at <= start < at + len(piece) for at, piece in pieces):
            pieces.append((start, text[start:end]))
    return [piece for _, piece in sorted(pieces)]


def due_phrase_of(text: str, pieces: list[str]) -> str | None:
    """One due phrase from its pieces: as written when only spaces or a comma part them
    ("demain à 10h"), else the pieces joined by a space."""
    if not pieces:
        return None
    first, last = text.find(pieces[0]), text.rfind(pieces[-1])
    if len(pieces) > 1 and 0 <= first < last:
        gap = text[first + len(pieces[0]) : last]
        if not gap.strip(" ,"):
            return text[first : last + len(pieces[-1])]
    return " ".join(pieces)
