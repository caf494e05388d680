"""A model's raw answer is unwrapped, repaired when harmless, and checked against the catalog."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solo_brain.catalog import Client, Project
from solo_brain.classify.answer import ModelAnswer, extract_json_text, parse_answer
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.errors import InvalidAnswer
from solo_brain.classify.service import check_against_catalog

VALID: dict[str, Any] = {
    "category": "idee_rd",
    "project": "imx8mp-vision",
    "client": None,
    "summary": "Benchmarker le NPU",
    "actions": [{"text": "benchmarker le NPU", "due_phrase": "vendredi"}],
    "cc_prompt": None,
}

CATALOG = CatalogIndex(
    projects=(
        Project(slug="imx8mp-vision", name="IMX8MP vision", aliases=["imx8"]),
        Project(slug="lidar-fusion", name="Fusion lidar", client_id="acme"),
    ),
    clients=(
        Client(id="acme", name="Acme Industries", aliases=["Acmé"]),
        Client(id="globex", name="Globex"),
    ),
)


def test_think_block_and_fence_are_stripped() -> None:
    """qwen-style output (<think> block, ```json fence) parses to the same answer, unrepaired."""
    raw = f"<think>\nhmm, une idée\n</think>\n```json\n{json.dumps(VALID)}\n```"
    answer, repairs = parse_answer(raw)
    assert answer == ModelAnswer.model_validate(VALID)
    assert repairs == []


def test_prose_around_the_object_is_ignored() -> None:
    """A sentence before and after the JSON object does not stop the parse."""
    raw = f"Voici la classification : {json.dumps(VALID)} Bonne journée."
    assert extract_json_text(raw) == json.dumps(VALID)


def test_unclosed_think_block_is_dropped() -> None:
    """Output that starts mid-thought and closes </think> keeps only what follows."""
    raw = f"je réfléchis encore</think>{json.dumps(VALID)}"
    assert parse_answer(raw)[0].category == "idee_rd"


@pytest.mark.parametrize(
    ("spelling", "category"),
    [
        ("idée R&D", "idee_rd"),
        ("Note technique", "note_tech"),
        ("TODO", "todo"),
        ("Personnel", "perso"),
    ],
)
def test_category_spellings_are_repaired_and_reported(spelling: str, category: str) -> None:
    """A category written in words is read as its code, and the repair is reported."""
    answer, repairs = parse_answer(json.dumps({**VALID, "category": spelling}))
    assert answer.category == category
    assert repairs == [f"category {spelling!r} read as {category!r}"]


def test_actions_as_strings_or_with_due_are_repaired() -> None:
    """Plain-string actions and a `due` key become proper actions, each repair reported."""
    raw = json.dumps({**VALID, "actions": ["appeler Paul", {"text": "payer", "due": "demain"}]})
    answer, repairs = parse_answer(raw)
    assert [(a.text, a.due_phrase) for a in answer.actions] == [
        ("appeler Paul", None),
        ("payer", "demain"),
    ]
    assert len(repairs) == 2


def test_harmless_spellings_need_no_review() -> None:
    """`client_id` for `client` and "null" strings are accepted without a repair note."""
    data = {**VALID, "project": "null", "client_id": None}
    del data["client"]
    answer, repairs = parse_answer(json.dumps(data))
    assert (answer.project, answer.client, repairs) == (None, None, [])


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('{"category": "todo", "summary": "coupé', "not valid JSON"),
        ("[1, 2]", "one JSON object"),
        (json.dumps({**VALID, "category": "banane"}), "category"),
        (json.dumps({k: v for k, v in VALID.items() if k != "summary"}), "summary"),
        (json.dumps({**VALID, "verdict": "x"}), "verdict"),
    ],
)
def test_unusable_answers_raise_with_a_message_for_the_model(raw: str, problem: str) -> None:
    """Broken JSON, a non-object, an unknown category, a missing or extra field all raise."""
    with pytest.raises(InvalidAnswer) as caught:
        parse_answer(raw)
    assert problem in caught.value.message


def _answer(**changes: Any) -> ModelAnswer:
    return ModelAnswer.model_validate({**VALID, **changes})


def test_invented_project_is_dropped_and_flagged() -> None:
    """A slug the catalog does not know is never returned, and the drop is a repair."""
    reviewed = check_against_catalog(_answer(project="robot-arm"), CATALOG, "une note", None)
    assert reviewed.project is None
    assert reviewed.repairs == ["unknown project 'robot-arm' dropped"]


def test_project_named_by_its_name_is_mapped_to_its_slug() -> None:
    """ "IMX8MP Vision" or "le projet imx8" map to the slug without needing review."""
    for said in ("IMX8MP Vision", "le projet imx8"):
        reviewed = check_against_catalog(_answer(project=said), CATALOG, "une note", None)
        assert reviewed.project is not None and reviewed.project.slug == "imx8mp-vision"
        assert reviewed.repairs == []


def test_project_implies_its_client_over_the_models_choice() -> None:
    """A client project's client wins over a different client the model named."""
    answer = _answer(project="lidar-fusion", client="globex")
    reviewed = check_against_catalog(answer, CATALOG, "une note", None)
    assert reviewed.client_id == "acme"
    assert reviewed.repairs == ["client 'globex' replaced by 'acme', the project's"]


def test_text_fills_what_the_model_missed() -> None:
    """A project or client named in the text is added when the model left it null."""
    answer = _answer(project=None, client=None)
    reviewed = check_against_catalog(answer, CATALOG, "Relancer Acmé sur le devis", None)
    assert (reviewed.project, reviewed.client_id, reviewed.repairs) == (None, "acme", [])
    reviewed = check_against_catalog(answer, CATALOG, "tester le imx8", None)
    assert reviewed.project is not None and reviewed.project.slug == "imx8mp-vision"
