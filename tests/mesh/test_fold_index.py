"""A history run's light index (`index_line`) gives, for every line, what the fold's message
says (`to_message`): the same message or none, the same uuid, parents, role, timestamp and
sidechain, without folding the line's text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mesh_protocol import RunLine
from mesh_protocol.fold import parse_line, to_message
from mesh_protocol.line_index import index_line
from tests.mesh.test_hub_history_runs import FIXTURES, _assistant, _record, _user, transcript


def _shapes() -> list[bytes]:
    """The shapes a fold treats apart beyond the history-runs transcript's."""
    return [
        _assistant(20, [{"type": "text", "text": None}]),  # str(None): "None", a message
        _assistant(21, [{"type": "text", "text": ""}, {"type": "text"}]),
        _assistant(22, []),
        _assistant(23, [{"type": "tool_use", "name": "Bash"}, "texte nu", 3]),
        _assistant(24, [{"type": "tool_use", "id": "t", "input": "pas un dict"}]),
        _user(25, [{"type": "tool_result", "tool_use_id": "t", "content": []}]),
        _user(26, [{"type": "tool_result", "content": "sans id"}]),
        _user(27, ""),
        _user(28, None),
        _user(29, 12),
        _user(30, [{"type": "text", "text": 0}]),
        _record(31, type="user", message="pas un dict"),
        _record(32, type="system", content=[{"type": "text", "text": "a"}, "b"]),
        _record(33, type="system", content=[{"type": "tool_result", "content": [{"x": 1}]}]),
        _record(34, type="system", content=[{"type": "image"}]),
        _record(35, type="system", content=["", {"type": "text", "text": ""}]),
        _record(36, type="system"),
        _record(37, type="system", content="compacté", isCompactSummary=True),
        _assistant(38, [{"type": "text", "text": "x"}], isCompactSummary=True),
        _user(39, "t", timestamp=None),
        _user(40, "t", timestamp=1_700_000_000),
        _user(41, "t", timestamp="2026-05-14"),
        _user(42, "t", timestamp=[1]),
        _user(43, "t", isSidechain="true", isMeta="true"),
        _user(44, "t", uuid="u" * 300, parentUuid=5),
        _user(45, "t", uuid=""),
        _user(46, "t", uuid=7),
        _record(47, type="summary", summary="s"),
        json.dumps({"type": "user", "uuid": "nu", "message": {"content": "sans rien"}}).encode(),
    ]


def _lines() -> list[bytes]:
    lines = transcript().splitlines()
    for name in ("manual_session.jsonl", "auto_session.jsonl"):
        lines += (FIXTURES / name).read_bytes().splitlines()
    return [line.rstrip(b"\n") for line in lines + _shapes()]


def _expected(record: dict[str, Any], size: int, thread: str | None) -> RunLine | None:
    message = to_message(record, thread_parent=thread)
    if message is None:
        return None
    return RunLine(
        at=3,
        size=size,
        uuid=message.uuid,
        parent_uuid=message.parent_uuid,
        role=message.role,
        timestamp=message.timestamp,
        is_sidechain=message.is_sidechain,
        thread_parent_uuid=message.thread_parent_uuid,
    )


@pytest.mark.parametrize("thread", [None, "", "fil", "f" * 300])
def test_the_light_index_is_the_folds_for_every_line(thread: str | None) -> None:
    seen = 0
    for line in _lines():
        record = parse_line(line)
        if record is None:
            continue
        expected = _expected(record, len(line), thread)
        indexed = index_line(record, 3, len(line), thread)
        assert (indexed.model_dump() if indexed else None) == (
            expected.model_dump() if expected else None
        ), line[:200]
        seen += expected is not None
    assert seen > 40
