"""Questions told from notes, what they ask about, and the periods they name."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from solo_brain.catalog import Client, Project
from solo_brain.classify.answer import parse_answer
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.heuristic import classify_heuristically
from solo_brain.classify.questions import (
    Period,
    find_period_phrase,
    looks_like_question,
    resolve_period,
)

TZ = "Europe/Paris"
# Sunday 29 November 2026, 22:00 in Paris.
NOW = datetime.fromisoformat("2026-11-29T22:00:00+01:00")

QUESTIONS = [
    "Qu'est-ce que j'ai demain ?",
    "qu'est ce que j'ai demain",
    "Où en est le projet imx8mp ?",
    "Qu'est-ce que j'ai promis à ACME ?",
    "Qu'ai-je promis à ACME ?",
    "Rappelle-moi ce que j'ai promis à ACME",
    "Dis-moi ce que j'ai cette semaine",
    "J'ai quoi demain ?",
    "Quels sont mes rendez-vous vendredi ?",
    "Est-ce que j'ai quelque chose jeudi ?",
    "Qu'est-ce qui est prévu la semaine prochaine ?",
    "Combien de tâches il me reste ?",
    "Ai-je des rendez-vous demain ?",
    "Quoi de prévu demain ?",
    "Que dois-je faire aujourd'hui ?",
    "Où j'en suis ?",
    "Quand est ma réunion avec ACME ?",
    "Siri, qu'est-ce que j'ai demain",
    "What do I have tomorrow?",
    "What's on my calendar this week?",
    "Where are we on imx8mp?",
    "What did I promise ACME?",
    "Do I have anything on Friday?",
]
NOTES = [
    "se demander si on passe à Rust",
    "Je me demande si on devrait passer à Rust",
    "Demander à Paul quand il livre ?",
    "Rappelle-moi d'appeler Paul demain",
    "Idée : et si on passait à Rust ?",
    "Pourquoi le driver crash au boot ?",
    "Appeler ACME demain pour la démo",
    "Réunion ACME jeudi : ils veulent la démo",
    "J'ai appelé ACME, ils sont contents",
    "Il faut que je fasse la facture ACME",
    "What if we ported it to Rust?",
    "Remind me to call Paul tomorrow",
    "Ask Paul when he ships",
    "I wonder whether Zephyr fits the board",
    "Qu'est-ce que j'ai demain ? " + "Long compte rendu de réunion. " * 12,
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_about_ones_own_data_is_recognised(text: str) -> None:
    """French and English questions to the assistant, with or without "?", are questions."""
    assert looks_like_question(text)


@pytest.mark.parametrize("text", NOTES)
def test_a_note_that_looks_like_a_question_is_not_one(text: str) -> None:
    """Wondering, asking someone else, ideas and long notes are notes to file."""
    assert not looks_like_question(text)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Qu'est-ce que j'ai demain ?", "demain"),
        ("Qu'est-ce qui est prévu la semaine prochaine ?", "la semaine prochaine"),
        ("What's on this week?", "this week"),
        ("Quels sont mes rendez-vous vendredi ?", "vendredi"),
        ("Où en est le projet imx8mp ?", None),
    ],
)
def test_the_period_is_found_as_written(text: str, phrase: str | None) -> None:
    """The period phrase is cut from the question as written, or None."""
    assert find_period_phrase(text) == phrase


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("demain", date(2026, 11, 30), date(2026, 11, 30)),
        ("aujourd'hui", date(2026, 11, 29), date(2026, 11, 29)),
        ("vendredi", date(2026, 12, 4), date(2026, 12, 4)),
        ("cette semaine", date(2026, 11, 29), date(2026, 11, 29)),
        ("la semaine prochaine", date(2026, 11, 30), date(2026, 12, 6)),
        ("next week", date(2026, 11, 30), date(2026, 12, 6)),
        ("le mois prochain", date(2026, 12, 1), date(2026, 12, 31)),
        ("ce mois-ci", date(2026, 11, 29), date(2026, 11, 30)),
        ("ce week-end", date(2026, 11, 29), date(2026, 11, 29)),
    ],
)
def test_periods_resolve_to_days_deterministically(phrase: str, start: date, end: date) -> None:
    """A period is a range of days in the user's zone, computed by rules, never by the model."""
    assert resolve_period(phrase, NOW, TZ) == Period(start, end)


def test_a_phrase_naming_no_day_resolves_to_nothing() -> None:
    """No period phrase, or one no rule knows, is no period."""
    assert resolve_period(None, NOW, TZ) is None
    assert resolve_period("un de ces quatre", NOW, TZ) is None


def test_this_week_said_midweek_runs_to_sunday() -> None:
    """Said on a Wednesday, "cette semaine" runs to Sunday."""
    wednesday = datetime.fromisoformat("2026-11-25T09:00:00+01:00")
    assert resolve_period("cette semaine", wednesday, TZ) == Period(
        date(2026, 11, 25), date(2026, 11, 29)
    )


def _catalog() -> CatalogIndex:
    acme = Client(id="acme", name="ACME", aliases=["acme corp"])
    imx = Project(slug="imx8mp-vision", name="IMX8MP vision", client_id=None, aliases=["imx8mp"])
    return CatalogIndex((imx,), (acme,))


def test_the_rules_answer_a_question_with_no_action_and_its_period() -> None:
    """The heuristic marks a question, keeps its period phrase and files no action."""
    answer = classify_heuristically("Qu'est-ce que j'ai à faire demain ?", None, _catalog())
    assert answer.question is not None
    assert answer.question.period_phrase == "demain"
    assert answer.actions == []


def test_the_rules_name_the_project_or_client_a_question_is_about() -> None:
    """A question about a known project or client names it."""
    about_project = classify_heuristically("Où en est le projet imx8mp ?", None, _catalog())
    about_client = classify_heuristically("Qu'est-ce que j'ai promis à ACME ?", None, _catalog())
    assert about_project.question is not None and about_project.project == "imx8mp-vision"
    assert about_client.question is not None and about_client.client == "acme"


def test_a_note_keeps_its_actions_and_is_no_question() -> None:
    """A note to file is not a question and keeps its actions."""
    answer = classify_heuristically("Rappelle-moi d'appeler ACME demain", None, _catalog())
    assert answer.question is None
    assert [a.due_phrase for a in answer.actions] == ["demain"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", ""), ('"demain"', "demain"), ('{"period_phrase": "demain"}', "demain")],
)
def test_a_models_question_is_read_in_its_usual_spellings(raw: str, expected: str) -> None:
    """`question: true` or a bare period string are read as a question."""
    answer, _ = parse_answer(f'{{"category": "todo", "summary": "Agenda", "question": {raw}}}')
    assert answer.question is not None
    assert (answer.question.period_phrase or "") == expected


def test_a_model_saying_no_question_means_none() -> None:
    """`question: false` or null is a note."""
    for raw in ("false", "null"):
        answer, _ = parse_answer(f'{{"category": "todo", "summary": "x", "question": {raw}}}')
        assert answer.question is None
