"""Blank settings, as a copied .env.example has them, mean "not set"."""

from __future__ import annotations

from pathlib import Path

import pytest

from solo_brain.n8n.config import N8nSettings
from solo_brain.settings import GlueSettings


def test_a_blank_path_in_the_environment_is_the_default_not_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """MEDIA_DIR= and N8N_USER_FOLDER= fall back to the var folder instead of meaning "."."""
    for name in ("MEDIA_DIR", "N8N_USER_FOLDER"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("SOLO_BRAIN_VAR_DIR", str(tmp_path))
    assert GlueSettings(_env_file=None).media_path == tmp_path / "media"
    assert N8nSettings(_env_file=None).folder == tmp_path / "n8n"


def test_a_blank_line_in_the_env_file_is_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A .env copied from .env.example with its blank lines keeps every default."""
    for name in ("SOLO_BRAIN_VAR_DIR", "MEDIA_DIR", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("SOLO_BRAIN_VAR_DIR=\nMEDIA_DIR=\nDATABASE_URL=\nGLUE_PORT=8101\n")
    settings = GlueSettings(_env_file=env_file)
    assert settings.var_dir.name == "var" and settings.var_dir.is_absolute()
    assert settings.media_path == settings.var_dir / "media"
    assert settings.database_url is None
