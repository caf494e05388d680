"""Service settings for tests: only the values a test gives and the defaults.

A developer's `.env` or a variable exported in the shell (say EXTERNAL_LLM_URL) must never reach
a service under test, so these builders read neither: `glue_settings(MEDIA_DIR=tmp)` is exactly
the defaults plus MEDIA_DIR. Values are given by env name or field name.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from solo_brain.settings import EVENTS_OFF, ClassifySettings, GlueSettings, MeshSettings

S = TypeVar("S", bound=BaseSettings)


def isolated(cls: type[S], **values: Any) -> S:
    """`cls(**values)` built from `values` and the defaults only (no `.env`, no environment)."""
    return _isolated_class(cls)(**values)


@cache
def _isolated_class(cls: type[S]) -> type[S]:
    class Isolated(cls):  # type: ignore[valid-type,misc]
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    Isolated.__name__ = Isolated.__qualname__ = cls.__name__
    return Isolated


def glue_settings(**values: Any) -> GlueSettings:
    """Glue settings from `values` and the defaults only."""
    return isolated(GlueSettings, **values)


def classify_settings(**values: Any) -> ClassifySettings:
    """Classify settings from `values` and the defaults only."""
    return isolated(ClassifySettings, **values)


def mesh_settings(**values: Any) -> MeshSettings:
    """Hub settings from `values` and the defaults only, but no events unless a test gives
    their webhook (the default, n8n's on 5678, may be anyone's on a shared machine)."""
    if not {"events_webhook_url", "MESH_EVENTS_WEBHOOK_URL"} & values.keys():
        values["events_webhook_url"] = EVENTS_OFF
    return isolated(MeshSettings, **values)
