"""`POST /v1/speech`: the sentence for a capture as it stands, for n8n to speak and send.

n8n asks for it after filing a capture (or keeping it in the inbox), with the body that
`assistant.speech_request` builds in Postgres: the capture's status and classification, and how
far each of its deliveries got. The sentence itself is made by `speech.outcome_speech` only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from solo_brain.classify.answer import Category
from solo_brain.classify.schemas import ErrorBody
from solo_brain.classify.service import local_today
from solo_brain.classify.speech import Delivered, SpokenAction, outcome_speech

Status = Literal["pending_transcription", "pending_classification", "filed", "failed"]
State = Literal["pending", "done", "failed", "skipped"]


class SpeechAction(BaseModel):
    """An action of the capture."""

    id: int | None = None
    text: str = Field(max_length=2000)
    due: date | None = None


class SpeechCapture(BaseModel):
    """What the capture became (names, not slugs: they are said aloud)."""

    status: Status
    category: Category | None = None
    project_name: str | None = Field(default=None, max_length=200)
    client_name: str | None = Field(default=None, max_length=200)
    actions: list[SpeechAction] = Field(default_factory=list, max_length=100)
    session_hint: str | None = Field(default=None, max_length=200)
    needs_review: bool = False
    created_at: datetime | None = Field(
        default=None, description="capture time: due days are said relative to it"
    )


class SpeechDelivery(BaseModel):
    """How far one delivery got."""

    kind: str = Field(max_length=40)
    state: State
    action_id: int | None = None


class SpeechRequest(BaseModel):
    """A capture, its deliveries, and whether the caller is answered before the outcome."""

    capture: SpeechCapture
    deliveries: list[SpeechDelivery] = Field(default_factory=list, max_length=200)
    deferred: bool = False


class SpeechResult(BaseModel):
    """The French sentence to read aloud."""

    speech: str


def _default_tz(request: Request) -> str:
    return str(request.app.state.settings.tz)


router = APIRouter(prefix="/v1", tags=["speech"])


@router.post(
    "/speech",
    response_model=SpeechResult,
    responses={400: {"model": ErrorBody, "description": "invalid body"}},
)
async def speech(body: SpeechRequest, tz: Annotated[str, Depends(_default_tz)]) -> SpeechResult:
    """The sentence for a capture: on its way, kept in the inbox, or filed (and delivered)."""
    capture = body.capture
    today = local_today(capture.created_at or datetime.now().astimezone(), tz)
    return SpeechResult(
        speech=outcome_speech(
            status=capture.status,
            deferred=body.deferred,
            category=capture.category,
            project_name=capture.project_name,
            client_name=capture.client_name,
            actions=[SpokenAction(a.id, a.due) for a in capture.actions],
            session_hint=capture.session_hint,
            today=today,
            needs_review=capture.needs_review,
            deliveries=[Delivered(d.kind, d.state, d.action_id) for d in body.deliveries],
        )
    )
