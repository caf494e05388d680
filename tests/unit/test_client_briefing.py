"""Which client a meeting is with, and the French briefing read aloud before it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from solo_brain.catalog import Client, Project
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.client_briefing import (
    Facts,
    briefing_text,
    clock,
    domain_belongs,
    email_domain,
    in_minutes,
    match_client,
    past_date,
)

ACME = Client(id="acme", name="ACME Robotics", aliases=["Acmé Corp"], domains=["acme.com"])
VALEO = Client(id="valeo", name="Valeo", domains=["valeo.fr"])
INDEX = CatalogIndex(
    clients=(ACME, VALEO),
    projects=(Project(slug="imx8mp-vision", name="IMX8MP vision", client_id="acme"),),
)
MONDAY = date(2026, 11, 30)


def _client(title: str | None, *emails: str) -> str | None:
    found = match_client(title, emails, INDEX)
    return found.id if found else None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Point mensuel ACME Robotics", "acme"),
        ("Revue avec acme", "acme"),
        ("Déjeuner ACME CORP", "acme"),  # an alias, any case and accents
        ("Démo IMX8MP vision", "acme"),  # one of its projects
        ("Valeo : kick-off", "valeo"),
        ("Acmeville offsite", None),  # a longer word is not the name
        ("Revue valeoptique", None),
        ("Dentiste", None),
        (None, None),
    ],
)
def test_client_is_found_in_the_title_as_whole_words(title: str | None, expected: str) -> None:
    """A title names a client by its id, name, alias or a project, never inside another word."""
    assert _client(title) == expected


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("paul@acme.com", "acme"),
        ("Paul.Martin@ACME.COM", "acme"),
        ("lea@eu.acme.com", "acme"),  # a subdomain
        ("x@valeo.fr", "valeo"),
        ("eve@notacme.com", None),  # a look-alike domain
        ("eve@acme.com.evil.io", None),
        ("eve@acme.co", None),
        ("not-an-address", None),
    ],
)
def test_client_is_found_by_an_attendee_domain(email: str, expected: str | None) -> None:
    """An attendee at a client's domain or one of its subdomains makes the meeting its own."""
    assert _client("Réunion", "solo@example.com", email) == expected


def test_title_wins_over_attendee_domains() -> None:
    """A title naming a client decides even when an attendee writes from another's domain."""
    assert _client("Point Valeo", "paul@acme.com") == "valeo"


def test_email_domain_and_subdomains() -> None:
    """Domains are read after the one "@", lower case; only real subdomains belong."""
    assert email_domain("A@B.Example.COM") == "b.example.com"
    assert email_domain("a@b@c.com") is None and email_domain(None) is None
    assert domain_belongs("mail.acme.com", "acme.com")
    assert not domain_belongs("xacme.com", "acme.com")


def test_client_domains_are_validated_and_normalised() -> None:
    """Domains are kept lower case without "@", once each; a non-domain is refused."""
    client = Client(id="a", name="A", domains=["@ACME.com", "acme.com", " eu.acme.com "])
    assert client.domains == ["acme.com", "eu.acme.com"]
    with pytest.raises(ValueError, match="not an e-mail domain"):
        Client(id="a", name="A", domains=["acme"])


def test_briefing_names_due_and_open_actions_and_dated_notes() -> None:
    """The briefing says when and with whom, what is promised and due, what is open, the notes."""
    facts = Facts(
        due=[("Envoyer le devis", date(2026, 11, 27)), ("Livrer la carte", MONDAY)],
        open=[("Benchmarker le NPU", date(2026, 12, 4)), ("Relancer Paul", None)],
        open_count=5,
        notes=[(date(2026, 11, 29), "Réunion de lancement."), (date(2026, 11, 12), "Idée NPU")],
    )
    text = briefing_text(
        client_name="ACME Robotics", title="Point mensuel", minutes=20, facts=facts, today=MONDAY
    )
    assert text == (
        "Rendez-vous avec ACME Robotics dans 20 minutes : « Point mensuel ». "
        "Promis et dû : Envoyer le devis, en retard (prévu le 27 novembre) ; "
        "Livrer la carte, pour aujourd'hui. "
        "Actions ouvertes : Benchmarker le NPU, pour vendredi ; Relancer Paul, et 3 autres. "
        "Dernières notes : hier, Réunion de lancement ; le 12 novembre, Idée NPU."
    )


def test_briefing_with_nothing_known_says_so() -> None:
    """A client with nothing open nor noted gets one short sentence more, no empty lists."""
    text = briefing_text(client_name="Valeo", title=None, minutes=1, facts=Facts(), today=MONDAY)
    assert (
        text == "Rendez-vous avec Valeo dans une minute. Rien d'ouvert ni de noté pour ce client."
    )


def test_briefing_cuts_long_items_and_lists() -> None:
    """At most three items of a kind are read, each cut short; the rest is counted."""
    long = "Préparer " + "une très longue liste de choses " * 10
    facts = Facts(open=[(long, None)] * 4, open_count=4)
    text = briefing_text(client_name="V", title="T", minutes=30, facts=facts, today=MONDAY)
    assert text.count("Préparer") == 3 and "et 1 autre." in text
    assert len(text) < 450


def test_spoken_times_and_past_dates() -> None:
    """Minutes, clock times and past dates read naturally in French."""
    assert [in_minutes(m) for m in (0, 1, 25)] == ["maintenant", "dans une minute",
                                                   "dans 25 minutes"]  # fmt: skip
    assert clock(datetime(2026, 11, 30, 9, 5)) == "9h05"
    assert past_date(date(2026, 11, 1), MONDAY) == "le 1er novembre"
    assert past_date(date(2025, 1, 5), MONDAY) == "le 5 janvier 2025"
