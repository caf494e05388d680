"""Request and response bodies of the capture lifecycle API (docs/api.md, "The capture
lifecycle"): each one names the fields of one `assistant.*` SQL function's argument."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solo_brain.settings import DEFAULT_TZ, check_tz

Destination = Literal["calendar", "onyx", "hub", "gotify", "whatsapp", "push"]
DeliveryKind = Literal[
    "calendar_event", "calendar_cancel", "onyx_document", "cc_prompt", "whatsapp_text",
    "whatsapp_voice", "push", "gotify",
]  # fmt: skip
Seconds = Field(default=None, ge=0.1, le=86400)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TranscriptIn(_Strict):
    """What the transcription gave (glue's /v1/transcribe answer), kept on the capture."""

    transcript: str = Field(max_length=100_000)
    language: str | None = Field(default=None, max_length=16)
    duration_s: float | None = Field(default=None, ge=0, le=86400)
    audio_ref: str | None = Field(default=None, max_length=128)


class WhatsAppMessage(BaseModel):
    """One message of a WhatsApp delivery, as the glue's /v1/whatsapp/inbound lists it (its other
    fields, such as name and timestamp, are not kept)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message_id: str = Field(min_length=1, max_length=256, description="Meta's wamid: the dedup key")
    from_: str = Field(alias="from", min_length=1, max_length=64, description="the reply's number")
    type: Literal["text", "audio"]
    text: str | None = Field(default=None, max_length=100_000)


class WhatsAppCaptureIn(_Strict):
    """A WhatsApp message to record as a capture, with the kept audio of a voice note."""

    message: WhatsAppMessage
    audio_ref: str | None = Field(default=None, max_length=128, description="a voice note's")

    @model_validator(mode="after")
    def _something_to_capture(self) -> WhatsAppCaptureIn:
        if self.message.type == "audio" and not (self.audio_ref or "").strip():
            raise ValueError("a voice note needs its audio_ref (the downloaded audio)")
        if self.message.type == "text" and not (self.message.text or "").strip():
            raise ValueError("a text message needs its text")
        return self


class WhatsAppCaptureOut(BaseModel):
    """The capture (`capture_json`), and whether this message made it (false: seen before)."""

    capture: dict[str, Any]
    created: bool


class FilingIn(_Strict):
    """The classifier's answer (or its error) to file the capture with."""

    result: dict[str, Any] = Field(description="classify's answer, or {error: {code, message}}")
    backoff_s: float | None = Seconds
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    long_note_chars: int | None = Field(default=None, ge=1, le=1_000_000)


class FilingOut(BaseModel):
    """The capture's status after filing and the body of classify's /v1/speech."""

    capture_id: str
    status: str
    voice_format: Literal["mp3", "opus"]
    speech_request: dict[str, Any] | None


class OutcomeIn(_Strict):
    """The sentence that tells the outcome, and its audio."""

    speech: str | None = Field(default=None, max_length=5000)
    tts_url: str | None = Field(default=None, max_length=1000)
    audio_ref: str | None = Field(default=None, max_length=128)


class OutcomeOut(BaseModel):
    """The capture's status, and whether deliveries now wait to be attempted."""

    capture_id: str
    status: str
    deliver: bool


class ClaimRetriesIn(_Strict):
    """How many captures to take again, leased for how long, after how long without change."""

    limit: int = Field(default=20, ge=1, le=200)
    lease_s: float = Field(default=300, ge=1, le=86400)
    grace_s: float = Field(default=300, ge=0, le=86400)


class ClaimDeliveriesIn(_Strict):
    """The capture whose due deliveries to lease, and which destinations are set up."""

    capture_id: str = Field(pattern=r"^cap_[0-9A-HJKMNP-TV-Z]{26}$")
    configured: list[Destination] = Field(
        max_length=6, description="destinations set up; the others' deliveries are skipped"
    )
    tz: str = Field(
        default=DEFAULT_TZ,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_+\-/]+$",
        description="the user's IANA time zone (SOLO_BRAIN_TZ): a timed calendar event's zone",
    )
    lease_s: float = Field(default=120, ge=1, le=86400)
    limit: int = Field(default=50, ge=1, le=200)

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str) -> str:
        return check_tz(value) or DEFAULT_TZ


class ClaimedDelivery(BaseModel):
    """One delivery leased to the caller, with the request to send."""

    id: str
    kind: DeliveryKind
    request: dict[str, Any]


class DeliveryResultIn(_Strict):
    """What the destination answered (status absent when no answer came)."""

    status: int | None = Field(default=None, ge=100, le=599)
    body: Any = None
    error: Any = None
    backoff_s: float | None = Seconds
    max_attempts: int | None = Field(default=None, ge=1, le=100)


class DeliveryOut(BaseModel):
    """A delivery's state after an attempt."""

    delivery_id: str
    kind: DeliveryKind
    state: Literal["pending", "done", "failed", "skipped"]
    attempts: int
    last_error: str | None


class RetryDeliveriesIn(_Strict):
    """A capture's failed or skipped deliveries (or one of them) to try again."""

    delivery_id: str | None = Field(
        default=None, max_length=64, pattern=r"^dlv_[0-9A-HJKMNP-TV-Z]{26}$"
    )


class RetriedOut(BaseModel):
    """How many deliveries went back to pending."""

    capture_id: str
    retried: int


class DueCapture(BaseModel):
    """A capture with deliveries due now."""

    capture_id: str
