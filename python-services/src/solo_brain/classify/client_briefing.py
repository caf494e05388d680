"""The briefing read aloud before a meeting with a client: which client, and what to say.

Pure decisions, no I/O (the route `routes/client_briefing.py` reads Postgres and serves them):

    match_client     the known client a calendar event is with: named in its title (name,
                     alias, or one of its projects, as whole words), or an attendee writing from
                     one of its e-mail domains (the domain or a subdomain of it, never a
                     look-alike such as notacme.com)
    briefing_text    the short French briefing: when and with whom, what was promised and is
                     due, the other open actions, the last notes with their dates
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from solo_brain.catalog import Client
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.speech import MONTHS, spoken_date
from solo_brain.text import shorten

# How many items of each kind are read aloud, and how long each may be: a briefing is heard
# on the way to the meeting, in well under a minute.
MAX_SPOKEN_ITEMS = 3
ITEM_CHARS = 90


@dataclass(frozen=True)
class Facts:
    """What Postgres knows of a client: actions promised and due by the meeting, the other open
    actions (`open_count` counts them all), and the last notes with their local dates."""

    due: Sequence[tuple[str, date]] = ()
    open: Sequence[tuple[str, date | None]] = ()
    open_count: int = 0
    notes: Sequence[tuple[date, str]] = ()


def email_domain(email: str | None) -> str | None:
    """The lower-case domain of an e-mail address ("Paul@ACME.com" -> "acme.com"), or None."""
    if not email or email.count("@") != 1:
        return None
    domain = email.rsplit("@", 1)[1].strip().strip(".").lower()
    return domain or None


def domain_belongs(domain: str, client_domain: str) -> bool:
    """True when `domain` is `client_domain` or one of its subdomains (eu.acme.com, acme.com)."""
    return domain == client_domain or domain.endswith("." + client_domain)


def match_client(title: str | None, attendees: Iterable[str], index: CatalogIndex) -> Client | None:
    """The client an event is with: the first named in its title (directly or through one of its
    projects), else the first whose domain an attendee's address is at; None when neither."""
    for client_id in index.detected_client_ids(title):
        if (client := index.client(client_id)) is not None:
            return client
    for email in attendees:
        if (domain := email_domain(email)) is None:
            continue
        for client in index.clients:
            if any(domain_belongs(domain, d) for d in client.domains):
                return client
    return None


def past_date(day: date, today: date) -> str:
    """A past date as said aloud: "aujourd'hui", "hier", "le 12 novembre"."""
    delta = (today - day).days
    if delta == 0:
        return "aujourd'hui"
    if delta == 1:
        return "hier"
    day_of_month = "1er" if day.day == 1 else str(day.day)
    year = "" if day.year == today.year or delta < 300 else f" {day.year}"
    return f"le {day_of_month} {MONTHS[day.month - 1]}{year}"


def in_minutes(minutes: int) -> str:
    """How soon a meeting starts, said aloud: "maintenant", "dans une minute", "dans 20 minutes"."""
    if minutes <= 0:
        return "maintenant"
    return "dans une minute" if minutes == 1 else f"dans {minutes} minutes"


def _item(text: str) -> str:
    # Items are joined with " ; " and the list ends with a full stop of its own.
    return shorten(text, ITEM_CHARS).rstrip(" .;,:")


def _due_item(text: str, due: date, today: date) -> str:
    if due < today:
        return f"{_item(text)}, en retard (prévu {past_date(due, today)})"
    return f"{_item(text)}, pour {spoken_date(due, today)}"


def _open_item(text: str, due: date | None, today: date) -> str:
    when = f", pour {spoken_date(due, today)}" if due else ""
    return _item(text) + when


def _listed(items: list[str], total: int) -> str:
    more = total - len(items)
    tail = f", et {more} autre{'s' if more > 1 else ''}" if more > 0 else ""
    return " ; ".join(items) + tail


def briefing_text(
    *, client_name: str, title: str | None, minutes: int, facts: Facts, today: date
) -> str:
    """The French briefing for a meeting with `client_name` starting in `minutes`; `today` is
    the user's day, against which every date is said."""
    subject = f" : « {_item(title)} »" if title and title.strip() else ""
    parts = [f"Rendez-vous avec {client_name} {in_minutes(minutes)}{subject}."]
    if facts.due:
        due = [_due_item(t, d, today) for t, d in facts.due[:MAX_SPOKEN_ITEMS]]
        parts.append(f"Promis et dû : {_listed(due, len(facts.due))}.")
    if facts.open_count:
        shown = [_open_item(t, d, today) for t, d in facts.open[:MAX_SPOKEN_ITEMS]]
        label = "Actions ouvertes" if facts.open_count > 1 else "Action ouverte"
        parts.append(f"{label} : {_listed(shown, facts.open_count)}.")
    if facts.notes:
        notes = [f"{past_date(d, today)}, {_item(s)}" for d, s in facts.notes[:MAX_SPOKEN_ITEMS]]
        label = "Dernières notes" if len(notes) > 1 else "Dernière note"
        parts.append(f"{label} : {' ; '.join(notes)}.")
    if not (facts.due or facts.open_count or facts.notes):
        parts.append("Rien d'ouvert ni de noté pour ce client.")
    return " ".join(parts)


def clock(moment: datetime) -> str:
    """A local time as written in French notifications: "9h05", "14h30"."""
    return f"{moment.hour}h{moment.minute:02d}"
