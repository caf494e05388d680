"""A fake Onyx ingestion API: `POST /onyx-api/ingestion` as Onyx's backend speaks it.

The body is Onyx's `IngestionDocument` `{document: {id?, sections: [{text, link?}],
semantic_identifier, source?, metadata?, ...}, cc_pair_id?}` with a Bearer API key; the answer is
`IngestionResult` `{document_id, already_existed}`: sending the same `id` again upserts. Missing
fields are a 422 with FastAPI's `detail` list, like the real (FastAPI) server; a wrong key a 403.

Knobs on `OnyxState`: `latency_s`, `fail_with` (HTTP status of every answer), `failures`
(statuses answered to the next requests, one each). `documents` holds the latest version of each
document, `requests` every accepted ingestion in order, `refused` how many were refused.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class TextSection(BaseModel):
    """One section of a document."""

    text: str
    link: str | None = None


class DocumentBase(BaseModel):
    """The document part of an ingestion request."""

    id: str | None = None
    sections: list[TextSection] = Field(min_length=1)
    source: str | None = None
    semantic_identifier: str
    metadata: dict[str, str | list[str]] = {}
    doc_updated_at: str | None = None
    title: str | None = None
    from_ingestion_api: bool = False


class IngestionDocument(BaseModel):
    """An ingestion request."""

    document: DocumentBase
    cc_pair_id: int | None = None


@dataclass
class OnyxState:
    """Accepted API keys, failure knobs, stored documents and received requests."""

    api_keys: set[str] = field(default_factory=lambda: {"onyx-api-key"})
    latency_s: float = 0.0
    fail_with: int | None = None
    failures: list[int] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0


def create_onyx_app(state: OnyxState) -> FastAPI:
    """The fake Onyx server answering from `state`."""
    app = FastAPI(title="fake onyx")

    @app.get("/api/health")
    async def health() -> dict[str, bool]:
        return {"success": True}

    @app.post("/onyx-api/ingestion", response_model=None)
    async def ingestion(
        body: IngestionDocument, authorization: Annotated[str, Header()] = ""
    ) -> dict[str, Any] | JSONResponse:
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        status = state.failures.pop(0) if state.failures else state.fail_with
        if status:
            state.refused += 1
            return JSONResponse({"detail": "the fake was told to fail"}, status)
        if not authorization.startswith("Bearer ") or authorization[7:] not in state.api_keys:
            return JSONResponse({"detail": "Access denied. User is not authenticated."}, 403)
        document = body.document.model_dump()
        document_id = document["id"] or uuid.uuid4().hex
        existed = document_id in state.documents
        state.documents[document_id] = document
        state.requests.append(body.model_dump())
        return {"document_id": document_id, "already_existed": existed}

    return app
