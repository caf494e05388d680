"""Settings of the local n8n and of the workflows it runs (they read them through `$env`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from solo_brain.settings import PROJECT_ROOT, CommonSettings

N8N_VERSION = "1.123.81"
WORKFLOWS_DIR = PROJECT_ROOT / "n8n-workflows"
NODES_DIR = PROJECT_ROOT / "nodes"
INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install-n8n.sh"

# Read only to fill credentials; never handed to the n8n process, so `$env` cannot leak them.
SECRET_NAMES = (
    "DATABASE_URL", "HUB_TOKEN", "WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET", "ONYX_API_KEY",
    "GOTIFY_TOKEN", "GOOGLE_CLIENT_SECRET", "GOOGLE_OAUTH_TOKEN_JSON", "CAPTURE_WEBHOOK_TOKEN",
    "EXTERNAL_LLM_KEY", "N8N_DATABASE_URL", "N8N_REDIS_URL", "MESH_EVENTS_SECRET",
)  # fmt: skip


def default_install_home(version: str) -> Path:
    """Where scripts/install-n8n.sh puts n8n `version`: a per-user cache shared by all clones."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "solo-brain" / f"n8n-{version}"


class N8nSettings(CommonSettings):
    """The n8n process, the services its workflows call, and the routing knobs."""

    # A blank value (`MEDIA_DIR=` as .env.example has it) means "not set", never the path ".".
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    version: str = Field(default=N8N_VERSION, alias="N8N_VERSION")
    install_home: Path | None = Field(default=None, alias="SOLO_BRAIN_N8N_HOME")
    user_folder: Path | None = Field(default=None, alias="N8N_USER_FOLDER")
    port: int = Field(default=5678, ge=1, le=65535, alias="N8N_PORT")
    listen_address: str = Field(default="127.0.0.1", alias="N8N_LISTEN_ADDRESS")
    broker_port: int | None = Field(default=None, alias="N8N_RUNNERS_BROKER_PORT")
    log_level: str = Field(default="warn", alias="N8N_LOG_LEVEL")
    workflows_dir: Path = Field(default=WORKFLOWS_DIR, alias="N8N_WORKFLOWS_DIR")
    nodes_dir: Path = Field(default=NODES_DIR, alias="N8N_NODES_DIR")
    # Queue mode (solo_brain.n8n.queue): main + workers + Redis, n8n's own data in Postgres.
    executions_mode: Literal["regular", "queue"] = Field(default="regular", alias="EXECUTIONS_MODE")
    workers: int = Field(default=1, ge=0, le=32, alias="N8N_WORKERS")
    worker_port: int | None = Field(default=None, ge=1, le=65000, alias="N8N_WORKER_PORT")
    worker_concurrency: int = Field(default=10, ge=5, le=200, alias="N8N_WORKER_CONCURRENCY")
    redis_url: str | None = Field(default=None, alias="N8N_REDIS_URL")
    n8n_database_url: str | None = Field(default=None, alias="N8N_DATABASE_URL")
    db_schema: str = Field(default="n8n", pattern=r"^[a-z_][a-z0-9_]*$", alias="N8N_DB_SCHEMA")

    glue_url: str = Field(default="http://127.0.0.1:8101", alias="GLUE_URL")
    classify_url: str = Field(default="http://127.0.0.1:8102", alias="CLASSIFY_URL")
    # The hub is required: the workflows' steps over captures and deliveries go through it.
    hub_url: str | None = Field(default="http://127.0.0.1:8100", alias="HUB_URL")
    onyx_url: str | None = Field(default=None, alias="ONYX_URL")
    gotify_url: str | None = Field(default=None, alias="GOTIFY_URL")
    graph_api_url: str = Field(default="https://graph.facebook.com", alias="GRAPH_API_URL")
    graph_api_version: str = Field(default="v21.0", alias="GRAPH_API_VERSION")
    whatsapp_phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    notify_whatsapp_to: str | None = Field(default=None, alias="NOTIFY_WHATSAPP_TO")
    google_calendar_id: str = Field(default="primary", alias="GOOGLE_CALENDAR_ID")
    # Not a secret (the OAuth client's public id): its presence says Google Calendar is set up.
    google_client_id: str | None = Field(default=None, alias="GOOGLE_CLIENT_ID")
    google_calendar_api_url: str = Field(
        default="https://www.googleapis.com", alias="GOOGLE_CALENDAR_API_URL"
    )

    capture_time_budget_s: float = Field(default=8.0, gt=0, le=60, alias="CAPTURE_TIME_BUDGET_S")
    long_note_chars: int = Field(default=600, ge=1, alias="LONG_NOTE_CHARS")
    retry_backoff_s: float = Field(default=60.0, gt=0, alias="RETRY_BACKOFF_S")
    # The glue gives Whisper up to this over a long memo: capture-process waits as long for it,
    # and retry-pending leases a capture it takes for longer, so that no run takes it twice.
    whisper_timeout_max_s: float = Field(default=3600.0, gt=0, alias="WHISPER_TIMEOUT_MAX_S")
    delivery_backoff_s: float = Field(default=60.0, gt=0, alias="DELIVERY_BACKOFF_S")
    reminder_lead_days: int = Field(default=0, ge=0, le=30, alias="REMINDER_LEAD_DAYS")
    reminder_lead_min: int = Field(default=15, ge=0, le=1440, alias="REMINDER_LEAD_MIN")
    briefing_time: str = Field(default="07:30", pattern=r"^([01]?\d|2[0-3]):[0-5]\d$",
                               alias="BRIEFING_TIME")  # fmt: skip
    briefing_cron: str | None = Field(default=None, alias="BRIEFING_CRON")
    client_briefing_lead_min: int = Field(default=30, ge=1, le=1440,
                                          alias="CLIENT_BRIEFING_LEAD_MIN")  # fmt: skip
    client_briefing_cron: str | None = Field(default=None, alias="CLIENT_BRIEFING_CRON")
    reminders_cron: str | None = Field(default=None, alias="REMINDERS_CRON")
    retry_pending_cron: str | None = Field(default=None, alias="RETRY_PENDING_CRON")

    @field_validator(
        "hub_url", "onyx_url", "gotify_url", "whatsapp_phone_number_id", "notify_whatsapp_to",
        "briefing_cron", "client_briefing_cron", "reminders_cron", "retry_pending_cron",
        "broker_port", "worker_port", "redis_url", "n8n_database_url", "google_client_id",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def home(self) -> Path:
        """The install folder of n8n and its Node.js."""
        return self.install_home or default_install_home(self.version)

    @property
    def folder(self) -> Path:
        """N8N_USER_FOLDER: n8n's own database, settings and the import state."""
        return self.user_folder or self.var_dir / "n8n"

    @property
    def queue_mode(self) -> bool:
        """True when executions run in worker processes (EXECUTIONS_MODE=queue)."""
        return self.executions_mode == "queue"

    @property
    def first_worker_port(self) -> int:
        """Health port of worker 0 (worker i: this + 2i; its task broker: + 1)."""
        return self.worker_port or self.port + 10

    @property
    def base_url(self) -> str:
        """Where this n8n answers on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def workflow_env(self) -> dict[str, str]:
        """What the workflows read through `$env` (every name set, defaults filled in)."""
        values: dict[str, object | None] = {
            "GLUE_URL": self.glue_url, "CLASSIFY_URL": self.classify_url,
            "HUB_URL": self.hub_url, "ONYX_URL": self.onyx_url, "GOTIFY_URL": self.gotify_url,
            "GRAPH_API_URL": self.graph_api_url.rstrip("/"),
            "GRAPH_API_VERSION": self.graph_api_version,
            "WHATSAPP_PHONE_NUMBER_ID": self.whatsapp_phone_number_id,
            "NOTIFY_WHATSAPP_TO": self.notify_whatsapp_to,
            "GOOGLE_CALENDAR_ID": self.google_calendar_id,
            "GOOGLE_CLIENT_ID": self.google_client_id,
            "GOOGLE_CALENDAR_API_URL": self.google_calendar_api_url.rstrip("/"),
            "CAPTURE_TIME_BUDGET_S": self.capture_time_budget_s,
            "LONG_NOTE_CHARS": self.long_note_chars, "RETRY_BACKOFF_S": self.retry_backoff_s,
            "DELIVERY_BACKOFF_S": self.delivery_backoff_s,
            "WHISPER_TIMEOUT_MAX_S": self.whisper_timeout_max_s,
            "REMINDER_LEAD_DAYS": self.reminder_lead_days,
            "REMINDER_LEAD_MIN": self.reminder_lead_min, "BRIEFING_TIME": self.briefing_time,
            "BRIEFING_CRON": self.briefing_cron, "REMINDERS_CRON": self.reminders_cron,
            "CLIENT_BRIEFING_LEAD_MIN": self.client_briefing_lead_min,
            "CLIENT_BRIEFING_CRON": self.client_briefing_cron,
            "RETRY_PENDING_CRON": self.retry_pending_cron, "SOLO_BRAIN_TZ": self.tz,
        }  # fmt: skip
        env = {name: str(value) for name, value in values.items() if value is not None}
        for name in ("GLUE_URL", "CLASSIFY_URL", "HUB_URL", "ONYX_URL", "GOTIFY_URL"):
            if name in env:
                env[name] = env[name].rstrip("/")
        return env

    def process_env(self) -> dict[str, str]:
        """n8n's own configuration: loopback, dedicated folder, lean execution data."""
        return {
            "N8N_USER_FOLDER": str(self.folder),
            "N8N_PORT": str(self.port),
            "N8N_LISTEN_ADDRESS": self.listen_address,
            "N8N_RUNNERS_BROKER_PORT": str(self.broker_port or self.port + 2),
            "N8N_LOG_LEVEL": self.log_level,
            # A Code node's console.log goes to n8n's log (client-briefing says why it did
            # nothing there); no shipped node logs anything else.
            "CODE_ENABLE_STDOUT": "true",
            # The workflows read their settings from the environment.
            "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false",
            # Keep failures for the editor, not every successful capture.
            "EXECUTIONS_DATA_SAVE_ON_SUCCESS": "none",
            "EXECUTIONS_DATA_SAVE_ON_PROGRESS": "false",
            "EXECUTIONS_DATA_PRUNE": "true",
            "EXECUTIONS_DATA_MAX_AGE": "168",
            # Per-execution statistics for the Insights dashboard: database writes we never read.
            "N8N_DISABLED_MODULES": "insights",
            "GENERIC_TIMEZONE": self.tz,
            "TZ": self.tz,
            "N8N_PAYLOAD_SIZE_MAX": "32",
            "DB_SQLITE_POOL_SIZE": "2",
            "N8N_DIAGNOSTICS_ENABLED": "false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_TEMPLATES_ENABLED": "false",
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "true",
            "N8N_GIT_NODE_DISABLE_BARE_REPOS": "true",
        }
