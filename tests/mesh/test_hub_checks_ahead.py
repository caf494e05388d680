"""The hub checks a connection's history runs ahead of their commits (store/history_runs.py:
ChecksAhead): the commit takes the check started when the run was queued, and a bad run's BadRun
surfaces at its commit."""

from __future__ import annotations

import asyncio

import pytest

from mesh_protocol import HistoryRun
from mesh_protocol.runs import BadRun
from solo_brain.mesh.store import history_runs
from solo_brain.mesh.store.history_runs import ChecksAhead
from tests.mesh.test_hub_binary_runs import _lines, _run


def _good() -> HistoryRun:
    raw = _lines(0, 5)
    return _run(raw, 10_000, 0)


def _bad() -> HistoryRun:
    run = _good()
    return run.with_blob(run.blob[:-4] if run.blob else b"")  # a zstd frame cut short


async def test_a_commit_takes_the_check_started_when_its_run_was_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run started ahead is checked once, before its commit asks for it."""
    checked: list[HistoryRun] = []
    real = history_runs.check

    def counted(run: HistoryRun) -> bytes:
        checked.append(run)
        return real(run)

    monkeypatch.setattr(history_runs, "check", counted)
    ahead, run = ChecksAhead(), _good()
    ahead.start(run)
    await asyncio.sleep(0.05)
    for _ in range(100):  # the worker thread has it before the commit asks
        if checked:
            break
        await asyncio.sleep(0.01)
    assert checked == [run]
    assert await ahead.blob(run) == run.blob
    assert checked == [run]  # not checked again
    assert await ahead.blob(_good()) is not None and len(checked) == 2  # not started: now


async def test_a_bad_run_checked_ahead_fails_at_its_commit() -> None:
    """BadRun surfaces when the run's commit takes its check, not before."""
    ahead, run = ChecksAhead(), _bad()
    ahead.start(run)
    with pytest.raises(BadRun):
        await ahead.blob(run)
