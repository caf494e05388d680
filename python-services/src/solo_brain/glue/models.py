"""Request and response bodies of the glue service (the JSON contract n8n relies on)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from solo_brain.glue.clients.kokoro import SpeechFormat
from solo_brain.text import not_blank


class TranscribeResponse(BaseModel):
    """Audio kept under `audio_ref` and what Whisper heard in it."""

    audio_ref: str = Field(description="ref of the stored audio (32 hex characters)")
    transcript: str
    language: str | None = Field(description="language code Whisper used or detected")
    duration_s: float | None = Field(description="length of the audio in seconds")
    format: str = Field(description="format detected from the bytes: wav, mp3, m4a, ogg, ...")


class SpeakRequest(BaseModel):
    """Text to speak, the file format wanted and optionally a Kokoro voice."""

    text: Annotated[str, AfterValidator(not_blank)] = Field(min_length=1, max_length=5000)
    format: SpeechFormat = "mp3"
    # Kokoro's voice names and mixes: "ff_siwis", "af_bella(2)+af_sky(1)".
    voice: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_+().-]{1,100}$")


class SpeakResponse(BaseModel):
    """Where the spoken audio can be fetched."""

    audio_ref: str
    url: str = Field(description="public URL of the audio: {PUBLIC_URL}/audio/{ref}.{ext}")
    format: SpeechFormat
    content_type: str
    bytes: int


class StoredAudio(BaseModel):
    """Audio kept under `audio_ref`, in the format its bytes say."""

    audio_ref: str
    format: str
    bytes: int


class InboundMessage(BaseModel):
    """One WhatsApp message as the workflows use it."""

    message_id: str
    from_: str = Field(serialization_alias="from")
    name: str | None = None
    type: Literal["text", "audio"]
    text: str | None = None
    media_id: str | None = None
    voice: bool = False
    timestamp: str | None = Field(default=None, description="ISO 8601, UTC")


class Inbound(BaseModel):
    """The messages of one webhook delivery; `ignore` when there is nothing to capture."""

    ignore: bool
    reason: str | None = None
    messages: list[InboundMessage] = []
    skipped: list[dict[str, str]] = Field(default=[], description="unsupported message types")


class VoiceNoteRequest(BaseModel):
    """A stored OGG/Opus file to upload as a WhatsApp voice note."""

    audio_ref: str = Field(pattern=r"^[0-9a-f]{32}$")


class VoiceNoteResponse(BaseModel):
    """The WhatsApp media id to send the voice note with."""

    media_id: str
