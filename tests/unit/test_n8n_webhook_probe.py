"""The readiness probe of n8n's webhooks: a CORS preflight, which n8n answers from its webhook
table without logging; only a 204 naming the path's methods counts, never the answers it gives
every path while it starts, nor the bare preflight answer of a path no workflow registered."""

from __future__ import annotations

import httpx
import pytest

from solo_brain.n8n.runner import webhook_registered

REQUEST = httpx.Request("OPTIONS", "http://127.0.0.1:5678/webhook/capture")


def answer(status: int, body: str = "", allow: str | None = None) -> httpx.Response:
    """n8n's answer to the probe, as recorded from n8n 1.123."""
    headers = {} if allow is None else {"Access-Control-Allow-Methods": allow}
    return httpx.Response(status, text=body, headers=headers, request=REQUEST)


@pytest.mark.parametrize("allow", ["OPTIONS, POST", "OPTIONS, GET, POST"])
def test_a_path_registered_for_post_is_up(allow: str) -> None:
    """A registered path: 204 with its methods (capture: POST; whatsapp: GET and POST)."""
    assert webhook_registered(answer(204, allow=allow))


@pytest.mark.parametrize(
    ("status", "body", "allow"),
    [
        (200, "n8n is starting up. Please wait", None),
        (503, '{"code":503,"message":"Database is not ready!"}', None),
        (204, "", "OPTIONS"),
        (404, '{"code":404,"message":"The requested webhook is not registered."}', None),
    ],
)
def test_n8n_starting_or_the_workflow_inactive_is_not_up(
    status: int, body: str, allow: str | None
) -> None:
    """Starting, database not ready, or no workflow on the path: not up."""
    assert not webhook_registered(answer(status, body, allow))
