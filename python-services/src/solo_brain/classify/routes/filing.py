"""`POST /v1/filings`: file a capture in one call (n8n's "File the capture" node), answered
when its outcome is told or at its time budget; `POST /v1/filings/{capture_id}/wait`: after a
deferred answer, wait for the filing (or for a question's told answer). See classify/filing.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from solo_brain.classify.filing import Filings
from solo_brain.classify.filing_models import CAPTURE_ID, FilingIn, Outcome, WaitIn
from solo_brain.classify.filing_request import check_capture_token
from solo_brain.errors import documented_errors

router = APIRouter(prefix="/v1", tags=["filing"])


def _filings(request: Request) -> Filings:
    return request.app.state.filings


FilingsDep = Annotated[Filings, Depends(_filings)]
CaptureId = Annotated[str, Path(pattern=CAPTURE_ID, description="capture id")]


@router.post(
    "/filings",
    response_model=Outcome,
    responses=documented_errors({
        400: "the request carries neither text nor audio, or a field is malformed",
        403: "the capture webhook requires a token (CAPTURE_WEBHOOK_TOKEN) and this is not it",
        404: "no such capture (capture_id)",
        503: "the database does not answer (database_unavailable)",
    }),
)  # fmt: skip
async def file_capture(body: FilingIn, request: Request, filings: FilingsDep) -> Outcome:
    """Record the capture (once per capture_id), file it in the background, answer in time."""
    if body.capture_id is None:
        token = request.app.state.settings.capture_webhook_token
        await check_capture_token(filings.steps.pool, token, body.authorization)
    return await filings.file(body)


@router.post(
    "/filings/{capture_id}/wait",
    response_model=Outcome,
    responses=documented_errors({400: "invalid body", 404: "no such capture"}),
)
async def wait_for_filing(capture_id: CaptureId, body: WaitIn, filings: FilingsDep) -> Outcome:
    """The filing's end (a question to answer, deliveries waiting), or the told answer."""
    return await filings.wait(capture_id, body)
