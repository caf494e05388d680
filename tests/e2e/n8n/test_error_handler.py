"""The error workflow attached to every workflow: audit log and notification."""

from __future__ import annotations

import pytest

from tests.e2e.n8n.stack import Stack, wait_for

pytestmark = pytest.mark.n8n


def test_failed_execution_is_audited_and_notified(stack: Stack) -> None:
    """When Onyx keeps failing, the failure is audited and pushed on Gotify; nothing is lost."""
    note = (
        "Compte rendu de l'atelier capteurs. " + "Les mesures dérivent avec la température. " * 10
    )
    stack.onyx.fail_with = 500
    try:
        response = stack.capture(text=note)
    finally:
        stack.onyx.fail_with = None

    assert response.status_code == 200, response.text
    capture_id = response.json()["capture_id"]
    assert stack.capture_row(capture_id)["category"] is not None

    def audited() -> list[dict]:
        return [r for r in stack.rows("SELECT * FROM assistant.audit_log "
                                      "WHERE action = 'workflow.failed' ORDER BY id")
                if r["detail"].get("node") == "Send the note to Onyx"]  # fmt: skip

    (entry,) = wait_for(audited, what="the audit log entry")[-1:]
    assert entry["subject"] == "capture-process" and entry["detail"]["message"]
    assert stack.gotify.wait_for(lambda m: "capture-process" in m["title"]
                                 and "Send the note to Onyx" in m["message"])  # fmt: skip
