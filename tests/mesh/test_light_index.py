"""A history run's lines indexed from a light decode (mesh_agent.light) give, line by line,
exactly what parsing them whole gives (`parse_line`, `thread_link`, `index_line`,
`SessionMeta.update`), odd lines included; a line the light decode cannot tell is parsed
whole."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from mesh_agent import backfill
from mesh_agent.cursor import FileCursor
from mesh_agent.light import decode, read
from mesh_agent.reader import TranscriptRef
from mesh_agent.threads import Threads
from mesh_agent.transcript import SessionMeta
from mesh_protocol import RunLine
from mesh_protocol.fold import parse_line, thread_link
from mesh_protocol.line_index import index_line, run_line
from tests.mesh.test_fold_index import _lines

_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    7,
    1.5,
    -0.0,
    1e300,
    2**70,
    -(2**64),
    "",
    "x",
    "u-1",
    "plan",
    "acceptEdits",
    "bypassPermissions",
    "/home/moi/projet",
    "2026-05-14T10:00:01.000Z",
    "2026-05-14",
    "pas une date",
    "<tag>",
    'é\x00\n"\\',
    [],
    [1, "a"],
    {},
    {"type": "text", "text": ""},
    {"type": "text", "text": "t"},
    {"type": "text"},
    {"type": "text", "text": 0},
    {"type": "text", "text": None},
    {"type": "image"},
    {"type": "tool_use", "id": "t"},
    {"type": "tool_use", "id": 3},
    {"type": "tool_result", "tool_use_id": "t", "content": ""},
    {"type": "tool_result", "content": [{"type": "text", "text": "r"}]},
    {"type": 5},
    [{"type": "text", "text": "a"}, "b", {"type": "tool_result", "content": "c"}],
    [{"type": "tool_use", "id": "t", "input": {"a": 1}}],
    [["nested"], {"type": "image"}],
]
_KEYS = [
    "type",
    "uuid",
    "parentUuid",
    "timestamp",
    "isSidechain",
    "isMeta",
    "isCompactSummary",
    "cwd",
    "gitBranch",
    "permissionMode",
    "customTitle",
    "aiTitle",
    "summary",
    "content",
    "message",
    "other",
]
_TYPES = ["user", "assistant", "system", "summary", "custom-title", "ai-title", "permission-mode"]


def _meta(record: Any) -> tuple[object, ...]:
    meta = SessionMeta("s", project_dir="-home-moi-projet")
    meta.update(record, None, main=True)
    return (*meta.snapshot(), meta.custom_title, meta.ai_title, meta.summary)


def _parsed(raw: bytes, thread: str | None) -> tuple[object, ...]:
    record = parse_line(raw)
    indexed = index_line(record, 3, len(raw), thread) if record is not None else None
    return (
        record is not None,
        thread_link(raw, record),
        indexed.model_dump() if indexed else None,
        _meta(record) if record is not None else None,
    )


def _light(raw: bytes, thread: str | None) -> tuple[object, ...] | None:
    seen = read(raw)
    if seen is None:
        return None
    record = seen.record
    indexed = record.index(3, len(raw), thread) if record is not None else None
    return (
        record is not None,
        seen.link,
        indexed.model_dump() if indexed else None,
        _meta(record) if record is not None else None,
    )


def _same(raw: bytes, thread: str | None = None) -> bool:
    """Whether the light decode told the line (asserting it told what parsing tells)."""
    light = _light(raw, thread)
    if light is not None:
        assert light == _parsed(raw, thread), raw[:300]
    return light is not None


@pytest.mark.parametrize("thread", [None, "fil", "f" * 300])
def test_every_line_of_the_fixtures_indexes_as_parsed_whole(thread: str | None) -> None:
    """Real transcripts and the shapes a fold treats apart: the same index, link and metadata."""
    lines = _lines()
    told = sum(_same(line, thread) for line in lines)
    assert told >= len(lines) - 12  # the shapes of unusual types are parsed whole


def _odd(rng: random.Random) -> bytes:
    """A record of random fields and values, written with one of the odd JSON forms."""
    record: dict[str, Any] = {"type": rng.choice(_TYPES)}
    for key in rng.sample(_KEYS, rng.randint(1, 8)):
        record[key] = rng.choice(_VALUES)
    if rng.random() < 0.3:
        record["type"] = rng.choice([*_TYPES, "attachment", None, 1])
    text = json.dumps(record, ensure_ascii=rng.random() < 0.5)
    form = rng.randrange(12)
    if form == 0:  # a duplicate key: json.loads keeps the last value
        key = rng.choice(_KEYS)
        text = text[:-1] + f", {json.dumps(key)}: {json.dumps(rng.choice(_VALUES))}}}"
    elif form == 1:
        text = text[:-1] + ', "n": NaN}'
    elif form == 2:
        text = text[:-1] + ', "n": -Infinity}'
    elif form == 3:
        text = text[:-1] + f', "n": {"9" * (sys.get_int_max_str_digits() + rng.randint(1, 9))}}}'
    elif form == 4:
        text = text[:-1] + f', "n": [{"7" * rng.randint(4200, 4300)}, 1e999]}}'
    elif form == 5:
        text = text[:-1] + ', "s": "\\ud800 \\udc00 \\ud83d\\ude00"}'
    elif form == 6:
        text = text.replace('"type"', '"\\u0074ype"', 1)
    elif form == 7:
        text = "\ufeff" + text
    elif form == 8:
        text = text[:-1] + ', "s": "' + "\x01\t\x7f" + '"}'
    elif form == 9:
        text = f" \t{text}\r "
    raw = text.encode("utf-8", "surrogatepass")
    if form == 10:  # bytes that are not UTF-8, or a surrogate written as UTF-8
        at = rng.randrange(len(raw))
        raw = raw[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"]) + raw[at:]
    elif form == 11:  # a cut, a flipped byte: mostly no JSON
        at = rng.randrange(len(raw))
        raw = raw[:at] + bytes([rng.randrange(256)]) + raw[at + rng.randint(0, 2) :]
    return raw


def test_odd_lines_index_as_parsed_whole_or_are_parsed_whole() -> None:
    """Wrong types, duplicate keys, NaN, huge integers, escaped keys and surrogates, a BOM,
    control characters, bytes that are not UTF-8: the light decode tells what json.loads
    would, or leaves the line to it."""
    rng = random.Random(11)
    told = sum(_same(_odd(rng), rng.choice([None, "fil"])) for _ in range(6000))
    assert 1000 < told < 6000


def test_lines_json_refuses_are_never_indexed_from_the_light_decode() -> None:
    """Invalid UTF-8 where msgspec does not look, a run of digits over int()'s limit."""
    base = b'{"type":"user","uuid":"u","message":{"content":"t"},"x":'
    digits = sys.get_int_max_str_digits()
    for tail in (b'"\xff"}', b'"\xc0\xaf"}', b"9" * (digits + 1) + b"}", b"1" * 9000 + b"}"):
        assert parse_line(base + tail) is None
        assert decode(base + tail) is None
    assert decode(base + b"9" * digits + b"}") is not None
    assert decode(base + b'"' + b"1" * digits * 3 + b'"}') is None  # inside a string: to json
    assert decode(base + b'"\xc3\xa9"}') is not None


def test_an_index_is_the_run_line_validation_would_build() -> None:
    """Every field set, each as validating the same values gives it."""
    for line in _lines():
        seen = read(line)
        indexed = seen.record.index(3, len(line), "fil") if seen and seen.record else None
        if indexed is not None:
            assert RunLine.model_validate(indexed.model_dump()) == indexed
            assert indexed.model_fields_set == set(RunLine.model_fields)


def test_a_run_line_is_what_model_construct_builds() -> None:
    """The RunLine built without model_construct has its fields, in its order, and its state."""
    line = run_line(5, 9, "u" * 200, 3, "system", "2026-05-14T10:00:01Z", True, "f" * 200)
    built = RunLine.model_construct(**line.__dict__)
    assert list(line.__dict__.items()) == list(built.__dict__.items())
    assert line.model_fields_set == built.model_fields_set == set(RunLine.model_fields)
    assert (line.__pydantic_extra__, line.__pydantic_private__) == (None, None)
    assert line.model_dump_json() == built.model_dump_json()
    assert line.model_copy(update={"at": 1}).at == 1 and line.at == 5
    assert (line.uuid, line.parent_uuid, line.thread_parent_uuid) == ("u" * 128, None, "f" * 128)


def _indexed(lines: list[bytes], cursor: FileCursor, whole: bool) -> tuple[object, ...]:
    threads, older = Threads(), SessionMeta("s", project_dir="-home-moi-projet")
    found: list[object] = []
    for line in lines:
        indexed = backfill._index(threads, line, 7, older, cursor, whole=whole)
        found.append(indexed.model_dump() if indexed else None)
    return found, older, threads._nearest


@pytest.mark.parametrize("head_prompt", ["déjà trouvé", ""])
def test_a_runs_lines_index_and_fold_their_metadata_as_parsed_whole(
    head_prompt: str, tmp_path: Path
) -> None:
    """backfill's index of a run's lines, line after line (threads learnt, metadata folded,
    the first prompt looked for): the same from the light decode as from each line parsed."""
    rng = random.Random(5)
    lines = _lines() + [_odd(rng) for _ in range(1500)]
    ref = TranscriptRef("p/s.jsonl", tmp_path / "s.jsonl", "s", "-home-moi-projet", True)
    light, parsed = (
        _indexed(lines, FileCursor(ref, folded=10**9, head_prompt=head_prompt), whole)
        for whole in (False, True)
    )
    assert light == parsed
    assert sum(isinstance(f, dict) for f in light[0]) > 50
    assert light[1].first_prompt or head_prompt


def test_real_lines_cut_or_flipped_index_as_parsed_whole_or_are_parsed_whole() -> None:
    """Real transcript lines with a byte flipped, dropped, or a value replaced: the same answers."""
    rng = random.Random(3)
    lines = [line for line in _lines() if len(line) < 20_000]
    told = 0
    for _ in range(4000):
        raw = rng.choice(lines)
        at = rng.randrange(len(raw))
        mutation = rng.randrange(3)
        if mutation == 0:
            raw = raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1 :]
        elif mutation == 1:
            raw = raw[:at] + raw[at + 1 :]
        else:  # a value swapped for another of any type, where one starts
            start = raw.find(b'":', at)
            end = raw.find(b",", start + 2)
            if start < 0 or end < 0:
                continue
            value = json.dumps(rng.choice(_VALUES)).encode()
            raw = raw[: start + 2] + value + raw[end:]
        told += _same(raw, rng.choice([None, "fil"]))
    assert told > 1000
