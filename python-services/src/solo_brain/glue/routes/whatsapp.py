"""The WhatsApp helpers the n8n workflows call.

GET  /v1/whatsapp/verify              Meta's subscription check: the challenge when the token fits
POST /v1/whatsapp/inbound             raw webhook body + X-Hub-Signature-256 -> flat message list
POST /v1/whatsapp/media/{media_id}    Graph API media lookup + download -> audio kept, its ref
POST /v1/whatsapp/voice-notes         a stored OGG/Opus file uploaded to WhatsApp -> media id
"""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from solo_brain.errors import (
    Forbidden,
    InvalidRequest,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMedia,
    UpstreamUnavailable,
    documented_errors,
)
from solo_brain.glue.deps import Graph, Settings, Store
from solo_brain.glue.keep import keep_audio
from solo_brain.glue.models import Inbound, StoredAudio, VoiceNoteRequest, VoiceNoteResponse
from solo_brain.glue.whatsapp import normalise, signature_is_valid

router = APIRouter(prefix="/v1/whatsapp", tags=["whatsapp"])

# Meta's deliveries are a few kilobytes (media come by id, not inline).
MAX_DELIVERY_BYTES = 1024 * 1024


@router.get(
    "/verify",
    responses=documented_errors(
        {
            403: "the verify token does not match",
            503: "WHATSAPP_VERIFY_TOKEN is not set (`configured: false`)",
        }
    ),
)
async def verify(
    settings: Settings,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "",
) -> dict[str, str]:
    """The challenge to echo when Meta's subscription check carries our verify token."""
    expected = settings.whatsapp_verify_token
    if not expected:
        raise UpstreamUnavailable(
            "set WHATSAPP_VERIFY_TOKEN to subscribe the webhook", configured=False
        )
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("the verify token does not match WHATSAPP_VERIFY_TOKEN")
    return {"challenge": challenge}


@router.post(
    "/inbound",
    response_model=Inbound,
    response_model_by_alias=True,
    responses=documented_errors(
        {
            400: "the body is not JSON",
            401: "the signature is missing or wrong",
            413: "a delivery over 1 MiB",
            503: "WHATSAPP_APP_SECRET is not set (`configured: false`)",
        }
    ),
)
async def inbound(request: Request, settings: Settings) -> Inbound:
    """The messages of a delivery whose signature is valid; 401 for a forged one."""
    secret = settings.whatsapp_app_secret
    if not secret:
        raise UpstreamUnavailable(
            "set WHATSAPP_APP_SECRET: unsigned deliveries are refused", configured=False
        )
    body = await _read_limited(request, MAX_DELIVERY_BYTES)
    if not signature_is_valid(secret, body, request.headers.get("x-hub-signature-256")):
        raise Unauthorized("the X-Hub-Signature-256 of this delivery is missing or wrong")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise InvalidRequest("the delivery body is not JSON") from exc
    return normalise(payload)


# A media id is a path segment of the Graph API URL: it may not start with a dot, so "." and
# ".." never walk the token-bearing request to another Graph path.
MEDIA_ID = r"^[0-9A-Za-z_-][0-9A-Za-z._-]{0,127}$"


@router.post(
    "/media/{media_id}",
    responses=documented_errors(
        {
            413: "the media is over MAX_AUDIO_BYTES",
            415: "not an audio format the service reads",
            502: "the Graph API answered something unusable (`graph_error`)",
            503: "the Graph API does not answer, or is not configured (`graph_unavailable`; "
            "`configured: false` when WHATSAPP_TOKEN or WHATSAPP_PHONE_NUMBER_ID is unset)",
        }
    ),
)
async def fetch_media(
    media_id: Annotated[str, Path(pattern=MEDIA_ID)],
    graph: Graph,
    store: Store,
    settings: Settings,
) -> StoredAudio:
    """Download a received voice note through the Graph API and keep it."""
    info = await graph.media_info(media_id)
    if info.file_size and info.file_size > settings.max_audio_bytes:
        raise PayloadTooLarge(f"the WhatsApp media is {info.file_size} bytes, over the limit")
    data = await graph.download(info.url, settings.max_audio_bytes)
    audio = await keep_audio(store, data, "the WhatsApp media")
    return StoredAudio(audio_ref=audio.ref, format=audio.ext, bytes=audio.size)


@router.post(
    "/voice-notes",
    responses=documented_errors(
        {
            404: "no audio kept under this ref (`audio_not_found`)",
            415: "the audio is not OGG/Opus",
            502: "the Graph API answered something unusable (`graph_error`)",
            503: "the Graph API does not answer, or is not configured (`graph_unavailable`; "
            "`configured: false` when WHATSAPP_TOKEN or WHATSAPP_PHONE_NUMBER_ID is unset)",
        }
    ),
)
async def upload_voice_note(
    body: VoiceNoteRequest, graph: Graph, store: Store
) -> VoiceNoteResponse:
    """Upload a stored OGG/Opus file to WhatsApp; answers `{media_id}` to send it with."""
    audio, data = await asyncio.to_thread(store.read, body.audio_ref)
    if audio.ext != "ogg":
        raise UnsupportedMedia(f"a WhatsApp voice note must be OGG/Opus, not {audio.ext}")
    return VoiceNoteResponse(media_id=await graph.upload(data, "audio/ogg", f"{audio.ref}.ogg"))


async def _read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it grows past `limit` bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"a WhatsApp delivery is at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
