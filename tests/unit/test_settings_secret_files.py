"""Secrets given as files (NAME_FILE, the Docker secrets convention): read by every settings
class and by what fills n8n's credentials; a missing file or both forms set is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from solo_brain.secret_files import SecretFileError, child_environment, environment
from solo_brain.settings import ClassifySettings, GlueSettings, MeshSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No `.env` and none of the secrets set in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("MESH_EVENTS_SECRET", "HUB_TOKEN", "CAPTURE_WEBHOOK_TOKEN", "MESH_CAPTURE_TOKEN",
                 "WHATSAPP_APP_SECRET", "EXTERNAL_LLM_KEY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def secret(tmp_path: Path, name: str, text: str) -> str:
    """A secret file as Docker or systemd gives one (a trailing newline); its path."""
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_secret_file_is_read_into_its_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """MESH_EVENTS_SECRET_FILE gives the hub its signing secret, HUB_TOKEN_FILE n8n's token,
    CAPTURE_WEBHOOK_TOKEN_FILE classify and the hub the capture token (trailing newline off)."""
    monkeypatch.setenv("MESH_EVENTS_SECRET_FILE", secret(tmp_path, "events", "s3cr3t-events\n"))
    monkeypatch.setenv("HUB_TOKEN_FILE", secret(tmp_path, "hub", "sbt_n8n\n"))
    monkeypatch.setenv("CAPTURE_WEBHOOK_TOKEN_FILE", secret(tmp_path, "capture", "cap-token"))

    hub = MeshSettings()

    assert hub.events_secret == "s3cr3t-events" and hub.capture_token == "cap-token"
    assert ClassifySettings().capture_webhook_token == "cap-token"
    assert environment()["HUB_TOKEN"] == "sbt_n8n"
    assert environment()["MESH_EVENTS_SECRET"] == "s3cr3t-events"


def test_a_missing_secret_file_names_the_setting_and_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A NAME_FILE naming no file stops the service with a message naming both."""
    ghost = tmp_path / "nowhere" / "mesh-events-secret"
    monkeypatch.setenv("MESH_EVENTS_SECRET_FILE", str(ghost))

    with pytest.raises(SecretFileError) as refused:
        MeshSettings()
    with pytest.raises(SecretFileError):
        environment()

    assert str(refused.value) == f"MESH_EVENTS_SECRET_FILE names {ghost}, which does not exist"


def test_a_secret_set_both_ways_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """NAME and NAME_FILE both set is an error (which one wins would be a guess); NAME left
    blank, as .env.example has it, is unset."""
    monkeypatch.setenv("HUB_TOKEN_FILE", secret(tmp_path, "hub", "sbt_file"))
    monkeypatch.setenv("HUB_TOKEN", "sbt_env")
    with pytest.raises(SecretFileError, match="HUB_TOKEN and HUB_TOKEN_FILE are both set"):
        environment()
    monkeypatch.setenv("MESH_EVENTS_SECRET_FILE", secret(tmp_path, "events", "from-file"))
    monkeypatch.setenv("MESH_EVENTS_SECRET", "from-env")
    with pytest.raises(SecretFileError, match="MESH_EVENTS_SECRET and MESH_EVENTS_SECRET_FILE"):
        MeshSettings()

    monkeypatch.setenv("MESH_EVENTS_SECRET", "")
    assert MeshSettings().events_secret == "from-file"


def test_an_empty_secret_file_is_refused_and_others_secrets_are_not_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An empty file is an error, not an unset secret; a service never reads the files of the
    secrets it does not use (the glue ignores EXTERNAL_LLM_KEY_FILE)."""
    monkeypatch.setenv("WHATSAPP_APP_SECRET_FILE", secret(tmp_path, "empty", "\n"))
    monkeypatch.setenv("EXTERNAL_LLM_KEY_FILE", str(tmp_path / "absent"))

    with pytest.raises(SecretFileError, match="is empty"):
        GlueSettings()
    monkeypatch.delenv("WHATSAPP_APP_SECRET_FILE")
    assert GlueSettings().whatsapp_app_secret is None
    with pytest.raises(SecretFileError, match="EXTERNAL_LLM_KEY_FILE names"):
        ClassifySettings()


def test_a_child_given_a_secret_does_not_inherit_its_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`solo-brain up` hands its children DATABASE_URL itself: they get no DATABASE_URL_FILE
    besides (they would refuse both), and keep the files of the secrets not given."""
    monkeypatch.setenv("DATABASE_URL_FILE", secret(tmp_path, "db", "postgresql:///solo"))
    monkeypatch.setenv("HUB_TOKEN_FILE", secret(tmp_path, "hub", "sbt_n8n"))

    child = child_environment({"DATABASE_URL": "postgresql:///embedded"})

    assert child["DATABASE_URL"] == "postgresql:///embedded" and "DATABASE_URL_FILE" not in child
    assert child["HUB_TOKEN_FILE"] == str(tmp_path / "hub")
