"""Helpers the n8n workflows call for WhatsApp, and for keeping raw audio before any model runs.

GET  /v1/whatsapp/verify              Meta's subscription check: the challenge when the token fits
POST /v1/whatsapp/inbound             raw webhook body + X-Hub-Signature-256 -> flat message list
POST /v1/whatsapp/media/{media_id}    Graph API media lookup + download -> audio kept, its ref
POST /v1/whatsapp/voice-notes         a stored OGG/Opus file uploaded to WhatsApp -> media id
POST /v1/audio                        multipart `audio` kept as is (no transcription yet)

    UpstreamError (solo_brain.errors)   502
    ├── GraphError                      502  the Graph API refused (4xx) or answered garbage
    └── UpstreamUnavailable             503
        └── GraphUnavailable            503  not configured, unreachable, too slow, 5xx
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from solo_brain.errors import (
    Forbidden,
    InvalidRequest,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMedia,
    UpstreamError,
    UpstreamUnavailable,
)
from solo_brain.glue.deps import Settings, Store
from solo_brain.glue.formats import sniff_audio
from solo_brain.glue.upload import read_audio_form
from solo_brain.glue.upstream import excerpt
from solo_brain.media import AUDIO_TYPES

# Meta's deliveries are a few kilobytes (media come by id, not inline).
MAX_DELIVERY_BYTES = 1024 * 1024


class WhatsAppSettings(BaseSettings):
    """WhatsApp Business (Cloud API) settings of the glue service."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_secret: str | None = Field(default=None, alias="WHATSAPP_APP_SECRET")
    token: str | None = Field(default=None, alias="WHATSAPP_TOKEN")
    phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    verify_token: str | None = Field(default=None, alias="WHATSAPP_VERIFY_TOKEN")
    graph_api_url: str = Field(default="https://graph.facebook.com", alias="GRAPH_API_URL")
    graph_api_version: str = Field(default="v21.0", alias="GRAPH_API_VERSION")
    graph_timeout_s: float = Field(default=20.0, alias="GRAPH_TIMEOUT_S")


class GraphError(UpstreamError):
    """The Graph API answered with an error or with something unusable."""

    code = "graph_error"


class GraphUnavailable(UpstreamUnavailable):
    """The Graph API is not configured, not reachable, failing (5xx) or too slow."""

    code = "graph_unavailable"


class InboundMessage(BaseModel):
    """One WhatsApp message as the workflows use it."""

    message_id: str
    from_: str = Field(serialization_alias="from")
    name: str | None = None
    type: Literal["text", "audio"]
    text: str | None = None
    media_id: str | None = None
    voice: bool = False
    timestamp: str | None = Field(default=None, description="ISO 8601, UTC")


class Inbound(BaseModel):
    """The messages of one webhook delivery; `ignore` when there is nothing to capture."""

    ignore: bool
    reason: str | None = None
    messages: list[InboundMessage] = []
    skipped: list[dict[str, str]] = Field(default=[], description="unsupported message types")


class MediaInfo(BaseModel):
    """The Graph API's description of an uploaded or received media."""

    url: str
    mime_type: str
    sha256: str | None = None
    file_size: int | None = None
    id: str


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex HMAC-SHA256 of body with secret>` (constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().lower().encode())


def normalise(payload: Any) -> Inbound:
    """Flatten Meta's `entry[].changes[].value.messages[]`; status updates are to be ignored."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise InvalidRequest("not a WhatsApp Business webhook payload (no entry list)")
    messages: list[InboundMessage] = []
    skipped: list[dict[str, str]] = []
    statuses = 0
    for entry in payload["entry"]:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name")
                     for c in value.get("contacts") or []}  # fmt: skip
            statuses += len(value.get("statuses") or [])
            for raw in value.get("messages") or []:
                message = _message(raw, names) if isinstance(raw, dict) else None
                if message is None:
                    skipped.append(_describe(raw))
                else:
                    messages.append(message)
    if messages:
        return Inbound(ignore=False, messages=messages, skipped=skipped)
    reason = "status update" if statuses else "no text or voice message"
    return Inbound(ignore=True, reason=reason, skipped=skipped)


def _describe(raw: Any) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return {"message_id": str(raw.get("id")), "type": str(raw.get("type"))}


def _message(raw: dict[str, Any], names: dict[Any, Any]) -> InboundMessage | None:
    kind, sender, message_id = raw.get("type"), raw.get("from"), raw.get("id")
    if not isinstance(sender, str) or not isinstance(message_id, str):
        return None
    stamp = raw.get("timestamp")
    when = (
        datetime.fromtimestamp(int(stamp), UTC).isoformat()
        if isinstance(stamp, str | int) and str(stamp).isdigit()
        else None
    )
    common: dict[str, Any] = {"message_id": message_id, "from_": sender,
                              "name": names.get(sender), "timestamp": when}  # fmt: skip
    if kind == "text" and (raw.get("text") or {}).get("body"):
        return InboundMessage(type="text", text=raw["text"]["body"], **common)
    if kind == "audio" and (raw.get("audio") or {}).get("id"):
        audio = raw["audio"]
        return InboundMessage(type="audio", media_id=audio["id"], voice=bool(audio.get("voice")),
                              **common)  # fmt: skip
    return None


class GraphClient:
    """The parts of the WhatsApp Cloud (Graph) API the glue uses, through an injected client."""

    def __init__(self, http: httpx.AsyncClient, settings: WhatsAppSettings) -> None:
        self._http, self._s = http, settings
        self._base = f"{settings.graph_api_url.rstrip('/')}/{settings.graph_api_version}"

    async def media_info(self, media_id: str) -> MediaInfo:
        """Where a received media can be downloaded (`GET /{version}/{media-id}`)."""
        response = await self._call("GET", f"{self._base}/{media_id}")
        try:
            return MediaInfo.model_validate_json(response.content)
        except ValidationError as exc:
            raise GraphError(f"the Graph API media lookup answered {excerpt(response)}") from exc

    async def download(self, url: str, max_bytes: int) -> bytes:
        """The media bytes behind a lookup URL (it needs the bearer token too)."""
        data = (await self._call("GET", url)).content
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"the WhatsApp media is larger than {max_bytes} bytes")
        return data

    async def upload(self, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending (`POST /{version}/{phone-number-id}/media`); its media id."""
        if not self._s.phone_number_id:
            raise GraphUnavailable("WhatsApp is not configured (set WHATSAPP_PHONE_NUMBER_ID)")
        response = await self._call(
            "POST",
            f"{self._base}/{self._s.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GraphError(f"the Graph API media upload answered {excerpt(response)}") from exc

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if not self._s.token:
            raise GraphUnavailable("WhatsApp is not configured (set WHATSAPP_TOKEN)")
        headers = {"Authorization": f"Bearer {self._s.token}"}
        try:
            response = await self._http.request(
                method, url, headers=headers, timeout=self._s.graph_timeout_s, **kwargs
            )
        except httpx.TimeoutException as exc:
            raise GraphUnavailable(f"the Graph API did not answer within "
                                   f"{self._s.graph_timeout_s:g} s") from exc  # fmt: skip
        except httpx.HTTPError as exc:
            raise GraphUnavailable(f"the Graph API is unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise GraphUnavailable(f"the Graph API failed with HTTP {response.status_code}")
        if response.status_code >= 400:
            raise GraphError(f"the Graph API refused with HTTP {response.status_code}: "
                             f"{excerpt(response)}")  # fmt: skip
        return response


class StoredAudio(BaseModel):
    """Audio kept under `audio_ref`, in the format its bytes say."""

    audio_ref: str
    format: str
    bytes: int


class VoiceNoteRequest(BaseModel):
    """A stored OGG/Opus file to upload as a WhatsApp voice note."""

    audio_ref: str = Field(pattern=r"^[0-9a-f]{32}$")


def _graph(request: Request) -> GraphClient:
    return request.app.state.graph


Graph = Annotated[GraphClient, Depends(_graph)]


def whatsapp_router(settings: WhatsAppSettings | None = None) -> APIRouter:
    """The WhatsApp and raw-audio routes; a Graph client lives for the app's lifespan."""
    wa = settings or WhatsAppSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(follow_redirects=True) as http:
            app.state.graph = GraphClient(http, wa)
            yield

    router = APIRouter(tags=["whatsapp"], lifespan=lifespan)

    @router.get("/v1/whatsapp/verify")
    async def verify(
        mode: Annotated[str, Query(alias="hub.mode")] = "",
        token: Annotated[str, Query(alias="hub.verify_token")] = "",
        challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "",
    ) -> dict[str, str]:
        """The challenge to echo when Meta's subscription check carries our verify token."""
        if not wa.verify_token:
            raise UpstreamUnavailable("set WHATSAPP_VERIFY_TOKEN to subscribe the webhook")
        if mode != "subscribe" or not hmac.compare_digest(token.encode(), wa.verify_token.encode()):
            raise Forbidden("the verify token does not match WHATSAPP_VERIFY_TOKEN")
        return {"challenge": challenge}

    @router.post("/v1/whatsapp/inbound", response_model=Inbound, response_model_by_alias=True)
    async def inbound(request: Request) -> Inbound:
        """The messages of a delivery whose signature is valid; 401 for a forged one."""
        if not wa.app_secret:
            raise UpstreamUnavailable("set WHATSAPP_APP_SECRET: unsigned deliveries are refused")
        body = await _read_limited(request, MAX_DELIVERY_BYTES)
        if not signature_is_valid(wa.app_secret, body, request.headers.get("x-hub-signature-256")):
            raise Unauthorized("the X-Hub-Signature-256 of this delivery is missing or wrong")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise InvalidRequest("the delivery body is not JSON") from exc
        return normalise(payload)

    @router.post("/v1/whatsapp/media/{media_id}", response_model=StoredAudio)
    async def fetch_media(
        media_id: Annotated[str, Path(pattern=r"^[0-9A-Za-z._-]{1,128}$")],
        graph: Graph,
        store: Store,
        settings: Settings,
    ) -> StoredAudio:
        """Download a received voice note through the Graph API and keep it."""
        info = await graph.media_info(media_id)
        if info.file_size and info.file_size > settings.max_audio_bytes:
            raise PayloadTooLarge(f"the WhatsApp media is {info.file_size} bytes, over the limit")
        return await _keep(store, await graph.download(info.url, settings.max_audio_bytes))

    @router.post("/v1/whatsapp/voice-notes")
    async def upload_voice_note(
        body: VoiceNoteRequest, graph: Graph, store: Store
    ) -> dict[str, str]:
        """Upload a stored OGG/Opus file to WhatsApp; answers `{media_id}` to send it with."""
        audio, data = await asyncio.to_thread(store.read, body.audio_ref)
        if audio.ext != "ogg":
            raise UnsupportedMedia(f"a WhatsApp voice note must be OGG/Opus, not {audio.ext}")
        media_id = await graph.upload(data, "audio/ogg", f"{audio.ref}.ogg")
        return {"media_id": media_id}

    @router.post("/v1/audio", response_model=StoredAudio, tags=["audio"])
    async def keep_audio(request: Request, store: Store, settings: Settings) -> StoredAudio:
        """Keep an uploaded recording before any model sees it (multipart field `audio`)."""
        upload = await read_audio_form(
            request, file_field="audio", max_bytes=settings.max_audio_bytes
        )
        return await _keep(store, upload.data)

    return router


async def _read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it grows past `limit` bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"a WhatsApp delivery is at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _keep(store: Any, data: bytes) -> StoredAudio:
    sniffed = sniff_audio(data) if data else None
    if sniffed is None or sniffed.format not in AUDIO_TYPES:
        raise UnsupportedMedia("this is not audio in a format we accept (wav, mp3, m4a, ogg, ...)")
    audio = await asyncio.to_thread(store.save, data, sniffed.format)
    return StoredAudio(audio_ref=audio.ref, format=audio.ext, bytes=audio.size)
