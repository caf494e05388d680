"""The facts of a question as the model reads them, and the sentence said without a model."""

from __future__ import annotations

from typing import Any

from solo_brain.classify.answerer import answer_messages
from solo_brain.classify.facts import AnswerRequest, Facts, fact_lines, fallback_speech

TZ = "Europe/Paris"
TOMORROW: dict[str, Any] = {
    "today": "2026-11-29",
    "period": {"start": "2026-11-30", "end": "2026-11-30"},
    "actions": [{"text": "envoyer le devis ACME", "due": "2026-11-30", "client": "ACME"}],
    "events": [
        {"id": "sb1", "summary": "Démo ACME", "start": {"dateTime": "2026-11-30T09:30:00Z"},
         "end": {"dateTime": "2026-11-30T10:30:00Z"}, "location": "Lyon"},
        {"summary": "Salon", "start": {"date": "2026-11-30"}, "end": {"date": "2026-12-01"}},
        {"summary": "Annulé", "start": {"date": "2026-11-30"}, "status": "cancelled"},
    ],
}  # fmt: skip


def test_the_model_reads_each_fact_with_its_date_written_out() -> None:
    """Events in the user's zone, actions with their day, and the period in full words."""
    lines = fact_lines(Facts.model_validate(TOMORROW), TZ)
    assert lines == [
        "Aujourd'hui : dimanche 29 novembre 2026.",
        "Période demandée : du lundi 30 novembre 2026 au lundi 30 novembre 2026.",
        "Rendez-vous à l'agenda :",
        "- à 10h30 : Démo ACME (Lyon)",
        "- toute la journée : Salon",
        "Actions ouvertes :",
        "- envoyer le devis ACME (pour demain) [ACME]",
    ]


def test_a_timed_action_is_read_with_its_time() -> None:
    """An action with a time of day reads « (pour demain à 10h) »."""
    timed = {**TOMORROW, "actions": [{"text": "appeler Martin", "due": "2026-11-30",
                                      "due_time": "10:00"}]}  # fmt: skip
    assert fact_lines(Facts.model_validate(timed), TZ)[-1] == "- appeler Martin (pour demain à 10h)"


def test_the_model_gets_the_question_and_the_facts_only() -> None:
    """Two messages: the instructions, then the question followed by its facts."""
    request = AnswerRequest(question="Qu'est-ce que j'ai demain ?", facts=TOMORROW)  # type: ignore[arg-type]
    system, user = answer_messages(request, TZ)
    assert "UNIQUEMENT les faits" in system["content"]
    assert user["content"].startswith("Question posée : Qu'est-ce que j'ai demain ?\n\nFaits :\n")
    assert "Démo ACME" in user["content"] and "Annulé" not in user["content"]


def test_the_fallback_says_the_events_and_actions_of_the_period() -> None:
    """Without a model: one sentence with the appointments (cancelled ones left out)."""
    speech = fallback_speech(Facts.model_validate(TOMORROW), TZ)
    assert speech == (
        "Pour demain : 2 rendez-vous (à 10h30, Démo ACME ; toute la journée, Salon) "
        "et 1 action (envoyer le devis ACME)."
    )


def test_the_fallback_names_the_project_and_counts_beyond_three() -> None:
    """A project question lists three actions and counts the rest."""
    facts = Facts.model_validate({
        "today": "2026-11-29", "project": {"id": "imx8mp-vision", "name": "IMX8MP vision"},
        "actions": [{"text": f"tâche {n}"} for n in range(1, 6)],
    })  # fmt: skip
    assert fallback_speech(facts, TZ) == (
        "Pour IMX8MP vision : 5 actions (tâche 1 ; tâche 2 ; tâche 3 et 2 autres)."
    )


def test_the_fallback_says_when_nothing_is_planned() -> None:
    """No event and no action: said plainly, with the last note when there is one."""
    friday = {"start": "2026-12-04", "end": "2026-12-04"}
    empty = Facts.model_validate({"today": "2026-11-29", "period": friday})
    with_note = Facts.model_validate({
        "today": "2026-11-29", "client": {"id": "acme", "name": "ACME"},
        "captures": [{"summary": "ACME veut la démo en janvier",
                      "created_at": "2026-11-27T10:00:00+01:00"}],
    })  # fmt: skip
    assert (
        fallback_speech(empty, TZ)
        == "Pour vendredi, rien de prévu : ni rendez-vous ni action ouverte."
    )
    assert fallback_speech(with_note, TZ) == (
        "Pour ACME, rien de prévu : ni rendez-vous ni action ouverte. "
        "Dernière note : ACME veut la démo en janvier."
    )
