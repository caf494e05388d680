"""`GET /v1/catalog`: the projects and clients a classification may name."""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.classify.deps import Service
from solo_brain.classify.models import CatalogClient, CatalogProject, CatalogResult
from solo_brain.errors import documented_errors

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get(
    "/catalog",
    response_model=CatalogResult,
    responses=documented_errors({503: "the catalog could not be read from Postgres"}),
)
async def catalog(service: Service) -> CatalogResult:
    """Every project and client a classification may name."""
    index = await service.catalog()
    return CatalogResult(
        projects=[CatalogProject(**p.model_dump()) for p in index.projects],
        clients=[CatalogClient(**c.model_dump()) for c in index.clients],
    )
