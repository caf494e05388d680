"""n8n's capture webhook, as the hub sees it when a client reaches the hub without nginx.

The hub does what nginx does in production: the body goes through unchanged (streamed, never
read into memory), with its content type and idempotency key, and n8n's answer comes back as
it is. Like nginx, the hub says when the request arrived (`X-Request-Start: t=<epoch seconds>`):
n8n's time budget runs from then, not from when its workflow got to it. When n8n checks a token
of its own (`CAPTURE_WEBHOOK_TOKEN`), `MESH_CAPTURE_TOKEN` is sent in place of the caller's.
Failures raise CaptureUnavailable (mesh/errors.py): not configured, unreachable or slower than
MESH_CAPTURE_TIMEOUT_S.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Mapping

import httpx
from pydantic import BaseModel

from solo_brain.mesh.errors import CaptureUnavailable

# What a capture request carries that n8n needs; nothing else of the caller's goes through.
FORWARDED_HEADERS = ("content-type", "authorization", "idempotency-key")


class WebhookAnswer(BaseModel):
    """n8n's answer, passed back to the caller untouched."""

    status_code: int
    content: bytes
    media_type: str


class CaptureWebhook:
    """Client of n8n's capture webhook (one shared httpx client, made in the hub's lifespan)."""

    def __init__(self, url: str | None, token: str | None, client: httpx.AsyncClient) -> None:
        self.url = url
        self.token = token
        self.client = client

    async def forward(
        self, body: AsyncIterable[bytes], headers: Mapping[str, str]
    ) -> WebhookAnswer:
        """POST a capture request's body to the webhook; its answer, whatever its status."""
        if self.url is None:
            raise CaptureUnavailable(
                "captures are not configured on this hub (set MESH_CAPTURE_URL to n8n's "
                "capture webhook, or put nginx in front)"
            )
        arrived = time.time()
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        sent["x-request-start"] = f"t={arrived:.3f}"
        if self.token:
            sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
            sent["authorization"] = f"Bearer {self.token}"
        try:
            answer = await self.client.post(self.url, content=body, headers=sent)
        except httpx.HTTPError as exc:
            raise CaptureUnavailable(
                f"the capture webhook did not answer ({type(exc).__name__})"
            ) from exc
        return WebhookAnswer(
            status_code=answer.status_code,
            content=answer.content,
            media_type=answer.headers.get("content-type", "application/json"),
        )
