"""Questions about the user's own data: telling one from a note, and the period it asks about.

"Qu'est-ce que j'ai demain ?", "Où en est le projet imx8mp ?", "What did I promise ACME?" ask
the assistant for facts (actions, captures, calendar); they are answered, never filed. A note
that merely mentions a question ("se demander si on passe à Rust", "demander à Paul quand il
livre") is an idea or an action, not a question to the assistant.

`looks_like_question` is the rule the heuristic classifier uses (the model decides on its own
when one answers); `resolve_period` turns the spoken period into a range of days with the
deterministic date resolver, so the model never computes a date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from solo_brain.classify.dates import find_due_phrase, local_today, resolve_due
from solo_brain.text import fold, fold_chars

# A question is short: one or two sentences said to the assistant.
MAX_QUESTION_CHARS = 300

# Over folded text (apostrophes and hyphens are spaces). Polite openers are dropped first.
_OPENER = re.compile(
    r"^(?:(?:dis|dites|rappelle|rappelez|redis) moi|est ce que tu peux me dire|tu peux me dire"
    r"|peux tu me dire|(?:hey |ok )?siri|hey|ok|alors|bon|so|tell me|can you tell me)\b\s*"
)
_ASKS = re.compile(
    r"^(?:"
    # French: about what I have, must do, promised, planned...
    r"qu est ce (?:que|qu) (?:j ai|je dois|j avais|je fais|il y a|il me reste|on a|nous avons)"
    r"|qu est ce qui (?:est prevu|m attend|reste|se passe)"
    r"|qu (?:ai je|avais je)|que (?:dois je|me reste t il|reste t il|ai je)"
    r"|est ce que (?:j ai|je dois|j avais|il y a)|ai je|dois je|avais je"
    r"|ce que (?:j ai|je dois|il me reste|j avais)"
    r"|ou en (?:est|sont|suis je|sommes nous|on est|j en suis)"
    r"|quoi de (?:prevu|neuf)|c est quoi (?:mon|ma|mes|le programme)"
    r"|(?:quel|quelle|quels|quelles) (?:est|sont) (?:mon|ma|mes|le|la|les)"
    r"|(?:quel|quelle|quels|quelles) (?:rendez vous|rdv|reunions?|taches?|actions?|promesses?)"
    r"|quand (?:est ce que|ai je|dois je|est|sont)"
    r"|combien (?:de|d) .{0,40}(?:j ai|ai je|me reste|dois je|il y a)"
    r"|(?:montre|donne|liste|lis) moi (?:mon|ma|mes|le|la|les|ce que)"
    r"|j ai quoi|je fais quoi|on en est ou|j en suis ou|ou j en suis|ou on en est"
    # English
    r"|what (?:do|did|have|am|should) (?:i|we)|what s (?:on|my|planned|due|left|up)"
    r"|what is (?:on|my|planned|due|left)|what (?:have i got|s the status)"
    r"|where (?:are we|am i|do we stand|is|are)|how is .{1,60} going"
    r"|(?:do|did|have|am) i (?:have|promise|got|need)|when (?:is|am i|do i|are)"
    r"|how many .{0,40}(?:do i|have i|are)|(?:show|list|give) me (?:my|the|what)"
    r"|which (?:meetings?|tasks?|actions?)"
    r")\b"
)
# Notes that talk about asking, or ideas phrased as questions: never a question to answer.
_NOT_ASKING = re.compile(
    r"^(?:se demander|je me demande|on se demande|il faut se demander|demander|demande a"
    r"|idee|note|todo|to do|rappelle moi de|rappelle moi d|remind me to|ask|i wonder|we wonder"
    r"|et si|what if|pourquoi pas|why not)\b"
)


def looks_like_question(text: str) -> bool:
    """Does the note ask the assistant about the user's own agenda, actions or projects?"""
    if len(text.strip()) > MAX_QUESTION_CHARS:
        return False
    folded = fold(text)
    if not folded or _NOT_ASKING.match(folded):
        return False
    while (shorter := _OPENER.sub("", folded, count=1)) != folded:
        folded = shorter
    return _ASKS.match(folded) is not None


@dataclass(frozen=True)
class Period:
    """A range of calendar days, both ends included."""

    start: date
    end: date


def _week_end(day: date) -> date:
    return day + timedelta(days=6 - day.weekday())


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _next_month(today: date) -> Period:
    start = _month_end(today) + timedelta(days=1)
    return Period(start, _month_end(start))


def _next_week(today: date) -> Period:
    start = _week_end(today) + timedelta(days=1)
    return Period(start, start + timedelta(days=6))


def _weekend(today: date) -> Period:
    saturday = today + timedelta(days=max(0, 5 - today.weekday()))
    return Period(max(today, saturday), _week_end(today))


# Periods that span several days (folded text); anything else is one day (resolve_due).
_RANGES: list[tuple[re.Pattern[str], Callable[[date], Period]]] = [
    (re.compile(r"\b(?:la semaine prochaine|semaine prochaine|next week)\b"), _next_week),
    (re.compile(r"\b(?:le mois prochain|mois prochain|next month)\b"), _next_month),
    (
        re.compile(r"\b(?:cette semaine|this week|la semaine|de la semaine)\b"),
        lambda today: Period(today, _week_end(today)),
    ),
    (
        re.compile(r"\b(?:ce mois ci|ce mois|this month|du mois)\b"),
        lambda today: Period(today, _month_end(today)),
    ),
    (re.compile(r"\b(?:ce week ?end|le week ?end|this weekend|the weekend)\b"), _weekend),
    (
        re.compile(r"\b(?:les prochains jours|ces prochains jours|next few days|bientot|soon)\b"),
        lambda today: Period(today, today + timedelta(days=6)),
    ),
]


def find_period_phrase(text: str) -> str | None:
    """The period a question names, as written ("cette semaine", "demain"), or None."""
    folded, sources = fold_chars(text)
    spaced = re.sub(r"[^0-9a-z&]", " ", folded)
    for pattern, _ in _RANGES:
        match = pattern.search(spaced)
        if match:
            return text[sources[match.start()] : sources[match.end() - 1] + 1]
    return find_due_phrase(text)


def resolve_period(phrase: str | None, now: datetime, tz: str) -> Period | None:
    """The days a spoken period covers ("demain": one day, "cette semaine": today to Sunday)."""
    if not phrase:
        return None
    spaced = fold(phrase)
    today = local_today(now, tz)
    for pattern, make in _RANGES:
        if pattern.search(spaced):
            return make(today)
    day = resolve_due(phrase, now, tz)
    return Period(day, day) if day else None
