"""Caps on request bodies and headers, answered with the error envelope of `solo_brain.errors`.

Starlette's own limit answers a plain-text 413, and FastAPI turns a limit hit while it parses a
chunked body into a 400. This middleware answers `413 payload_too_large` in both cases: at once
when Content-Length says too much, and as soon as a streamed body goes past the limit (the
application's own answer, if any, is then dropped).

`HeaderLimit` answers `431 headers_too_large` for a request whose headers (names and values)
add up to more than MAX_HEADER_BYTES; a WebSocket upgrade that big is refused (403) before it
is accepted. `solo-brain serve` also bounds what the HTTP parser buffers (see serve_cli), and
nginx refuses far smaller headers in production.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from solo_brain.errors import HeadersTooLarge, PayloadTooLarge, ServiceError

log = logging.getLogger(__name__)

# Browsers and the Shortcut send a few hundred bytes; nginx's default refuses a header line
# over 8 KiB. 32 KiB leaves room for large cookies and still refuses a 1 MiB header.
MAX_HEADER_BYTES = 32 * 1024


class _Cut(Exception):
    """Raised into the application when its body went past the limit."""


class BodyLimit:
    """ASGI middleware: request bodies over `max_bytes` get `413 payload_too_large`.

    `larger` raises the cap for a few exact paths (an audio upload among small JSON bodies).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope.get("path", ""), self.max_bytes)
        if _declared_length(scope) > max_bytes:
            await self._refuse(send, max_bytes)
            return
        received, started, refused = 0, False, False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    if not started and not refused:
                        refused = True
                        await self._refuse(send, max_bytes)
                    raise _Cut
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer; whatever the application says now is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _Cut:
            if not refused:
                raise
        except Exception:
            if not refused:
                raise
            log.debug("request cut at %d bytes", max_bytes, exc_info=True)

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        message = f"the request body is over the limit of {max_bytes} bytes"
        await _answer(send, PayloadTooLarge(message))


class HeaderLimit:
    """ASGI middleware: requests whose headers are over `max_bytes` get `431 headers_too_large`
    (a WebSocket upgrade is refused before it is accepted)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or _header_bytes(scope) <= self.max_bytes:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "headers too large"})
            return
        message = f"the request headers are over the limit of {self.max_bytes} bytes"
        await _answer(send, HeadersTooLarge(message))


async def _answer(send: Send, error: ServiceError) -> None:
    """Send `error` as the whole answer, then close the connection."""
    body = json.dumps(error.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header_bytes(scope: Scope) -> int:
    return sum(len(name) + len(value) for name, value in scope.get("headers", ()))


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
