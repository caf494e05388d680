"""Request and response bodies of the phone's backend on the hub (docs/api.md, "The phone's
backend"): pairing, devices, the inbox of captures, the catalog, Web Push."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solo_brain.catalog import clean_domains

Category = Literal["client", "idee_rd", "todo", "note_tech", "admin", "perso"]
# What a stored capture may be: a category, or a question answered by voice (never set by hand).
StoredCategory = Literal["client", "idee_rd", "todo", "note_tech", "admin", "perso", "question"]
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
CLIENT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
# An action's time of day, HH:MM on 24 hours, in the user's zone.
DUE_TIME_PATTERN = r"^(?:[01]\d|2[0-3]):[0-5]\d$"
Aliases = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)]


class PairingCodeIn(BaseModel):
    """The name the new device will get (it may choose another when it pairs)."""

    device_name: str | None = Field(default=None, min_length=1, max_length=100)


class PairingCodeOut(BaseModel):
    """A one-time code, when it expires, and the page that uses it (what the QR code opens)."""

    code: str
    expires_at: datetime
    url: str


class PairIn(BaseModel):
    """A pairing code as typed (any case, dashes or spaces) and the device's name."""

    code: str = Field(min_length=1, max_length=32)
    device_name: str | None = Field(default=None, min_length=1, max_length=100)


class PairedDevice(BaseModel):
    """The device a pairing created."""

    id: str
    name: str


class PairOut(BaseModel):
    """The new device token (shown once: keep it) and its device."""

    token: str
    device: PairedDevice


class ActionOut(BaseModel):
    """An action of a capture."""

    id: int
    text: str
    due: date | None
    due_time: str | None = Field(
        default=None, description="time of day on `due` (HH:MM, user's zone); null: all day"
    )
    due_phrase: str | None = None
    done: bool
    calendar_event_id: str | None = Field(
        default=None, description="the event its calendar delivery made (none yet: null)"
    )


class CaptureBase(BaseModel):
    """What the inbox list and the capture detail both show of a capture."""

    capture_id: str
    created_at: datetime
    updated_at: datetime
    channel: str
    mode: str
    status: str
    category: StoredCategory | None
    project: str | None
    client_id: str | None
    summary: str | None
    needs_review: bool
    last_error: str | None
    has_audio: bool


class CaptureSummary(CaptureBase):
    """A capture as the inbox lists it (`excerpt`: the start of its transcript or text)."""

    excerpt: str
    actions: list[ActionOut]
    deliveries: dict[str, int] = Field(description="count of deliveries by state")


class CapturesPage(BaseModel):
    """Captures newest first; `next_before` asks for the next (older) page."""

    captures: list[CaptureSummary]
    next_before: str | None


class DeliveryOut(BaseModel):
    """One destination of a capture (calendar event, Onyx document, prompt, reply, push)."""

    id: str
    action_id: int | None
    kind: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    external_ref: str | None
    detail: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None
    done_at: datetime | None


class AuditEntry(BaseModel):
    """Who did what to a capture (or to one of its deliveries), and when."""

    at: datetime
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any]


class CaptureOut(CaptureBase):
    """One capture in full, with its actions, deliveries and audit trail."""

    transcript: str | None
    text: str | None
    hint: str | None
    language: str | None
    duration_s: float | None
    public: bool
    classifier: str | None
    cc_prompt: dict[str, Any] | None
    speech: str | None
    tts_url: str | None
    stored_in: list[str] = Field(description="the rows and the places its deliveries reached")
    attempts: int
    next_attempt_at: datetime | None
    failed_at: datetime | None = Field(description="when the models were given up on")
    audio_url: str | None
    actions: list[ActionOut]
    deliveries: list[DeliveryOut]
    audit: list[AuditEntry]


class ActionIn(BaseModel):
    """An action as re-classified: `id` keeps an existing one, no id adds one."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    text: str = Field(min_length=1, max_length=2000)
    due: date | None = None
    due_time: str | None = Field(
        default=None,
        pattern=DUE_TIME_PATTERN,
        description="HH:MM on `due` (null: all day; left out: the action keeps its time)",
    )

    @model_validator(mode="after")
    def _time_needs_a_day(self) -> ActionIn:
        if self.due_time is not None and self.due is None:
            raise ValueError(f"due_time {self.due_time} needs a due day: set due too")
        return self


class ReclassifyIn(BaseModel):
    """What the user changes by hand; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    project: str | None = Field(default=None, pattern=SLUG_PATTERN)
    client_id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN)
    summary: str | None = Field(default=None, max_length=2000)
    actions: list[ActionIn] | None = Field(default=None, max_length=50)


class RetryOut(BaseModel):
    """What will be taken again: the capture's filing, or its failed deliveries."""

    capture_id: str
    status: str
    redo: Literal["filing", "deliveries"]
    queued: bool = Field(description="true when n8n was told at once, false: the next schedule")


class ProjectOut(BaseModel):
    """A project of the catalog and how many captures are filed under it."""

    slug: str
    name: str
    client_id: str | None
    aliases: list[str]
    captures: int


class ProjectPatch(BaseModel):
    """A change to a project (a new slug renames it everywhere)."""

    model_config = ConfigDict(extra="forbid")

    slug: str | None = Field(default=None, pattern=SLUG_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    client_id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN)
    aliases: Aliases | None = None


class ClientOut(BaseModel):
    """A client of the catalog, with how many captures and projects name it."""

    id: str
    name: str
    aliases: list[str]
    domains: list[str] = Field(description="its people's e-mail domains (meeting briefings)")
    captures: int
    projects: int


class ClientPatch(BaseModel):
    """A change to a client (a new id renames it everywhere)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    aliases: Aliases | None = None
    domains: list[Annotated[str, Field(max_length=253)]] | None = Field(default=None, max_length=50)

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_domains(value)


class PushKeyOut(BaseModel):
    """The hub's VAPID public key: `applicationServerKey` of `PushManager.subscribe()`."""

    public_key: str


class SubscriptionKeys(BaseModel):
    """The browser's keys of a push subscription (base64url)."""

    p256dh: str = Field(pattern=r"^[A-Za-z0-9_-]{86,88}={0,2}$")
    auth: str = Field(pattern=r"^[A-Za-z0-9_-]{21,24}={0,2}$")


class SubscriptionIn(BaseModel):
    """`PushSubscription.toJSON()` as the browser gives it."""

    endpoint: str = Field(min_length=10, max_length=2048)
    keys: SubscriptionKeys
    expirationTime: int | None = None


class SubscriptionOut(BaseModel):
    """The device's subscription, and whether it is new."""

    endpoint: str
    created: bool


class SubscriptionDeleteIn(BaseModel):
    """Which subscription to drop (default: this device's)."""

    endpoint: str | None = Field(default=None, max_length=2048)


class NotifyIn(BaseModel):
    """A notification for every subscribed device; keep it short (the app fetches details)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=1000)
    url: str | None = Field(default=None, max_length=500, description="what a tap opens")
    tag: str | None = Field(default=None, max_length=64, description="replaces one with this tag")
    audio_url: str | None = Field(default=None, max_length=500, description="a spoken version")
    urgency: Literal["very-low", "low", "normal", "high"] = "normal"
    ttl_s: int | None = Field(default=None, ge=0, le=2419200)


class NotifyOut(BaseModel):
    """What happened to the notification, device by device, added up."""

    subscriptions: int
    sent: int
    dropped: int = Field(description="subscriptions the push service said are gone (removed)")
    failed: int
