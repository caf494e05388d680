"""Secrets given as files (NAME_FILE=/path, the Docker secrets convention; systemd's
LoadCredential= gives such files too), and the environment they complete.

Every settings class reads them through `SecretFilesSource`; what runs outside a settings class
(n8n's credentials, the stack's children) reads them through `environment()`, and hands a child
process its values through `child_environment()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

from solo_brain.errors import CommandError

# The settings that are secrets: each may instead be given as a file, NAME_FILE=/path. Never both.
SECRET_SETTINGS = (
    "DATABASE_URL", "N8N_DATABASE_URL", "N8N_REDIS_URL", "HUB_TOKEN", "MESH_EVENTS_SECRET",
    "MESH_CAPTURE_TOKEN", "CAPTURE_WEBHOOK_TOKEN", "EXTERNAL_LLM_KEY", "WHATSAPP_APP_SECRET",
    "WHATSAPP_TOKEN", "WHATSAPP_VERIFY_TOKEN", "ONYX_API_KEY", "GOTIFY_TOKEN",
    "GOOGLE_CLIENT_SECRET", "GOOGLE_OAUTH_TOKEN_JSON",
)  # fmt: skip
_SECRET_FILE_MAX_BYTES = 64 * 1024


class SecretFileError(CommandError):
    """A NAME_FILE setting cannot be used: both it and NAME are set, or its file is unreadable."""


def read_secret_files(
    environ: Mapping[str, str | None], names: tuple[str, ...] = SECRET_SETTINGS
) -> dict[str, str]:
    """NAME → the content of the file NAME_FILE names (trimmed), for each of `names` given so.

    Raises SecretFileError naming the setting when NAME is set too, or the file is missing,
    unreadable, empty or larger than 64 KB."""
    values: dict[str, str] = {}
    for name in names:
        path = environ.get(f"{name}_FILE")
        if not path:
            continue
        if environ.get(name):
            raise SecretFileError(f"{name} and {name}_FILE are both set: keep only one of them")
        try:
            with open(path, "rb") as file:
                raw = file.read(_SECRET_FILE_MAX_BYTES + 1)
        except FileNotFoundError:
            raise SecretFileError(f"{name}_FILE names {path}, which does not exist") from None
        except OSError as exc:
            raise SecretFileError(f"{name}_FILE: cannot read {path} ({exc.strerror})") from None
        if len(raw) > _SECRET_FILE_MAX_BYTES:
            raise SecretFileError(f"{name}_FILE: {path} is larger than 64 KB")
        value = raw.decode("utf-8", errors="strict").strip()
        if not value:
            raise SecretFileError(f"{name}_FILE: {path} is empty")
        values[name] = value
    return values


def child_environment(given: Mapping[str, str]) -> dict[str, str]:
    """A child process's environment: this one's with `given` over it, without the NAME_FILE of
    a NAME given (the child would see both and refuse to start)."""
    shadowed = {f"{name}_FILE" for name in given}
    return {**{k: v for k, v in os.environ.items() if k not in shadowed}, **given}


def environment(env_file: str | Path = ".env") -> dict[str, str]:
    """The process environment over the values of `.env` (as the settings classes read them),
    with every secret given as a file (NAME_FILE) read into NAME."""
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    merged = {**from_file, **os.environ}
    return {**merged, **read_secret_files(merged)}


class SecretFilesSource(PydanticBaseSettingsSource):
    """The settings source of NAME_FILE: the secrets of this settings class given as files."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: __call__ reads every secret at once."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """NAME → the file's content, for the secrets this class reads."""
        names: set[str] = set()
        for field in self.settings_cls.model_fields.values():
            names.add(str(field.alias))
            if isinstance(field.validation_alias, AliasChoices):
                names.update(str(choice) for choice in field.validation_alias.choices)
        env_file = self.config.get("env_file") or ".env"
        assert isinstance(env_file, (str, Path))
        merged = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        merged.update(os.environ)
        return read_secret_files(merged, tuple(n for n in SECRET_SETTINGS if n in names))
