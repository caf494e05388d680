"""Bodies of the classification API (what n8n sends and receives)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from solo_brain.classify.answer import Category
from solo_brain.classify.cc_prompt import CcPrompt
from solo_brain.settings import check_tz
from solo_brain.text import not_blank

# The longest note taken (typed, or a voice note's transcript sent to /v1/classify): about two
# hours of dictation. Only its beginning is read by the classifier.
MAX_TEXT_CHARS = 100_000
# What the classifier reads of a note: its first 20 000 characters (about 25 minutes of speech),
# what a local model's context holds beside the instructions and the catalog.
READ_CHARS = 20_000


class ClassifyRequest(BaseModel):
    """A note to classify, with what is known of where and when it was captured."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, AfterValidator(not_blank)] = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    hint: str | None = Field(default=None, max_length=500)
    now: datetime | None = Field(
        default=None, description="capture time; due phrases resolve against it (default: now)"
    )
    tz: str | None = Field(default=None, description="IANA zone (default: SOLO_BRAIN_TZ)")
    source: str | None = Field(
        default=None, max_length=40, pattern=r"^[a-z0-9_-]+$", examples=["siri", "whatsapp"]
    )
    public: bool = Field(default=False, description="may an external model read it?")
    capture_id: str | None = Field(default=None, max_length=64, description="for the logs")

    @field_validator("source", mode="before")
    @classmethod
    def _lowercase_source(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str | None) -> str | None:
        return check_tz(value)


class Action(BaseModel):
    """Something to do; `due` and `due_time` are resolved from the spoken `due_phrase`, never
    by a model."""

    text: str
    due: date | None
    due_time: str | None = Field(
        default=None, description="time of day on `due` (HH:MM, user's zone); null: all day"
    )
    due_phrase: str | None


class Question(BaseModel):
    """The note is a question to answer, not to file: the days it asks about, if any."""

    period_phrase: str | None
    start: date | None = Field(description="first day asked about (None: no period)")
    end: date | None = Field(description="last day asked about, included")


class ClassifyResult(BaseModel):
    """Where a note goes, what it asks for, and the sentence to read aloud."""

    category: Category
    project: str | None
    client_id: str | None
    summary: str
    actions: list[Action]
    cc_prompt: CcPrompt | None
    speech: str
    classifier: str = Field(examples=["ollama:qwen3.6:35b", "heuristic", "external:deepseek-chat"])
    needs_review: bool
    question: Question | None = Field(
        default=None, description="set when the note asks about the user's own data"
    )


class ResolveDateRequest(BaseModel):
    """A spoken due phrase to turn into a date."""

    model_config = ConfigDict(extra="forbid")

    phrase: str = Field(min_length=1, max_length=1000)
    now: datetime | None = None
    tz: str | None = None

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str | None) -> str | None:
        return check_tz(value)


class ResolveDateResult(BaseModel):
    """The date the phrase names, or null when it names none, and the time of day it says."""

    due: date | None
    due_time: str | None = Field(
        default=None, description="HH:MM in tz (« demain à 10h »); null: no time said"
    )


class CatalogProject(BaseModel):
    """A known project as the API shows it."""

    slug: str
    name: str
    client_id: str | None
    aliases: list[str]


class CatalogClient(BaseModel):
    """A known client as the API shows it."""

    id: str
    name: str
    aliases: list[str]


class CatalogResult(BaseModel):
    """Every project and client a classification may name."""

    projects: list[CatalogProject]
    clients: list[CatalogClient]


CaptureStatus = Literal["pending_transcription", "pending_classification", "filed", "failed"]
DeliveryState = Literal["pending", "done", "failed", "skipped"]


class SpeechAction(BaseModel):
    """An action of the capture."""

    id: int | None = None
    text: str = Field(max_length=2000)
    due: date | None = None
    due_time: time | None = Field(default=None, description="time of day on `due` (HH:MM)")


class SpeechCapture(BaseModel):
    """What the capture became (names, not slugs: they are said aloud)."""

    status: CaptureStatus
    category: Category | None = None
    project_name: str | None = Field(default=None, max_length=200)
    client_name: str | None = Field(default=None, max_length=200)
    actions: list[SpeechAction] = Field(default_factory=list, max_length=100)
    session_hint: str | None = Field(default=None, max_length=200)
    needs_review: bool = False
    created_at: datetime | None = Field(
        default=None, description="capture time: due days are said relative to it"
    )
    text_chars: int | None = Field(
        default=None, ge=0, description="the length of its words: over READ_CHARS (20 000), "
        "it is said to be classified from its beginning",
    )  # fmt: skip
    refused: Literal["nothing_heard", "content"] | None = Field(
        default=None, description="given up at once for its own input: a voice note without "
        "words (nothing_heard), or content the database refuses",
    )  # fmt: skip


class SpeechDelivery(BaseModel):
    """How far one delivery got."""

    kind: str = Field(max_length=40)
    state: DeliveryState
    action_id: int | None = None


class SpeechRequest(BaseModel):
    """A capture, its deliveries, and whether the caller is answered before the outcome."""

    capture: SpeechCapture
    deliveries: list[SpeechDelivery] = Field(default_factory=list, max_length=200)
    deferred: bool = False


class SpeechResult(BaseModel):
    """The French sentence to read aloud."""

    speech: str
