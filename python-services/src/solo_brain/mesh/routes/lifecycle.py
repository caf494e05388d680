"""The capture lifecycle for n8n: the steps of the shipped workflows (record a transcript, file,
tell, claim and record deliveries, take captures again), each a thin call of its SQL function,
so that the n8n nodes offer forms with named fields instead of SQL with JSON expressions.

    GET  /api/lifecycle/captures/{id}                      → capture_json
    POST /api/lifecycle/captures/{id}/transcript           → record_capture (existing capture)
    POST /api/lifecycle/whatsapp/captures                  → receive_whatsapp_capture
    POST /api/lifecycle/captures/{id}/filing               → file_capture
    POST /api/lifecycle/captures/{id}/outcome              → finish_capture
    POST /api/lifecycle/captures/{id}/deliveries/retry     → retry_deliveries
    POST /api/lifecycle/retries/claim                      → claim_retries (+ capture_json)
    POST /api/lifecycle/deliveries/claim                   → claim_deliveries
    POST /api/lifecycle/deliveries/{id}/result             → record_delivery
    GET  /api/lifecycle/deliveries/due?limit=              → captures_with_due_deliveries

A token of scope `full` (n8n's hub credential); bodies are the hub's 64 KB limit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from solo_brain.errors import documented_errors
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, CaptureIdPath, DbPool, FullToken
from solo_brain.mesh.models.lifecycle import (
    ClaimDeliveriesIn,
    ClaimedDelivery,
    ClaimRetriesIn,
    DeliveryOut,
    DeliveryResultIn,
    DueCapture,
    FilingIn,
    FilingOut,
    OutcomeIn,
    OutcomeOut,
    RetriedOut,
    RetryDeliveriesIn,
    TranscriptIn,
    WhatsAppCaptureIn,
    WhatsAppCaptureOut,
)
from solo_brain.mesh.store import lifecycle

router = APIRouter(prefix="/api/lifecycle", tags=["lifecycle"], responses=TOKEN_ERRORS)

DeliveryIdPath = Annotated[
    str, Path(pattern=r"^dlv_[0-9A-HJKMNP-TV-Z]{26}$", description="delivery id")
]
_AUTH = {401: "no token, or an unknown or revoked one", 403: "a token without scope `full`"}
_ERRORS = documented_errors({**_AUTH, 400: "a field is missing or out of range"})
_CAPTURE_ERRORS = documented_errors(
    {**_AUTH, 400: "a field is missing or out of range", 404: "no such capture"}
)
_DELIVERY_ERRORS = documented_errors(
    {**_AUTH, 400: "a field is missing or out of range", 404: "no such delivery"}
)


def _set(body: Any) -> dict[str, Any]:
    fields: dict[str, Any] = body.model_dump(mode="json", exclude_none=True)
    return fields


@router.get("/captures/{capture_id}", responses=_CAPTURE_ERRORS, **FULL_SCOPE)
async def get_capture(pool: DbPool, _: FullToken, capture_id: CaptureIdPath) -> dict[str, Any]:
    """The capture with its actions, as the workflows see it (`capture_json`)."""
    return await lifecycle.capture(pool, capture_id)


@router.post("/captures/{capture_id}/transcript", responses=_CAPTURE_ERRORS, **FULL_SCOPE)
async def record_transcript(
    pool: DbPool, _: FullToken, capture_id: CaptureIdPath, body: TranscriptIn
) -> dict[str, Any]:
    """Keep the transcript of a voice capture; the capture then waits for its classification."""
    return await lifecycle.record_transcript(pool, capture_id, _set(body))


@router.post("/whatsapp/captures", responses=_ERRORS, **FULL_SCOPE)
async def receive_whatsapp(
    pool: DbPool, _: FullToken, body: WhatsAppCaptureIn
) -> WhatsAppCaptureOut:
    """Record a WhatsApp message (text, or a voice note's kept audio) as a capture whose reply
    goes to its sender, once per message id: Meta delivering it again gives `created` false."""
    p = {"message": body.message.model_dump(by_alias=True), "audio_ref": body.audio_ref}
    return WhatsAppCaptureOut.model_validate(await lifecycle.receive_whatsapp(pool, p))


@router.post("/captures/{capture_id}/filing", responses=_CAPTURE_ERRORS, **FULL_SCOPE)
async def file_capture(
    pool: DbPool, _: FullToken, capture_id: CaptureIdPath, body: FilingIn
) -> FilingOut:
    """File with the classifier's answer (plans its deliveries), or count a failed attempt and
    schedule the next one (exponential backoff, failed after `max_attempts`)."""
    filed = await lifecycle.one(pool, "file_capture", {**_set(body), "capture_id": capture_id})
    return FilingOut.model_validate(filed)


@router.post("/captures/{capture_id}/outcome", responses=_CAPTURE_ERRORS, **FULL_SCOPE)
async def tell_outcome(
    pool: DbPool, _: FullToken, capture_id: CaptureIdPath, body: OutcomeIn
) -> OutcomeOut:
    """Keep the sentence that tells the outcome and plan how it is told (WhatsApp reply, or a
    notification when the caller already got a pending answer)."""
    told = await lifecycle.one(pool, "finish_capture", {**_set(body), "capture_id": capture_id})
    return OutcomeOut.model_validate(told)


@router.post("/captures/{capture_id}/deliveries/retry", responses=_CAPTURE_ERRORS, **FULL_SCOPE)
async def retry_deliveries(
    pool: DbPool, token: FullToken, capture_id: CaptureIdPath, body: RetryDeliveriesIn
) -> RetriedOut:
    """Put the capture's failed or skipped deliveries (or the one named) back to pending."""
    p = {**_set(body), "capture_id": capture_id, "actor": token.actor}
    return RetriedOut(capture_id=capture_id, retried=await lifecycle.retry_deliveries(pool, p))


@router.post("/retries/claim", responses=_ERRORS, **FULL_SCOPE)
async def claim_retries(pool: DbPool, _: FullToken, body: ClaimRetriesIn) -> list[dict[str, Any]]:
    """The captures due for another pass (backoff passed, or stopped half-way), each leased."""
    return await lifecycle.claim_retries(pool, _set(body))


@router.post("/deliveries/claim", responses=_ERRORS, **FULL_SCOPE)
async def claim_deliveries(
    pool: DbPool, _: FullToken, body: ClaimDeliveriesIn
) -> list[ClaimedDelivery]:
    """Lease the capture's due deliveries with the request each sends; those whose destination
    is not in `configured` are marked skipped (named in their last_error)."""
    p = {**_set(body), "configured": dict.fromkeys(body.configured, True)}
    return [ClaimedDelivery.model_validate(d) for d in await lifecycle.claim_deliveries(pool, p)]


@router.post("/deliveries/{delivery_id}/result", responses=_DELIVERY_ERRORS, **FULL_SCOPE)
async def record_delivery(
    pool: DbPool, _: FullToken, delivery_id: DeliveryIdPath, body: DeliveryResultIn
) -> DeliveryOut:
    """Record the destination's answer: done (2xx, or an idempotent 409/404), retried later (no
    answer, 408, 429, 5xx) or failed for good (other 4xx, which plans one notification)."""
    p = {**_set(body), "delivery_id": delivery_id}
    return DeliveryOut.model_validate(await lifecycle.one(pool, "record_delivery", p))


@router.get("/deliveries/due", responses=_ERRORS, **FULL_SCOPE)
async def due_deliveries(
    pool: DbPool, _: FullToken, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[DueCapture]:
    """Captures whose deliveries are due now, oldest first (the retry schedule's list)."""
    return [DueCapture.model_validate(r) for r in await lifecycle.due_captures(pool, limit)]
