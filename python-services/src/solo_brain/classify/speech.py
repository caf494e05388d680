"""The short French sentence the phone reads aloud after a capture, built from the result.

Never written by a model: it must be short, always correct, and say dates the way a person
would, relative to the capture day ("demain", "vendredi", "vendredi 22 mai", "le 17 juin").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

# How each category is named aloud; all feminine, so "rangée" / "notée" agree.
CATEGORY_LABELS = {
    "client": "note client",
    "idee_rd": "idée R&D",
    "todo": "tâche",
    "note_tech": "note technique",
    "admin": "note administrative",
    "perso": "note perso",
}


def spoken_date(day: date, today: date) -> str:
    """A date as said aloud on `today`: "aujourd'hui", "demain", "vendredi", "le 17 mai"."""
    delta = (day - today).days
    named = {0: "aujourd'hui", 1: "demain", 2: "après-demain"}
    if delta in named:
        return named[delta]
    weekday = WEEKDAYS[day.weekday()]
    if 3 <= delta <= 6:
        return weekday
    day_of_month = "1er" if day.day == 1 else str(day.day)
    month = MONTHS[day.month - 1]
    if 7 <= delta <= 13:
        return f"{weekday} {day_of_month} {month}"
    year = "" if day.year == today.year or 0 < delta < 300 else f" {day.year}"
    return f"le {day_of_month} {month}{year}"


def build_speech(
    *,
    category: str,
    project_name: str | None,
    client_name: str | None,
    dues: Sequence[date | None],
    session_hint: str | None,
    today: date,
    needs_review: bool,
) -> str:
    """The confirmation read aloud: what was filed where, and when the first action is due.

    `dues` has one entry per action (None when it has no date).
    """
    if session_hint:
        return f"Prompt pour la session {session_hint} noté."
    label = CATEGORY_LABELS.get(category, "note")
    if project_name:
        filed = f"{label} rangée dans le projet {project_name}"
    elif client_name:
        filed = f"{label} rangée pour le client {client_name}"
    else:
        filed = f"{label} notée"
    dated = sorted(d for d in dues if d is not None)
    first = f"pour {spoken_date(dated[0], today)}" if dated else ""
    if len(dues) == 1 and category == "todo" and not (project_name or client_name):
        # "Capté, tâche notée pour demain." rather than "tâche notée, action notée pour demain".
        parts = [f"{filed} {first}".rstrip()]
    elif len(dues) == 1:
        parts = [filed, f"action notée {first}".rstrip()]
    elif dues:
        parts = [filed, f"{len(dues)} actions notées" + (f", la première {first}" if first else "")]
    else:
        parts = [filed]
    sentence = "Capté, " + ", ".join(parts) + "."
    return f"{sentence} Classement à vérifier." if needs_review else sentence
