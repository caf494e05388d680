"""Settings of every service, read once from the environment and `.env`.

The names are the ones `.env.example` documents. Shared names (DATABASE_URL, SOLO_BRAIN_TZ, ...)
have no prefix because the design fixes them; each service has its own class so that a service
only sees, and only validates, what it uses.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"


class CommonSettings(BaseSettings):
    """Settings every service shares: where the data lives and the user's time zone."""

    # A blank value (`MEDIA_DIR=` as .env.example has it) means "not set", never the path ".".
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    var_dir: Path = Field(default=DEFAULT_VAR_DIR, alias="SOLO_BRAIN_VAR_DIR")
    tz: str = Field(default="Europe/Paris", alias="SOLO_BRAIN_TZ")
    public_url: str = Field(default="http://127.0.0.1:8101", alias="PUBLIC_URL")

    @field_validator("database_url")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @property
    def pgdata_dir(self) -> Path:
        """Folder of the embedded Postgres used when DATABASE_URL is unset."""
        return self.var_dir / "pgdata"


class GlueSettings(CommonSettings):
    """Transcription glue: Whisper in, Kokoro out, audio kept under MEDIA_DIR."""

    whisper_url: str | None = Field(default=None, alias="WHISPER_URL")
    whisper_model: str = Field(default="Systran/faster-whisper-large-v3", alias="WHISPER_MODEL")
    whisper_language: str = Field(default="fr", alias="WHISPER_LANGUAGE")
    whisper_timeout_s: float = Field(default=30.0, alias="WHISPER_TIMEOUT_S")
    kokoro_url: str | None = Field(default=None, alias="KOKORO_URL")
    kokoro_voice: str = Field(default="ff_siwis", alias="KOKORO_VOICE")
    kokoro_timeout_s: float = Field(default=30.0, alias="KOKORO_TIMEOUT_S")
    media_dir: Path | None = Field(default=None, alias="MEDIA_DIR")
    audio_retention_days: int = Field(default=30, ge=1, alias="AUDIO_RETENTION_DAYS")
    max_audio_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, alias="MAX_AUDIO_BYTES")
    port: int = Field(default=8101, alias="GLUE_PORT")

    @property
    def media_path(self) -> Path:
        """Where audio is stored (MEDIA_DIR, or var/media by default)."""
        return self.media_dir or self.var_dir / "media"


class ClassifySettings(CommonSettings):
    """Classification: the local Ollama model, an opt-in external model for public notes."""

    ollama_url: str | None = Field(default=None, alias="OLLAMA_URL")
    ollama_model: str = Field(default="qwen3.6:35b", alias="OLLAMA_MODEL")
    ollama_timeout_s: float = Field(default=60.0, alias="OLLAMA_TIMEOUT_S")
    external_llm_url: str | None = Field(default=None, alias="EXTERNAL_LLM_URL")
    external_llm_model: str = Field(default="deepseek-chat", alias="EXTERNAL_LLM_MODEL")
    external_llm_key: str | None = Field(default=None, alias="EXTERNAL_LLM_KEY")
    port: int = Field(default=8102, alias="CLASSIFY_PORT")


class MeshSettings(CommonSettings):
    """CC Mesh hub: agents' WebSocket, sessions API and SSE, events webhook for push."""

    port: int = Field(default=8100, alias="MESH_PORT")
    events_webhook_url: str | None = Field(default=None, alias="MESH_EVENTS_WEBHOOK_URL")
    events_timeout_s: float = Field(default=3.0, gt=0, alias="MESH_EVENTS_TIMEOUT_S")
    max_frame_bytes: int = Field(default=1024 * 1024, ge=1024, alias="MESH_MAX_FRAME_BYTES")
    heartbeat_s: float = Field(default=20.0, gt=0, alias="MESH_HEARTBEAT_S")
    agent_offline_after_s: float = Field(default=60.0, gt=0, alias="MESH_AGENT_OFFLINE_AFTER_S")
    permission_timeout_s: float = Field(default=600.0, gt=0, alias="MESH_PERMISSION_TIMEOUT_S")

    @field_validator("events_webhook_url")
    @classmethod
    def _empty_webhook_is_unset(cls, value: str | None) -> str | None:
        return value or None
