"""`POST /v1/answer`: a question and its facts in, one or two spoken French sentences out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from solo_brain.classify.answerer import QuestionAnswerer
from solo_brain.classify.deps import DefaultTz
from solo_brain.classify.facts import AnswerRequest, AnswerResult
from solo_brain.errors import documented_errors

router = APIRouter(prefix="/v1", tags=["answer"])


def _answerer(request: Request) -> QuestionAnswerer:
    return request.app.state.answerer


@router.post(
    "/answer", response_model=AnswerResult, responses=documented_errors({400: "invalid body"})
)
async def answer(
    body: AnswerRequest,
    tz: DefaultTz,
    answerer: Annotated[QuestionAnswerer, Depends(_answerer)],
) -> AnswerResult:
    """Answer a question from the facts given only (local model, or the facts' own sentence)."""
    return await answerer.answer(body, body.tz or tz)
