"""The readiness probe of n8n's webhooks: only n8n's own "registered for other methods" answer
counts, never the answers it gives every path while it starts."""

from __future__ import annotations

import httpx
import pytest

from solo_brain.n8n.runner import webhook_registered

REQUEST = httpx.Request("DELETE", "http://127.0.0.1:5678/webhook/capture")


def answer(status: int, body: str) -> httpx.Response:
    return httpx.Response(status, text=body, request=REQUEST)


def test_a_path_registered_for_post_is_up() -> None:
    body = (
        '{"code":404,"message":"This webhook is not registered for DELETE requests. '
        'Did you mean to make a POST request?"}'
    )
    assert webhook_registered(answer(404, body))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, "n8n is starting up. Please wait"),
        (503, '{"code":503,"message":"Database is not ready!"}'),
        (404, '{"code":404,"message":"The requested webhook \\"capture\\" is not registered."}'),
        (404, "<pre>Cannot DELETE /webhook/capture</pre>"),
    ],
)
def test_n8n_starting_or_the_workflow_inactive_is_not_up(status: int, body: str) -> None:
    assert not webhook_registered(answer(status, body))
