"""The rules-only classifier files a note sensibly when no model can."""

from __future__ import annotations

import pytest

from solo_brain.catalog import Client, Project
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.heuristic import classify_heuristically, find_actions, guess_category

CATALOG = CatalogIndex(
    projects=(
        Project(slug="imx8mp-vision", name="IMX8MP vision", aliases=["imx8"]),
        Project(slug="lidar-fusion", name="Fusion lidar", client_id="acme"),
    ),
    clients=(Client(id="acme", name="Acme Industries", aliases=["Acmé"]),),
)

CATEGORIES = [
    ("Idée : et si on faisait tourner YOLO sur le NPU", None, "idee_rd"),
    ("what if we pruned the model before quantisation", None, "idee_rd"),
    ("Le driver caméra crash au boot, stack trace dans dmesg", None, "note_tech"),
    ("Envoyer la facture de mars à l'expert-comptable", None, "admin"),
    ("Payer l'URSSAF et la TVA", None, "admin"),
    ("Anniversaire de maman samedi, acheter un cadeau", None, "perso"),
    ("Rappelle-moi d'acheter du café", None, "todo"),
    ("remind me to buy coffee", None, "todo"),
    ("Points à voir : planning, livrables", "réunion client", "client"),
    ("Réunion avec le client pour le cahier des charges", None, "client"),
]


@pytest.mark.parametrize(("text", "hint", "category"), CATEGORIES)
def test_keywords_choose_the_category(text: str, hint: str | None, category: str) -> None:
    """French and English keywords, and the user's hint, decide the category."""
    assert classify_heuristically(text, hint, CATALOG).category == category


def test_a_detected_client_weighs_for_the_client_category() -> None:
    """A note naming a client with nothing else to go on is a client note."""
    assert guess_category("Point avec Acme", None, has_client=True) == "client"


def test_a_note_without_any_signal_is_a_technical_note() -> None:
    """No keyword and no action: the note is kept as a technical note."""
    assert guess_category("zxq", None) == "note_tech"


def test_aliases_find_the_project_and_its_client() -> None:
    """A project named by alias is filed there, and its client comes with it."""
    result = classify_heuristically("Calibrer la caméra du fusion lidar", None, CATALOG)
    assert (result.project, result.client) == ("lidar-fusion", "acme")
    result = classify_heuristically("benchmarker le NPU du IMX8", None, CATALOG)
    assert (result.project, result.client) == ("imx8mp-vision", None)


def test_client_named_alone_is_kept_without_a_project() -> None:
    """A client named with no project keeps project null and the client's id."""
    result = classify_heuristically("Relancer Acmé pour le devis", None, CATALOG)
    assert (result.project, result.client) == (None, "acme")


ACTIONS = [
    ("Rappelle-moi d'appeler Paul demain.", [("appeler Paul", "demain")]),
    ("Rappelle-moi d’appeler Paul demain.", [("appeler Paul", "demain")]),
    ("Il faut envoyer le devis avant le 17 mai", [("envoyer le devis", "le 17 mai")]),
    ("Faut que je rappelle Marc", [("rappelle Marc", None)]),
    ("TODO: mettre à jour le BSP", [("mettre à jour le BSP", None)]),
    ("N'oublie pas de payer l'assurance vendredi", [("payer l'assurance", "vendredi")]),
    ("remind me to send the invoice tomorrow", [("send the invoice", "tomorrow")]),
    (
        "Appeler le fournisseur. Commander les cartes.",
        [
            ("Appeler le fournisseur", None),
            ("Commander les cartes", None),
        ],
    ),
    (
        "Idée : benchmarker le NPU 26 TOPS d'ici vendredi",
        [("benchmarker le NPU 26 TOPS", "vendredi")],
    ),
    ("Réunion avec Acme jeudi prochain", [("Réunion avec Acme", "jeudi prochain")]),
    ("Il faut aussi envoyer la facture", [("envoyer la facture", None)]),
    ("Rappelle-moi demain à 10h d'appeler Martin", [("appeler Martin", "demain à 10h")]),
    # Typed without the apostrophe (a shell's quotes, a dictation app): the same action.
    ("Rappelle-moi demain à 10h d appeler Martin", [("appeler Martin", "demain à 10h")]),
    ("Appeler Martin demain à 10h30.", [("Appeler Martin", "demain à 10h30")]),
    ("Il faut envoyer le devis à 15h", [("envoyer le devis", "à 15h")]),
    ("Rappelle-moi à 9h du matin de payer l'URSSAF", [("payer l'URSSAF", "à 9h du matin")]),
    ("remind me tomorrow at 3pm to call Bob", [("call Bob", "tomorrow at 3pm")]),
    ("Il faut prévoir 10h de travail", [("prévoir 10h de travail", None)]),
]


@pytest.mark.parametrize(("text", "expected"), ACTIONS)
def test_actions_are_found_with_their_due_phrase(
    text: str, expected: list[tuple[str, str | None]]
) -> None:
    """Asking, imperative and dated sentences become actions; the date leaves the text."""
    assert [(a.text, a.due_phrase) for a in find_actions(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Le capteur chauffe beaucoup.",
        "Aujourd'hui j'ai fini le driver",
        "Hier on a livré la v2",
        "Le bug de la caméra est reproductible",
    ],
)
def test_observations_are_not_actions(text: str) -> None:
    """Statements and past events, even dated, create no action."""
    assert find_actions(text) == []


def test_claude_code_instruction_has_no_actions_and_is_technical() -> None:
    """A session instruction becomes a cc_prompt, a technical note, with no action."""
    result = classify_heuristically("pour la session api, ajoute un test demain", None, CATALOG)
    assert result.cc_prompt is not None
    assert result.cc_prompt.session_hint == "api"
    assert (result.category, result.actions) == ("note_tech", [])


def test_summary_is_the_first_sentence_shortened() -> None:
    """The summary is the first sentence, cut at a word with an ellipsis when long."""
    text = "Point sur " + "le très long sujet " * 20 + ". Deuxième phrase."
    summary = classify_heuristically(text, None, CATALOG).summary
    assert summary.startswith("Point sur le très long sujet")
    assert summary.endswith("…") and len(summary) <= 120
