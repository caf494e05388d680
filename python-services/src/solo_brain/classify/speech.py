"""The short French sentence the phone reads aloud after a capture: the only place it is made.

Never written by a model: it must be short, always correct, and say dates the way a person
would, relative to the capture day ("demain", "vendredi", "vendredi 22 mai", "le 17 juin"), and
times of day as said in French ("à 10h", "à 10h30", "à midi", "à minuit").
It promises only what was done: `outcome_speech` reads the capture's status and how far each of
its deliveries got ("action notée pour demain"; "ajoutée à l'agenda" only once the calendar
event exists). The classify service serves it to n8n as `POST /v1/speech`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

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


def spoken_time(at: time) -> str:
    """A time of day as said aloud: "10h", "10h30", "9h05", "midi", "minuit"."""
    if at.minute == 0 and at.hour in (0, 12):
        return "minuit" if at.hour == 0 else "midi"
    return f"{at.hour}h{at.minute:02d}" if at.minute else f"{at.hour}h"


def spoken_due(day: date, at: time | None, today: date) -> str:
    """A due day with its time, if any: "demain à 10h", "vendredi à midi"."""
    return spoken_date(day, today) + (f" à {spoken_time(at)}" if at else "")


# The answer given before the outcome is known (the models are slower than the time budget).
ON_IT = "C'est noté, je m'en occupe et je te confirme dès que c'est rangé."
# A capture kept in the inbox, by status.
KEPT = {
    "pending_transcription": "Capture gardée dans l'inbox : la transcription n'est pas "
    "disponible pour l'instant, je réessaierai plus tard.",
    "pending_classification": "Capture gardée dans l'inbox : le classement n'est pas "
    "disponible pour l'instant, je réessaierai plus tard.",
    "failed": "Capture gardée dans l'inbox : je n'ai pas réussi à la ranger après plusieurs "
    "essais, elle t'attend.",
}
# A capture whose own content the database refuses (a NUL character, a text too long): given up
# at once, since sending it again as it is would fail the same way.
REFUSED = ("Je ne peux pas enregistrer cette note : son contenu est refusé (caractère invalide "
           "ou texte trop long). Renvoie-la corrigée.")  # fmt: skip
# A voice note in which Whisper heard no words: given up at once (nothing to file), audio kept.
NOTHING_HEARD = ("Je n'ai entendu aucune parole dans ce mémo vocal : rien n'est rangé, "
                 "il est gardé dans l'inbox.")  # fmt: skip
# Said after the outcome of a note longer than what the classifier reads (READ_CHARS).
LONG_NOTE = "Note très longue : classée d'après son début, le texte entier est gardé."
# What becomes of a Claude Code prompt, by the state of its delivery.
PROMPT = {
    "pending": "Prompt pour la session {hint} noté.",
    "done": "Prompt envoyé à la session {hint}.",
    "failed": "Prompt pour la session {hint} gardé dans l'inbox : il n'a pas pu être envoyé.",
    "skipped": "Prompt pour la session {hint} gardé dans l'inbox : le hub n'est pas configuré.",
}


@dataclass(frozen=True)
class Delivered:
    """How far one delivery of a capture got (state: pending, done, failed or skipped)."""

    kind: str
    state: str
    action_id: int | None = None


@dataclass(frozen=True)
class SpokenAction:
    """An action of the capture: its id (to find its calendar event), due day and time."""

    id: int | None
    due: date | None
    due_time: time | None = None


def outcome_speech(
    *,
    status: str,
    deferred: bool,
    category: str | None,
    project_name: str | None,
    client_name: str | None,
    actions: Sequence[SpokenAction],
    session_hint: str | None,
    today: date,
    needs_review: bool,
    deliveries: Sequence[Delivered],
    long_note: bool = False,
    refused: str | None = None,
) -> str:
    """The sentence for a capture as it stands: on its way, kept in the inbox, filed, or
    given up for its own input (`refused`: "nothing_heard" or "content"); `long_note`:
    classified from the beginning of its words only."""
    if deferred:
        return ON_IT
    if status == "failed" and refused is not None:
        return NOTHING_HEARD if refused == "nothing_heard" else REFUSED
    if status in KEPT or category is None:
        return KEPT.get(status, KEPT["pending_classification"])
    if session_hint:
        state = next((d.state for d in deliveries if d.kind == "cc_prompt"), "pending")
        return PROMPT.get(state, PROMPT["pending"]).format(hint=session_hint)
    events = {d.action_id for d in deliveries
              if d.kind == "calendar_event" and d.state == "done"}  # fmt: skip
    in_calendar = bool(actions) and all(a.due is not None and a.id in events for a in actions)
    return build_speech(
        category=category,
        project_name=project_name,
        client_name=client_name,
        dues=[a.due for a in actions],
        due_times=[a.due_time for a in actions],
        session_hint=None,
        today=today,
        needs_review=needs_review,
        in_calendar=in_calendar,
        long_note=long_note,
    )


def build_speech(
    *,
    category: str,
    project_name: str | None,
    client_name: str | None,
    dues: Sequence[date | None],
    session_hint: str | None,
    today: date,
    needs_review: bool,
    in_calendar: bool = False,
    long_note: bool = False,
    due_times: Sequence[time | None] = (),
) -> str:
    """The confirmation read aloud: what was filed where, and when the first action is due.

    `dues` has one entry per action (None when it has no date), `due_times` its time of day
    (missing or None: all day); `in_calendar`: every action
    is already an event of the calendar ("ajoutée à l'agenda" instead of "notée");
    `long_note`: only the beginning of the note was read (LONG_NOTE is said).
    """
    if session_hint:
        return PROMPT["pending"].format(hint=session_hint)
    noted, several = ("ajoutée à l'agenda", "ajoutées à l'agenda") if in_calendar else (
        "notée", "notées")  # fmt: skip
    label = CATEGORY_LABELS.get(category, "note")
    if project_name:
        filed = f"{label} rangée dans le projet {project_name}"
    elif client_name:
        filed = f"{label} rangée pour le client {client_name}"
    else:
        filed = f"{label} notée"
    times = list(due_times) + [None] * (len(dues) - len(due_times))
    # The soonest first; a whole day's action before the timed ones of that day.
    dated = sorted(
        ((d, t) for d, t in zip(dues, times, strict=True) if d is not None),
        key=lambda due: (due[0], due[1] is not None, due[1] or time.min),
    )
    first = f"pour {spoken_due(*dated[0], today)}" if dated else ""
    if len(dues) == 1 and category == "todo" and not (project_name or client_name):
        # "Capté, tâche notée pour demain." rather than "tâche notée, action notée pour demain".
        parts = [f"{label} {noted} {first}".rstrip()]
    elif len(dues) == 1:
        parts = [filed, f"action {noted} {first}".rstrip()]
    elif dues:
        later = f", la première {first}" if first else ""
        parts = [filed, f"{len(dues)} actions {several}{later}"]
    else:
        parts = [filed]
    sentence = "Capté, " + ", ".join(parts) + "."
    if long_note:
        sentence = f"{sentence} {LONG_NOTE}"
    return f"{sentence} Classement à vérifier." if needs_review else sentence
