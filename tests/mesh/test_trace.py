"""The latency trace of bench_live.py: silent by default, one line per message when enabled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mesh_protocol import trace as tracing


def test_trace_writes_nothing_unless_enabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without MESH_TRACE nothing is written; with it, one `stage uuid clock` line per message,
    one clock per call, never going back."""
    path = tmp_path / "trace.txt"
    monkeypatch.setattr(tracing, "_PATH", None)
    monkeypatch.setattr(tracing, "_fd", None)
    tracing.trace("hub.sse", ["u1"])
    assert not tracing.enabled() and not path.exists()
    monkeypatch.setattr(tracing, "_PATH", str(path))
    try:
        tracing.trace("agent.read", ["u1", "u2"])
        tracing.trace("hub.sse", ["u1"])
    finally:
        if tracing._fd is not None:
            os.close(tracing._fd)
    rows = [line.split() for line in path.read_text().splitlines()]
    assert tracing.enabled()
    assert [(stage, uuid) for stage, uuid, _ in rows] == [
        ("agent.read", "u1"),
        ("agent.read", "u2"),
        ("hub.sse", "u1"),
    ]
    assert float(rows[0][2]) == float(rows[1][2]) <= float(rows[2][2])
