"""`solo-brain up --no-mesh` with n8n: refused, since the workflows go through the hub."""

from __future__ import annotations

import argparse

import pytest

from solo_brain import stack


def test_no_mesh_with_n8n_and_no_other_hub_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing starts; the message says what to add."""
    monkeypatch.delenv("HUB_URL", raising=False)
    args = argparse.Namespace(no_n8n=False, no_mesh=True, no_agent=True)

    assert stack.run(args) == 2
    assert "add --no-n8n, or set HUB_URL" in capsys.readouterr().err
