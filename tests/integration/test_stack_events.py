"""`solo-brain up` points the hub's events at the local n8n's mesh-events workflow."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from solo_brain.settings import CommonSettings
from solo_brain.stack_plan import plan
from tests.support.settings import isolated


def test_local_stack_sends_hub_events_to_mesh_events(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unless MESH_EVENTS_WEBHOOK_URL is set, the hub's events go to n8n's mesh-events."""
    monkeypatch.setenv("N8N_PORT", "5999")
    monkeypatch.delenv("MESH_EVENTS_WEBHOOK_URL", raising=False)
    args = argparse.Namespace(no_n8n=False, no_mesh=False, no_agent=True)
    settings = isolated(CommonSettings, SOLO_BRAIN_VAR_DIR=tmp_path)
    children = {c.name: c for c in plan(args, settings, pg_dsn)}
    assert children["mesh"].env["MESH_EVENTS_WEBHOOK_URL"] == (
        "http://127.0.0.1:5999/webhook/mesh-events"
    )
    monkeypatch.setenv("MESH_EVENTS_WEBHOOK_URL", "http://elsewhere/hook")
    children = {c.name: c for c in plan(args, settings, pg_dsn)}
    assert "MESH_EVENTS_WEBHOOK_URL" not in children["mesh"].env


def test_a_stack_without_n8n_sends_no_hub_events(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`up --no-n8n` with MESH_EVENTS_WEBHOOK_URL unset: the hub is told `off` (no n8n runs to
    take its events); one that is set is left as it is."""
    monkeypatch.delenv("MESH_EVENTS_WEBHOOK_URL", raising=False)
    args = argparse.Namespace(no_n8n=True, no_mesh=False, no_agent=True)
    settings = isolated(CommonSettings, SOLO_BRAIN_VAR_DIR=tmp_path)
    children = {c.name: c for c in plan(args, settings, pg_dsn)}
    assert children["mesh"].env["MESH_EVENTS_WEBHOOK_URL"] == "off"
    monkeypatch.setenv("MESH_EVENTS_WEBHOOK_URL", "http://elsewhere/hook")
    children = {c.name: c for c in plan(args, settings, pg_dsn)}
    assert "MESH_EVENTS_WEBHOOK_URL" not in children["mesh"].env


def test_local_stack_signs_hub_events_with_one_kept_secret(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub and n8n get the same MESH_EVENTS_SECRET, made once under var/ (mode 0600)."""
    monkeypatch.delenv("MESH_EVENTS_SECRET", raising=False)
    args = argparse.Namespace(no_n8n=False, no_mesh=False, no_agent=True)
    settings = isolated(CommonSettings, SOLO_BRAIN_VAR_DIR=tmp_path)
    first = {c.name: c for c in plan(args, settings, pg_dsn)}
    again = {c.name: c for c in plan(args, settings, pg_dsn)}
    secret = first["mesh"].env["MESH_EVENTS_SECRET"]
    assert len(secret) >= 40 and first["n8n"].env["MESH_EVENTS_SECRET"] == secret
    assert again["mesh"].env["MESH_EVENTS_SECRET"] == secret
    assert (tmp_path / "mesh-events.secret").stat().st_mode & 0o777 == 0o600


def test_local_stack_wires_each_service_to_the_ports_it_starts(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only the ports set, classify reaches the glue, the hub n8n's capture webhook, and n8n
    the glue, classify and the hub with a full token: what each needs and defaults to 8101/8100."""
    ports = {"GLUE_PORT": "18101", "CLASSIFY_PORT": "18102", "MESH_PORT": "18100",
             "N8N_PORT": "15999"}  # fmt: skip
    for name, value in ports.items():
        monkeypatch.setenv(name, value)
    for name in ("GLUE_URL", "CLASSIFY_URL", "HUB_URL", "HUB_TOKEN", "MESH_CAPTURE_URL"):
        monkeypatch.delenv(name, raising=False)
    args = argparse.Namespace(no_n8n=False, no_mesh=False, no_agent=True)
    settings = isolated(CommonSettings, SOLO_BRAIN_VAR_DIR=tmp_path)
    children = {c.name: c for c in plan(args, settings, pg_dsn)}
    assert children["classify"].env["GLUE_URL"] == "http://127.0.0.1:18101"
    assert children["mesh"].env["MESH_CAPTURE_URL"] == "http://127.0.0.1:15999/webhook/capture"
    n8n = children["n8n"].env
    assert (n8n["GLUE_URL"], n8n["CLASSIFY_URL"], n8n["HUB_URL"]) == (
        "http://127.0.0.1:18101", "http://127.0.0.1:18102", "http://127.0.0.1:18100")  # fmt: skip
    assert n8n["HUB_TOKEN"] == (tmp_path / "local-n8n.token").read_text().strip()
