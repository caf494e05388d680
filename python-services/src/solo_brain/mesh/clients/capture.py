"""n8n's capture webhook, as the hub sees it: it forwards every capture (nginx sends
`/api/capture` to the hub, and clients without nginx reach the hub directly).

The body goes through unchanged, with its content type and idempotency key, and n8n's answer
comes back as it is. The hub says when the request arrived (`X-Request-Start`): nginx's header
when it set one, else `t=<epoch seconds>` of now; n8n's time budget runs from then, not from when
its workflow got to it. A capture id the hub gave a capture that came without one goes as
`X-Capture-Id` (n8n files the capture under it). When n8n checks a token of its own
(`CAPTURE_WEBHOOK_TOKEN`), `MESH_CAPTURE_TOKEN` is sent in place of the caller's.
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


def webhook_client(timeout_s: float) -> httpx.AsyncClient:
    """The hub's HTTP client for n8n's webhook: a new connection per capture, never a kept-alive
    one. n8n (Node) closes a connection idle for 5 s when its keep-alive timer fires, and after
    its event loop was busy (a burst) or stopped, that timer runs before the request waiting on
    the socket is read: a reused connection then drops the capture (ReadError). A connection on
    loopback costs a fraction of a millisecond."""
    return httpx.AsyncClient(timeout=timeout_s, limits=httpx.Limits(max_keepalive_connections=0))


class CaptureWebhook:
    """Client of n8n's capture webhook (one shared httpx client, made in the hub's lifespan)."""

    def __init__(self, url: str | None, token: str | None, client: httpx.AsyncClient) -> None:
        self.url = url
        self.token = token
        self.client = client

    def check_configured(self) -> None:
        """Raise CaptureUnavailable when no webhook URL is set."""
        if self.url is None:
            raise CaptureUnavailable(
                "captures are not configured on this hub (set MESH_CAPTURE_URL to n8n's "
                "capture webhook)"
            )

    async def forward(
        self,
        body: bytes | AsyncIterable[bytes],
        headers: Mapping[str, str],
        *,
        request_start: str | None = None,
        capture_id: str | None = None,
        read_timeout_s: float | None = None,
    ) -> WebhookAnswer:
        """POST a capture request's body to the webhook; its answer, whatever its status.
        `read_timeout_s`: how long n8n may take to answer (the client's timeout otherwise)."""
        self.check_configured()
        assert self.url is not None
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        sent["x-request-start"] = request_start or f"t={time.time():.3f}"
        if capture_id:
            sent["x-capture-id"] = capture_id
        if self.token:
            sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
            sent["authorization"] = f"Bearer {self.token}"
        try:
            timeout = self.client.timeout
            if read_timeout_s is not None:
                # Also the wait for one of the client's 100 connections (a burst beyond them).
                timeout = httpx.Timeout(timeout.connect, read=read_timeout_s,
                                        write=timeout.write, pool=read_timeout_s)  # fmt: skip
            answer = await self.client.post(self.url, content=body, headers=sent, timeout=timeout)
        except httpx.HTTPError as exc:
            raise CaptureUnavailable(
                f"the capture webhook did not answer ({type(exc).__name__})"
            ) from exc
        return WebhookAnswer(
            status_code=answer.status_code,
            content=answer.content,
            media_type=answer.headers.get("content-type", "application/json"),
        )
