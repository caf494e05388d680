"""`POST /v1/speech`: the sentence for a capture as it stands, for n8n to speak and send.

n8n asks for it after filing a capture (or keeping it in the inbox), with the body that
`assistant.speech_request` builds in Postgres: the capture's status and classification, and how
far each of its deliveries got. The sentence itself is made by `speech.outcome_speech` only.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from solo_brain.classify.dates import local_today
from solo_brain.classify.deps import DefaultTz
from solo_brain.classify.models import READ_CHARS, SpeechRequest, SpeechResult
from solo_brain.classify.speech import Delivered, SpokenAction, outcome_speech
from solo_brain.errors import documented_errors

router = APIRouter(prefix="/v1", tags=["speech"])


@router.post(
    "/speech",
    response_model=SpeechResult,
    responses=documented_errors({400: "invalid body"}),
)
async def speech(body: SpeechRequest, tz: DefaultTz) -> SpeechResult:
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
            actions=[SpokenAction(a.id, a.due, a.due_time) for a in capture.actions],
            session_hint=capture.session_hint,
            today=today,
            needs_review=capture.needs_review,
            deliveries=[Delivered(d.kind, d.state, d.action_id) for d in body.deliveries],
            long_note=(capture.text_chars or 0) > READ_CHARS,
            refused=capture.refused,
        )
    )
