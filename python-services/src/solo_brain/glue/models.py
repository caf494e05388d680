"""Request and response bodies of the glue service (the JSON contract n8n relies on)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from solo_brain.glue.kokoro import SpeechFormat


class TranscribeResponse(BaseModel):
    """Audio kept under `audio_ref` and what Whisper heard in it."""

    audio_ref: str = Field(description="ref of the stored audio (32 hex characters)")
    transcript: str
    language: str | None = Field(description="language code Whisper used or detected")
    duration_s: float | None = Field(description="length of the audio in seconds")
    format: str = Field(description="format detected from the bytes: wav, mp3, m4a, ogg, ...")


class SpeakRequest(BaseModel):
    """Text to speak, the file format wanted and optionally a Kokoro voice."""

    text: str = Field(min_length=1, max_length=5000)
    format: SpeechFormat = "mp3"
    voice: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is blank")
        return value


class SpeakResponse(BaseModel):
    """Where the spoken audio can be fetched."""

    audio_ref: str
    url: str = Field(description="public URL of the audio: {PUBLIC_URL}/audio/{ref}.{ext}")
    format: SpeechFormat
    content_type: str
    bytes: int


class ErrorBody(BaseModel):
    """The error envelope (documented for OpenAPI)."""

    error: dict[str, object]
