"""Settings of every service, read once from the environment, `.env` and the secrets given as
files (secret_files.py).

The names are the ones `.env.example` documents. Shared names (DATABASE_URL, SOLO_BRAIN_TZ, ...)
have no prefix because the design fixes them; each service has its own class so that a service
only sees, and only validates, what it uses.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from solo_brain.secret_files import SecretFilesSource

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
# The user's time zone unless SOLO_BRAIN_TZ says otherwise: relative dates, "today", briefings.
DEFAULT_TZ = "Europe/Paris"


def check_tz(value: str | None) -> str | None:
    """`value` when it names an IANA time zone ("Europe/Paris"); raise ValueError otherwise."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long
        shown = value if len(value) <= 64 else value[:64] + "…"
        raise ValueError(f"unknown time zone {shown!r} (expected e.g. 'Europe/Paris')") from exc
    return value


class CommonSettings(BaseSettings):
    """Settings every service shares: where the data lives and the user's time zone."""

    # A blank value (`MEDIA_DIR=` as .env.example has it) means "not set", never the path ".".
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    var_dir: Path = Field(default=DEFAULT_VAR_DIR, alias="SOLO_BRAIN_VAR_DIR")
    tz: str = Field(default=DEFAULT_TZ, alias="SOLO_BRAIN_TZ")
    # Audio kept by the glue service and served to the phone's inbox by the hub.
    media_dir: Path | None = Field(default=None, alias="MEDIA_DIR")
    # How long a request may wait for a free database connection before a 503 (while Postgres
    # is down the answer is immediate: see db/pool.py).
    db_wait_s: float = Field(default=5.0, gt=0, alias="DB_WAIT_S")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment, `.env`, then the secrets given as files (NAME_FILE)."""
        secret_files = SecretFilesSource(settings_cls)
        return (init_settings, env_settings, dotenv_settings, secret_files, file_secret_settings)

    @field_validator("database_url", "media_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return value or None

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str) -> str:
        return check_tz(value) or DEFAULT_TZ

    @property
    def pgdata_dir(self) -> Path:
        """Folder of the embedded Postgres used when DATABASE_URL is unset."""
        return self.var_dir / "pgdata"

    @property
    def media_path(self) -> Path:
        """Where audio is stored (MEDIA_DIR, or var/media by default)."""
        return self.media_dir or self.var_dir / "media"


class GlueSettings(CommonSettings):
    """Transcription glue: Whisper in, Kokoro out, audio kept under MEDIA_DIR, WhatsApp helpers."""

    public_url: str = Field(default="http://127.0.0.1:8101", alias="PUBLIC_URL")
    whisper_url: str | None = Field(default=None, alias="WHISPER_URL")
    whisper_model: str = Field(default="Systran/faster-whisper-large-v3", alias="WHISPER_MODEL")
    whisper_language: str = Field(default="fr", alias="WHISPER_LANGUAGE")
    whisper_timeout_s: float = Field(default=30.0, gt=0, alias="WHISPER_TIMEOUT_S")
    whisper_timeout_ratio: float = Field(default=1.0, gt=0, alias="WHISPER_TIMEOUT_RATIO")
    whisper_timeout_max_s: float = Field(default=3600.0, gt=0, alias="WHISPER_TIMEOUT_MAX_S")
    kokoro_url: str | None = Field(default=None, alias="KOKORO_URL")
    kokoro_voice: str = Field(default="ff_siwis", alias="KOKORO_VOICE")
    kokoro_timeout_s: float = Field(default=30.0, alias="KOKORO_TIMEOUT_S")
    audio_retention_days: int = Field(default=30, ge=1, alias="AUDIO_RETENTION_DAYS")
    # Spoken answers are played at once (or from a notification soon after); they can be spoken
    # again, so they need not live as long as the recordings.
    speech_retention_days: int = Field(default=7, ge=1, alias="SPEECH_RETENTION_DAYS")
    # How often the service itself purges what is past its retention (0: never, left to the
    # purge-audio timer).
    media_purge_every_s: float = Field(default=3600.0, ge=0, alias="MEDIA_PURGE_EVERY_S")
    max_audio_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, alias="MAX_AUDIO_BYTES")
    port: int = Field(default=8101, alias="GLUE_PORT")
    # WhatsApp Business (Cloud API): deliveries are checked, media fetched, voice notes uploaded.
    whatsapp_app_secret: str | None = Field(default=None, alias="WHATSAPP_APP_SECRET")
    whatsapp_token: str | None = Field(default=None, alias="WHATSAPP_TOKEN")
    whatsapp_phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    whatsapp_verify_token: str | None = Field(default=None, alias="WHATSAPP_VERIFY_TOKEN")
    graph_api_url: str = Field(default="https://graph.facebook.com", alias="GRAPH_API_URL")
    graph_api_version: str = Field(default="v21.0", alias="GRAPH_API_VERSION")
    graph_timeout_s: float = Field(default=20.0, alias="GRAPH_TIMEOUT_S")

    @model_validator(mode="after")
    def _public_url_on_its_port(self) -> GlueSettings:
        # Unset PUBLIC_URL: this service on loopback, on the port it listens on (GLUE_PORT).
        if "public_url" not in self.model_fields_set:
            self.public_url = f"http://127.0.0.1:{self.port}"
        return self


class ClassifySettings(CommonSettings):
    """Classification: the local Ollama model, an opt-in external model for public notes."""

    ollama_url: str | None = Field(default=None, alias="OLLAMA_URL")
    ollama_model: str = Field(default="qwen3.6:35b", alias="OLLAMA_MODEL")
    ollama_timeout_s: float = Field(default=60.0, alias="OLLAMA_TIMEOUT_S")
    # The filing waits for the glue as long as the glue lets Whisper take over a long memo.
    whisper_timeout_max_s: float = Field(default=3600.0, gt=0, alias="WHISPER_TIMEOUT_MAX_S")
    # A spoken answer to a question past this is said from the facts alone (capture budget: 8 s).
    answer_timeout_s: float = Field(default=4.0, gt=0, alias="ANSWER_TIMEOUT_S")
    external_llm_url: str | None = Field(default=None, alias="EXTERNAL_LLM_URL")
    external_llm_model: str = Field(default="deepseek-chat", alias="EXTERNAL_LLM_MODEL")
    external_llm_key: str | None = Field(default=None, alias="EXTERNAL_LLM_KEY")
    external_llm_timeout_s: float = Field(default=60.0, gt=0, alias="EXTERNAL_LLM_TIMEOUT_S")
    port: int = Field(default=8102, alias="CLASSIFY_PORT")
    # The filing steps (POST /v1/filings): the glue transcribes and speaks, the capture webhook's
    # token, and the time budget when the caller gives none.
    glue_url: str = Field(default="http://127.0.0.1:8101", alias="GLUE_URL")
    capture_webhook_token: str | None = Field(default=None, alias="CAPTURE_WEBHOOK_TOKEN")
    capture_time_budget_s: float = Field(default=8.0, ge=1, le=60, alias="CAPTURE_TIME_BUDGET_S")


# MESH_EVENTS_WEBHOOK_URL's value for "send no events" (unset means the local n8n's webhook).
EVENTS_OFF = "off"


class MeshSettings(CommonSettings):
    """CC Mesh hub: agents' WebSocket, sessions API and SSE, events webhook for push."""

    port: int = Field(default=8100, alias="MESH_PORT")
    # Where the hub POSTs its events. Unset: the local n8n's mesh-events webhook, on the port it
    # listens on (N8N_PORT), as captures: events_url. "off": none are sent (no n8n beside it).
    events_webhook_url: str | None = Field(default=None, alias="MESH_EVENTS_WEBHOOK_URL")
    events_timeout_s: float = Field(default=3.0, gt=0, alias="MESH_EVENTS_TIMEOUT_S")
    # Signs each event (HMAC-SHA256, header X-CC-Mesh-Signature) for the CC Mesh Trigger node.
    events_secret: str | None = Field(default=None, alias="MESH_EVENTS_SECRET")
    max_frame_bytes: int = Field(default=1024 * 1024, ge=1024, alias="MESH_MAX_FRAME_BYTES")
    heartbeat_s: float = Field(default=20.0, gt=0, alias="MESH_HEARTBEAT_S")
    agent_offline_after_s: float = Field(default=60.0, gt=0, alias="MESH_AGENT_OFFLINE_AFTER_S")
    permission_timeout_s: float = Field(default=600.0, gt=0, alias="MESH_PERMISSION_TIMEOUT_S")
    # The phone's backend: pairing, inbox audio, Web Push.
    public_hub_url: str = Field(default="http://127.0.0.1:8100", alias="PUBLIC_HUB_URL")
    pairing_code_ttl_s: float = Field(default=300.0, gt=0, le=3600, alias="PAIRING_CODE_TTL_S")
    pair_max_attempts: int = Field(default=10, ge=1, alias="PAIR_MAX_ATTEMPTS")
    pair_window_s: float = Field(default=600.0, gt=0, alias="PAIR_WINDOW_S")
    push_endpoint_allow: str = Field(default="", alias="PUSH_ENDPOINT_ALLOW")
    vapid_subject: str = Field(default="mailto:solo-brain@localhost", alias="VAPID_SUBJECT")
    push_ttl_s: int = Field(default=43200, ge=0, le=2419200, alias="PUSH_TTL_S")
    push_timeout_s: float = Field(default=10.0, gt=0, alias="PUSH_TIMEOUT_S")
    # n8n's capture webhook: the hub forwards every capture there (nginx routes them to the hub).
    # Unset: the local n8n's, on the port it listens on (N8N_PORT): capture_webhook_url.
    capture_url: str | None = Field(default=None, alias="MESH_CAPTURE_URL")
    n8n_port: int = Field(default=5678, ge=1, le=65535, alias="N8N_PORT")
    # What the hub sends n8n as Authorization when n8n checks its own CAPTURE_WEBHOOK_TOKEN
    # (that one when unset; neither: the caller's own header goes through).
    capture_token: str | None = Field(
        default=None,
        alias="MESH_CAPTURE_TOKEN",
        validation_alias=AliasChoices("MESH_CAPTURE_TOKEN", "CAPTURE_WEBHOOK_TOKEN"),
    )
    capture_timeout_s: float = Field(default=60.0, gt=0, alias="MESH_CAPTURE_TIMEOUT_S")
    # n8n's time budget (the same setting): a text capture n8n has not answered by then is
    # recorded and answered "on it" by the hub itself (mesh/capture_answer.py).
    capture_budget_s: float = Field(default=8.0, gt=0, le=60, alias="CAPTURE_TIME_BUDGET_S")

    @field_validator("events_webhook_url", "events_secret", "capture_url", "capture_token")
    @classmethod
    def _empty_webhook_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _public_hub_url_on_its_port(self) -> MeshSettings:
        # Unset PUBLIC_HUB_URL: the hub on loopback, on the port it listens on (MESH_PORT), so
        # that `solo-brain pair` links to the hub `solo-brain up` started.
        if "public_hub_url" not in self.model_fields_set:
            self.public_hub_url = f"http://127.0.0.1:{self.port}"
        return self

    @property
    def capture_webhook_url(self) -> str:
        """MESH_CAPTURE_URL, or the capture webhook of the n8n on this host (loopback, N8N_PORT)."""
        return self.capture_url or f"http://127.0.0.1:{self.n8n_port}/webhook/capture"

    @property
    def events_url(self) -> str | None:
        """MESH_EVENTS_WEBHOOK_URL, or the mesh-events webhook of the n8n on this host (loopback,
        N8N_PORT); None when it is `off` (no events are sent)."""
        if self.events_webhook_url and self.events_webhook_url.strip().lower() == EVENTS_OFF:
            return None
        return self.events_webhook_url or f"http://127.0.0.1:{self.n8n_port}/webhook/mesh-events"

    @field_validator("vapid_subject", mode="before")
    @classmethod
    def _mailto_subject(cls, value: object) -> object:
        if value in (None, ""):
            return "mailto:solo-brain@localhost"
        if not isinstance(value, str):
            return value
        # Apple refuses a VAPID subject that is not a plain mailto: (or an https: URL).
        if not (value.startswith("mailto:") and "@" in value) and not value.startswith("https://"):
            raise ValueError("VAPID_SUBJECT must be mailto:you@example.org (or an https:// URL)")
        return value

    @property
    def push_allow_prefixes(self) -> list[str]:
        """PUSH_ENDPOINT_ALLOW as a list of URL prefixes (the real push services need none)."""
        return [p.strip() for p in self.push_endpoint_allow.split(",") if p.strip()]
