"""`solo-brain up` says before n8n's first start (or install) that it takes minutes, and only
then."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from solo_brain.n8n.imports import STATE_FILE
from solo_brain.settings import CommonSettings
from solo_brain.stack_plan import plan
from tests.support.settings import isolated


def test_only_the_first_n8n_start_is_announced_as_long(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no import done yet in n8n's folder the note names the minutes; afterwards, none."""
    monkeypatch.setenv("SOLO_BRAIN_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("N8N_USER_FOLDER", raising=False)
    args = argparse.Namespace(no_n8n=False, no_mesh=False, no_agent=True)
    settings = isolated(CommonSettings, SOLO_BRAIN_VAR_DIR=tmp_path)
    first = {c.name: c for c in plan(args, settings, pg_dsn)}["n8n"]
    assert first.starting_note is not None and "a few minutes" in first.starting_note
    (tmp_path / "n8n").mkdir()
    (tmp_path / "n8n" / STATE_FILE).write_text("{}")
    again = {c.name: c for c in plan(args, settings, pg_dsn)}["n8n"]
    assert again.starting_note is None


def test_n8n_not_installed_yet_is_announced_with_its_install(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no finished n8n install, the note says the install comes first and how long it is."""
    monkeypatch.setenv("SOLO_BRAIN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SOLO_BRAIN_N8N_HOME", str(tmp_path / "no-n8n-here"))
    args = argparse.Namespace(no_n8n=False, no_mesh=False, no_agent=True)
    settings = isolated(CommonSettings, SOLO_BRAIN_VAR_DIR=tmp_path)
    n8n = {c.name: c for c in plan(args, settings, pg_dsn)}["n8n"]
    assert n8n.starting_note is not None and "installs n8n" in n8n.starting_note
