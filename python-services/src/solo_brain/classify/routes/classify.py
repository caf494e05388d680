"""`POST /v1/classify`: where a note goes, what it asks for, and the sentence to read aloud."""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.classify.deps import Service
from solo_brain.classify.models import ClassifyRequest, ClassifyResult
from solo_brain.errors import documented_errors

router = APIRouter(prefix="/v1", tags=["classify"])

_ERRORS = documented_errors(
    {
        400: "invalid body (blank or too long text, bad tz)",
        503: "the catalog could not be read from Postgres",
    }
)


@router.post("/classify", response_model=ClassifyResult, responses=_ERRORS)
async def classify(body: ClassifyRequest, service: Service) -> ClassifyResult:
    """Classify a note: category, known project/client, actions with resolved dates, speech."""
    return await service.classify(body)
