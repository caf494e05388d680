"""A fake WhatsApp Cloud API (Meta Graph API), plus builders of signed webhook deliveries.

    GET  /{version}/{media-id}                 {messaging_product, url, mime_type, sha256,
                                                file_size, id}
    GET  /media/{media-id}                     the bytes (the lookup `url`; Bearer needed too)
    POST /{version}/{phone-number-id}/media    multipart file, type, messaging_product -> {id}
    POST /{version}/{phone-number-id}/messages {messaging_product, to, type: text|audio, ...}
                                               -> {messaging_product, contacts, messages: [{id}]}

Every call needs `Authorization: Bearer <token>`; errors use the Graph shape `{"error": {message,
type: "OAuthException", code, error_subcode?, fbtrace_id}}`. An audio message must name a media id
that was uploaded or received. `meta_delivery(...)` builds the webhook body Meta posts, and
`sign(body, secret)` its `X-Hub-Signature-256` header.

Knobs on `GraphState`: `latency_s`, `fail_with` (HTTP status). `sent` keeps every message sent,
`uploads` every uploaded file, `requests` every call as (method, path).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

GRAPH_VERSION = "v21.0"


@dataclass
class Media:
    """A file the fake holds: received from a user or uploaded by the business."""

    data: bytes
    mime_type: str


@dataclass
class GraphState:
    """The business token, phone number id, media, failure knobs and what was sent."""

    token: str = "whatsapp-token"
    phone_number_id: str = "106540352242922"
    media: dict[str, Media] = field(default_factory=dict)
    latency_s: float = 0.0
    fail_with: int | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def receive_media(self, data: bytes, mime_type: str = "audio/ogg; codecs=opus") -> str:
        """Hold a file as if a user had sent it; its media id."""
        media_id = str(10**15 + secrets.randbelow(10**15))
        self.media[media_id] = Media(data, mime_type)
        return media_id

    def wait_for_sent(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The sent messages matching `predicate`, as soon as there is one; [] after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in list(self.sent) if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        return []


def _error(status: int, message: str, code: int, subcode: int | None = None) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": secrets.token_urlsafe(12)}  # fmt: skip
    if subcode:
        error["error_subcode"] = subcode
    return JSONResponse({"error": error}, status_code=status)


def create_graph_app(state: GraphState) -> FastAPI:
    """The fake Graph API answering from `state`."""
    app = FastAPI(title="fake whatsapp cloud api")

    async def guard(request: Request) -> JSONResponse | None:
        state.requests.append((request.method, request.url.path))
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.fail_with:
            return _error(state.fail_with, "An unexpected error has occurred.", 2)
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return _error(401, "Invalid OAuth access token - Cannot parse access token", 190)
        return None

    @app.get("/media/{media_id}")
    async def download(media_id: str, request: Request) -> Response:
        if refused := await guard(request):
            return refused
        if media_id not in state.media:
            return _error(404, "Media not found", 100, 33)
        media = state.media[media_id]
        return Response(media.data, media_type=media.mime_type.split(";")[0])

    @app.get("/{version}/{media_id}")
    async def lookup(version: str, media_id: str, request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        if media_id not in state.media:
            return _error(400, f"Unsupported get request. Object with ID '{media_id}' does not "
                          "exist", 100, 33)  # fmt: skip
        media = state.media[media_id]
        return JSONResponse({
            "messaging_product": "whatsapp",
            "url": f"{str(request.base_url).rstrip('/')}/media/{media_id}",
            "mime_type": media.mime_type,
            "sha256": hashlib.sha256(media.data).hexdigest(),
            "file_size": len(media.data),
            "id": media_id,
        })  # fmt: skip

    @app.post("/{version}/{phone_number_id}/media")
    async def upload(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        if phone_number_id != state.phone_number_id:
            return _error(400, "Invalid parameter", 100)
        form = await request.form()
        file = form.get("file")
        if form.get("messaging_product") != "whatsapp" or not hasattr(file, "read"):
            return _error(400, "(#100) The parameter messaging_product is required.", 100)
        data = await file.read()  # type: ignore[union-attr]
        media_id = state.receive_media(data, str(form.get("type") or "application/octet-stream"))
        state.uploads.append({"id": media_id, "type": form.get("type"), "bytes": len(data)})
        return JSONResponse({"id": media_id})

    @app.post("/{version}/{phone_number_id}/messages")
    async def send(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "(#100) Invalid parameter", 100)
        problem = _check_message(body, state, phone_number_id)
        if problem:
            return _error(400, f"(#100) {problem}", 100)
        message_id = "wamid." + secrets.token_urlsafe(24)
        state.sent.append({**body, "id": message_id})
        return JSONResponse({"messaging_product": "whatsapp",
                             "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                             "messages": [{"id": message_id}]})  # fmt: skip

    return app


def _check_message(body: Any, state: GraphState, phone_number_id: str) -> str | None:
    if phone_number_id != state.phone_number_id:
        return "Invalid parameter: unknown phone number id"
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "The parameter messaging_product is required."
    if not str(body.get("to") or "").strip():
        return "The parameter to is required."
    kind = body.get("type", "text")
    if kind == "text":
        if not str((body.get("text") or {}).get("body") or "").strip():
            return "The parameter text['body'] is required."
        return None
    if kind == "audio":
        media_id = (body.get("audio") or {}).get("id")
        if media_id not in state.media:
            return "Param audio['id'] is not a valid whatsapp business account media attachment ID."
        return None
    return f"Unsupported message type {kind!r} in this fake"


def meta_delivery(messages: list[dict[str, Any]] | None = None,
                  statuses: list[dict[str, Any]] | None = None,
                  phone_number_id: str = "106540352242922",
                  contact: tuple[str, str] = ("33612345678", "Solo")) -> bytes:  # fmt: skip
    """The JSON body Meta posts to the webhook for these messages and/or status updates."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": contact[1]}, "wa_id": contact[0]}]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    change = {"value": value, "field": "messages"}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [change]}],
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def text_message(text: str, sender: str = "33612345678") -> dict[str, Any]:
    """A received text message, as it appears in a delivery."""
    return {"from": sender, "id": "wamid." + secrets.token_urlsafe(24),
            "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}  # fmt: skip


def voice_message(media_id: str, sender: str = "33612345678") -> dict[str, Any]:
    """A received voice note, as it appears in a delivery."""
    return {"from": sender, "id": "wamid." + secrets.token_urlsafe(24),
            "timestamp": str(int(time.time())), "type": "audio",
            "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "", "id": media_id,
                      "voice": True}}  # fmt: skip


def sign(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header Meta sends with `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
