"""The inbox: captures listed and searched, read in full, re-classified by hand, taken again.

    GET   /api/captures?status=&category=&project=&client=&q=&before=&limit=
                                    → {captures: [...], next_before}   newest first
    GET   /api/captures/{id}        → the capture, its actions, deliveries and audit trail
    GET   /api/captures/{id}/audio  → the kept audio (404 audio_not_found once purged)
    PATCH /api/captures/{id}        {category, project, client_id, summary, actions} → the capture
                                    (Idempotency-Key: the same key twice applies it once)
    POST  /api/captures/{id}/retry  → 202 {capture_id, status, redo, queued}

A re-classification and a retry are then routed by n8n: the hub emits `capture_reclassified`
or `capture_retry` to the mesh-events workflow.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import FileResponse

from solo_brain.errors import InvalidRequest, documented_errors
from solo_brain.media import AudioNotFound
from solo_brain.mesh.clients.events import CAPTURE_RECLASSIFIED, CAPTURE_RETRY
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, CaptureIdPath, FullToken, HubDep, Media
from solo_brain.mesh.models.phone import (
    ActionIn,
    CaptureOut,
    CapturesPage,
    ReclassifyIn,
    RetryOut,
    StoredCategory,
)
from solo_brain.mesh.store import captures
from solo_brain.mesh.store.captures import InboxFilter

router = APIRouter(prefix="/api/captures", tags=["captures"], responses=TOKEN_ERRORS)

StatusFilter = Literal[
    "pending_transcription", "pending_classification", "filed", "failed", "pending",
    "needs_review", "delivery_failed",
]  # fmt: skip
Text = Annotated[str | None, Query(max_length=200)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", pattern=r"^[A-Za-z0-9_.:-]{8,100}$",
           description="the same key again applies the change once"),
]  # fmt: skip


def _detail(row: dict[str, Any]) -> CaptureOut:
    audio = f"/api/captures/{row['capture_id']}/audio" if row["has_audio"] else None
    return CaptureOut.model_validate({**row, "audio_url": audio})


@router.get("", **FULL_SCOPE)
async def list_captures(
    hub: HubDep,
    _: FullToken,
    status: Annotated[StatusFilter | None, Query()] = None,
    category: Annotated[StoredCategory | None, Query()] = None,
    project: Text = None,
    client: Text = None,
    q: Text = None,
    before: Annotated[str | None, Query(pattern=r"^cap_[0-9A-HJKMNP-TV-Z]{26}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CapturesPage:
    """Captures newest first; `q` is a French full-text search over transcript, summary and
    actions (accents and case ignored, the last words as prefixes)."""
    where = InboxFilter(status=status, category=category, project=project, client=client, q=q)
    page, next_before = await captures.list_captures(hub.pool, where, before, limit)
    return CapturesPage.model_validate({"captures": page, "next_before": next_before})


@router.get("/{capture_id}", **FULL_SCOPE, responses=documented_errors({404: "no such capture"}))
async def get_capture(hub: HubDep, _: FullToken, capture_id: CaptureIdPath) -> CaptureOut:
    """One capture with its actions, deliveries and audit trail."""
    return _detail(await captures.get_capture(hub.pool, capture_id))


@router.get(
    "/{capture_id}/audio",
    response_class=FileResponse,
    **FULL_SCOPE,
    responses=documented_errors(
        {404: "no such capture, or its audio is not kept (`audio_not_found`)"}
    ),
)
async def get_capture_audio(
    hub: HubDep, _: FullToken, media: Media, capture_id: CaptureIdPath
) -> FileResponse:
    """The capture's kept audio; 404 `audio_not_found` when it had none or it was purged."""
    ref = await captures.audio_ref(hub.pool, capture_id)
    audio = await asyncio.to_thread(media.find, ref) if ref else None
    if audio is None:
        raise AudioNotFound(f"the audio of {capture_id} is not kept (none, or purged)")
    return FileResponse(audio.path, media_type=audio.content_type,
                        headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip


@router.patch("/{capture_id}", **FULL_SCOPE, responses=documented_errors({404: "no such capture"}))
async def reclassify_capture(
    hub: HubDep,
    token: FullToken,
    capture_id: CaptureIdPath,
    body: ReclassifyIn,
    idempotency_key: IdempotencyKey = None,
) -> CaptureOut:
    """Re-classify by hand (checked against the catalog, audited); n8n then delivers what it
    implies (a new dated action gets its calendar event, a removed one loses it). The same
    `Idempotency-Key` twice applies the change once (the app's outbox replays)."""
    change = body.model_dump(mode="json", include=body.model_fields_set)
    if "actions" in change:
        if change["actions"] is None:
            raise InvalidRequest("actions: a list of actions ([] removes them all), not null")
        change["actions"] = [_action_change(a) for a in body.actions or []]
    applied = await captures.reclassify(hub.pool, capture_id, change, token.actor, idempotency_key)
    if applied:
        hub.webhook.emit(CAPTURE_RECLASSIFIED, capture_id=capture_id, actor=token.actor)
    return _detail(await captures.get_capture(hub.pool, capture_id))


def _action_change(action: ActionIn) -> dict[str, Any]:
    # `due` is always said (null clears it); `due_time` only when sent: left out, the action
    # keeps its time (an older app knows no times), null makes it an all-day action.
    fields = action.model_dump(mode="json", include=action.model_fields_set | {"text", "due"})
    return {k: v for k, v in fields.items() if v is not None or k in ("due", "due_time")}


@router.post(
    "/{capture_id}/retry",
    status_code=202,
    **FULL_SCOPE,
    responses=documented_errors(
        {404: "no such capture", 409: "nothing is left to do (`conflict`)"}
    ),
)
async def retry_capture(hub: HubDep, token: FullToken, capture_id: CaptureIdPath) -> RetryOut:
    """Take a pending or failed capture (or a filed one's failed or skipped deliveries) again
    now; 409 when nothing is left to do."""
    queued = bool(hub.webhook.url)
    done = await captures.retry(hub.pool, capture_id, token.actor, lease=queued)
    hub.webhook.emit(CAPTURE_RETRY, **done, actor=token.actor)
    return RetryOut(**done, queued=queued)
