"""The error workflow attached to every workflow: audit log and notification."""

from __future__ import annotations

import pytest

from tests.e2e.n8n.stack import Stack, wait_for
from tests.fakes.graph import meta_delivery, voice_message

pytestmark = pytest.mark.n8n


def test_failed_execution_is_audited_and_notified(stack: Stack) -> None:
    """A voice note whose media Meta no longer has fails its execution: audited and pushed."""
    gone = "1" + "0" * 15  # a media id the Graph API fake does not hold
    response = stack.whatsapp(meta_delivery([voice_message(gone, sender="33699999999")]))
    assert response.status_code == 200, response.text

    def audited() -> list[dict]:
        return [r for r in stack.rows("SELECT * FROM assistant.audit_log "
                                      "WHERE action = 'workflow.failed' ORDER BY id")
                if r["detail"].get("node") == "Download the voice note"]  # fmt: skip

    (entry,) = wait_for(audited, what="the audit log entry")[-1:]
    assert entry["subject"] == "whatsapp" and entry["detail"]["message"]
    assert stack.gotify.wait_for(lambda m: "whatsapp" in m["title"]
                                 and "Download the voice note" in m["message"])  # fmt: skip
