"""Classify's POST /v1/answer: the local model answers from the facts, or the facts do."""

from __future__ import annotations

from typing import Any

from tests.support.classify import MODEL, classify_service, fake_ollama

FACTS: dict[str, Any] = {
    "today": "2026-11-29",
    "period": {"start": "2026-11-30", "end": "2026-11-30"},
    "actions": [{"text": "envoyer le devis ACME", "due": "2026-11-30", "client": "ACME"}],
    "events": [{"summary": "Démo ACME", "start": {"dateTime": "2026-11-30T09:00:00Z"}}],
}
QUESTION = "Qu'est-ce que j'ai demain ?"


def test_the_local_model_answers_from_the_facts_it_was_given(pg_dsn: str) -> None:
    """Ollama gets the question and the facts, and its sentence is the answer."""
    with fake_ollama() as (state, url), classify_service(pg_dsn, OLLAMA_URL=url) as http:
        state.reply({"speech": "Demain à 10h, démo ACME, et le devis ACME à envoyer."})
        response = http.post("/v1/answer", json={"question": QUESTION, "facts": FACTS})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "speech": "Demain à 10h, démo ACME, et le devis ACME à envoyer.",
        "answered_by": f"ollama:{MODEL}",
    }
    [chat] = state.chats
    user = chat["messages"][-1]["content"]
    assert QUESTION in user and "- à 10h : Démo ACME" in user
    assert "- envoyer le devis ACME (pour demain) [ACME]" in user
    assert chat["format"]["required"] == ["speech"]


def test_a_model_down_slow_or_absent_leaves_the_facts_sentence(pg_dsn: str) -> None:
    """Down, slower than ANSWER_TIMEOUT_S, or not configured: the deterministic sentence."""
    said = "Pour demain : 1 rendez-vous (à 10h, Démo ACME) et 1 action (envoyer le devis ACME)."
    body = {"question": QUESTION, "facts": FACTS}
    with fake_ollama() as (state, url):
        with classify_service(pg_dsn, OLLAMA_URL=url, ANSWER_TIMEOUT_S="0.5") as http:
            state.latency_s = 2.0
            slow = http.post("/v1/answer", json=body)
            state.latency_s, state.fail_with = 0.0, 500
            down = http.post("/v1/answer", json=body)
    with classify_service(pg_dsn) as http:
        absent = http.post("/v1/answer", json=body)
        invalid = http.post("/v1/answer", json={"question": " ", "facts": FACTS})
    for response in (slow, down, absent):
        assert response.json() == {"speech": said, "answered_by": "facts"}
    assert invalid.status_code == 400
