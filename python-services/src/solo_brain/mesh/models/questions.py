"""Request bodies of the questions' API (docs/api.md, "The routines"): the arguments of
`assistant.question_facts` and `assistant.answer_question` (db/functions/questions.sql)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from solo_brain.mesh.models.routines import TimeZone


class QuestionPeriod(BaseModel):
    """What classify read in the question: the period asked about (its other fields are kept)."""

    model_config = ConfigDict(extra="allow")

    start: date | None = None
    end: date | None = None
    period_phrase: str | None = Field(default=None, max_length=200)


class QuestionFactsIn(BaseModel):
    """The question and what it is about: a period, a project, a client, or nothing."""

    model_config = ConfigDict(extra="forbid")

    question: QuestionPeriod | None = None
    project: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=64)
    tz: str = TimeZone
    limit: int = Field(default=20, ge=1, le=50)


class AnswerIn(BaseModel):
    """The answer to tell, and classify's reading of the question to keep on the capture."""

    model_config = ConfigDict(extra="forbid")

    classification: dict[str, Any] = Field(
        default_factory=dict, description="classify's answer for the question"
    )
    speech: str | None = Field(default=None, max_length=5000)
    tts_url: str | None = Field(default=None, max_length=1000)
    audio_ref: str | None = Field(default=None, max_length=128)
