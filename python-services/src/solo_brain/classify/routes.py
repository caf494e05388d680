"""Routes of the classification service; dependencies as Annotated aliases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request

from solo_brain.classify.dates import resolve_due
from solo_brain.classify.schemas import (
    CatalogClient,
    CatalogProject,
    CatalogResult,
    ClassifyRequest,
    ClassifyResult,
    ErrorBody,
    ResolveDateRequest,
    ResolveDateResult,
)
from solo_brain.classify.service import ClassifyService


def _service(request: Request) -> ClassifyService:
    return request.app.state.service


def _default_tz(request: Request) -> str:
    return request.app.state.settings.tz


Service = Annotated[ClassifyService, Depends(_service)]
DefaultTz = Annotated[str, Depends(_default_tz)]

router = APIRouter(prefix="/v1", tags=["classify"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "invalid body (blank or too long text, bad tz)"},
    503: {"model": ErrorBody, "description": "the catalog could not be read from Postgres"},
}


@router.post("/classify", response_model=ClassifyResult, responses=_ERRORS)
async def classify(body: ClassifyRequest, service: Service) -> ClassifyResult:
    """Classify a note: category, known project/client, actions with resolved dates, speech."""
    return await service.classify(body)


@router.post("/resolve-date", response_model=ResolveDateResult, responses=_ERRORS)
async def resolve_date(body: ResolveDateRequest, default_tz: DefaultTz) -> ResolveDateResult:
    """The date a spoken phrase names ("vendredi", "dans 3 jours"), or null."""
    tz = body.tz or default_tz
    now = body.now or datetime.now(ZoneInfo(tz))
    return ResolveDateResult(due=resolve_due(body.phrase, now, tz))


@router.get("/catalog", response_model=CatalogResult, responses=_ERRORS)
async def catalog(service: Service) -> CatalogResult:
    """Every project and client a classification may name."""
    index = await service.catalog()
    return CatalogResult(
        projects=[CatalogProject(**p.model_dump()) for p in index.projects],
        clients=[CatalogClient(**c.model_dump()) for c in index.clients],
    )
