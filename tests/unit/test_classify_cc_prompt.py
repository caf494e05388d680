"""Claude Code instructions are recognised in a note without any model."""

from __future__ import annotations

import pytest

from solo_brain.classify.cc_prompt import find_cc_prompt

RECOGNISED = [
    (
        "pour la session orchestrator, ajoute un endpoint /health",
        "orchestrator",
        "ajoute un endpoint /health",
    ),
    (
        "Pour la session orchestrator ajoute un endpoint /health",
        "orchestrator",
        "ajoute un endpoint /health",
    ),
    ("dans la session mesh-agent : relance les tests", "mesh-agent", "relance les tests"),
    ("session orchestrator : lance les tests", "orchestrator", "lance les tests"),
    ("Dis à la session mesh de relancer les tests", "mesh", "relancer les tests"),
    ("demande à la session infra d’ajouter un healthcheck", "infra", "ajouter un healthcheck"),
    ("Claude code orchestrator: lance les tests", "orchestrator", "lance les tests"),
    ("claude code, session infra redémarre nginx", "infra", "redémarre nginx"),
    ("for session api, add a /health endpoint", "api", "add a /health endpoint"),
    ("tell session api to add a health endpoint", "api", "add a health endpoint"),
    ("Ok, pour la session solo brain, relance les tests", "solo brain", "relance les tests"),
    ("Bon. Pour la session orchestrator, ajoute un test.", "orchestrator", "ajoute un test."),
]


@pytest.mark.parametrize(("text", "session", "prompt"), RECOGNISED)
def test_instruction_is_split_into_session_and_prompt(text: str, session: str, prompt: str) -> None:
    """Each supported French or English form yields the session name and the prompt."""
    found = find_cc_prompt(text)
    assert found is not None
    assert (found.session_hint, found.prompt) == (session, prompt)


NOT_PROMPTS = [
    "Claude code est génial",
    "J'ai eu une session de travail avec Paul, super",
    "la session de sport était dure",
    "pour la session de demain, prévoir un café",
    "Réunion avec Acme jeudi",
    "pour la session orchestrator,",
]


@pytest.mark.parametrize("text", NOT_PROMPTS)
def test_a_note_that_only_mentions_a_session_is_not_a_prompt(text: str) -> None:
    """A session mentioned in passing, a session "de demain" or an empty prompt is no prompt."""
    assert find_cc_prompt(text) is None
