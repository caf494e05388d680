"""Bodies of the filing API (`routes/filing.py`): a capture request as the webhook received it,
and the outcome n8n answers the caller with and branches on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CAPTURE_ID = r"^cap_[0-9A-HJKMNP-TV-Z]{26}$"
Seconds = Field(default=None, ge=0.1, le=86400)


class FilingIn(BaseModel):
    """A capture to file: a new request (its form fields), or a stored capture by id."""

    model_config = ConfigDict(extra="forbid")

    request: dict[str, Any] | None = Field(
        default=None,
        description="the capture webhook's form fields: text, hint, mode, channel, capture_id, "
        "public (validated here as the capture API documents them)",
    )
    capture_id: str | None = Field(
        default=None, pattern=CAPTURE_ID, description="a stored capture (WhatsApp) to file"
    )
    audio_ref: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{32}$", description="the kept audio (glue /v1/audio)"
    )
    authorization: str | None = Field(
        default=None, max_length=4096, description="the caller's Authorization header"
    )
    request_start: str | None = Field(
        default=None, max_length=64, description="the X-Request-Start header nginx adds"
    )
    hub_capture_id: str | None = Field(
        default=None,
        max_length=64,
        description="the X-Capture-Id header the hub sends: the id of a capture without one of "
        "its own (the hub may have answered for it: mesh/capture_answer.py)",
    )
    budget_s: float | None = Field(default=None, ge=1, le=60, description="answer within this")
    wait: bool = Field(
        default=False, description="answer when the filing is done, not at the time budget"
    )
    backoff_s: float | None = Seconds
    long_note_chars: int | None = Field(default=None, ge=1, le=1_000_000)


class WaitIn(BaseModel):
    """How long to wait for a capture's filing, or for its answer."""

    model_config = ConfigDict(extra="forbid")

    until: datetime | None = Field(
        default=None, description="give up then (the answer is then deferred); none: the end"
    )
    answer: bool = Field(
        default=False,
        description="wait for the outcome to be told (e.g. by answer-question), not the filing",
    )


class Outcome(BaseModel):
    """What to answer the caller, and what is left to do after the answer."""

    capture_id: str | None
    status_code: int = Field(
        description="the HTTP status to answer the caller with: 200, or 422 when the capture's "
        "own data was refused by the database (given up, never retried; the answer then "
        "carries the capture's answer, status failed, and an `error` envelope)"
    )
    answer: dict[str, Any] | None = Field(
        description="the body to answer: the capture API's answer, or an error envelope; "
        "null while a question waits for its answer"
    )
    deferred: bool = Field(description="the caller is answered before the outcome is told")
    running: bool = Field(description="the filing goes on after this answer")
    question: dict[str, Any] | None = Field(
        description="the classification (with capture_id) when the capture is a question to "
        "answer (nothing was filed)"
    )
    deliver: bool = Field(description="deliveries wait to be attempted")
    answer_by: datetime | None = Field(
        default=None, description="when the caller must be answered (a new request's budget)"
    )
