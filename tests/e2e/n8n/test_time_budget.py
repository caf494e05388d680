"""Answer in time: slow models never make the Siri Shortcut wait past the time budget."""

from __future__ import annotations

import time

import pytest

from tests.e2e.n8n.stack import Stack, wait_for

pytestmark = pytest.mark.n8n


def test_slow_model_answers_within_budget_and_confirms_later(stack: Stack) -> None:
    """With Ollama slower than the budget, the webhook answers pending in time; a push follows."""
    budget = stack.settings.capture_time_budget_s
    stack.brain.when("facture", "fournisseur", answer={"category": "admin",
                                                      "summary": "Payer la facture"})  # fmt: skip
    stack.ollama.latency_s = budget + 3
    try:
        started = time.monotonic()
        response = stack.capture(text="Penser à payer la facture du fournisseur")
        elapsed = time.monotonic() - started
    finally:
        stack.ollama.latency_s = 0.0

    assert response.status_code == 200, response.text
    assert elapsed < budget + 0.5
    body = response.json()
    assert body["status"].startswith("pending")
    assert "je m'en occupe" in body["speech"] and body["tts_url"] is None

    def filed() -> dict | None:
        row = stack.capture_row(body["capture_id"])
        return row if row["status"] == "filed" and row["confirmation"] == "notified" else None

    row = wait_for(filed, timeout=budget + 30, what="the capture to be filed after the budget")
    assert row["category"] == "admin"
    pushed = stack.gotify.wait_for(
        lambda m: bool(row["tts_url"]) and row["tts_url"] in m["message"]
    )
    assert len(pushed) == 1 and pushed[0]["message"].startswith(row["speech"])
