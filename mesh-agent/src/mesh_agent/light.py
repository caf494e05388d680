"""A transcript line's index and metadata from a light decode: msgspec reads only the fields
the index of a history run and the session's metadata need, and skips the rest of the line
(its texts, tool inputs and results) without building Python objects from it.

No I/O here. `read` answers for one line exactly what `parse_line`, `thread_link`,
`index_line` and `SessionMeta.update` (without a message) would, or None when it cannot tell
(then the caller parses the line whole): a line the light decode refuses (NaN, a BOM, an
escaped lone surrogate, a field of an unusual type, ...), a line that is not valid UTF-8, or
one with a run of digits longer than `int()` reads (`json.loads` refuses both; msgspec does
not look at what it skips).
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec
from msgspec import Raw, Struct

from mesh_protocol import RunLine
from mesh_protocol.fold import LINK_PARSE_BYTES, WANTED, thread_link
from mesh_protocol.line_index import has_text, run_line

_MISSING = Raw()  # a field absent from the line (a value present is never empty)
_DIGITS = b"0123456789"
_IS_DIGIT = frozenset(_DIGITS)


class _Block(Struct):
    """A content block: what `_has_body` asks of it (texts, ids and results kept as raw JSON)."""

    type: str | None = None
    text: Raw = _MISSING
    id: Raw = _MISSING
    tool_use_id: Raw = _MISSING


_Item = _Block | str | int | float | bool | list[Any] | None  # a block, or what is skipped
_Content = str | list[_Item] | int | float | bool | None  # an object: decoded whole


class _Message(Struct):
    content: _Content = None


class LightRecord(Struct, rename="camel"):
    """The fields of a transcript record that its index and the session's metadata read."""

    type: str | None = None
    uuid: str | None = None
    parent_uuid: str | None = None
    timestamp: str | None = None
    is_sidechain: Raw = _MISSING
    is_meta: Raw = _MISSING
    is_compact_summary: Raw = _MISSING
    cwd: str | None = None
    git_branch: str | None = None
    permission_mode: str | None = None
    custom_title: str | None = None
    ai_title: str | None = None
    summary: str | None = None
    content: Raw = _MISSING  # a system record's
    message: _Message | None = None

    def get(self, key: str) -> str | None:
        """What the record's dict answers to `get(key)`, for the keys `SessionMeta.update` reads."""
        value: str | None = getattr(self, _ATTRIBUTES[key])
        return value

    def link(self) -> tuple[str, str | None] | None:
        """`thread_link` of the line: (uuid, parentUuid) when it has a uuid."""
        if not self.uuid:
            return None
        return self.uuid, self.parent_uuid

    def index(self, at: int, size: int, thread_parent: str | None) -> RunLine | None:
        """`index_line` of the record."""
        kind = self.type
        if kind not in ("user", "assistant", "system") or not self.uuid:
            return None
        if _is_true(self.is_meta) or not self._has_body():
            return None
        return run_line(
            at,
            size,
            self.uuid,
            self.parent_uuid,
            "system" if _is_true(self.is_compact_summary) else kind,
            self.timestamp,
            _is_true(self.is_sidechain),
            thread_parent,
        )

    def _has_body(self) -> bool:
        if self.type == "system":  # rare and small: decoded whole, as json.loads would
            return bool(self.content) and has_text(msgspec.json.decode(self.content))
        content = self.message.content if self.message is not None else None
        if isinstance(content, str):
            return bool(content)
        if not isinstance(content, list):
            return False
        for block in content:
            if not isinstance(block, _Block):
                continue
            if block.type == "text":
                text = memoryview(block.text)
                if text.nbytes and text != b'""':  # any other JSON value folds to a text
                    return True
            elif block.type == "image":
                return True
            elif block.type == "tool_use" and _is_string(block.id):
                return True
            elif block.type == "tool_result" and _is_string(block.tool_use_id):
                return True
        return False


_ATTRIBUTES = {
    "type": "type",
    "cwd": "cwd",
    "gitBranch": "git_branch",
    "permissionMode": "permission_mode",
    "customTitle": "custom_title",
    "aiTitle": "ai_title",
    "summary": "summary",
}
_DECODER = msgspec.json.Decoder(LightRecord)


def _is_true(raw: Raw) -> bool:
    return memoryview(raw) == b"true"


def _is_string(raw: Raw) -> bool:
    return memoryview(raw)[:1] == b'"'


class LightLine(Struct):
    """What `read` tells of a line: its record (None where `parse_line` gives none) and its
    `thread_link`."""

    record: LightRecord | None
    link: tuple[str, str | None] | None


def read(raw: bytes | bytearray) -> LightLine | None:
    """The light record and thread link of one transcript line, or None when only parsing it
    whole tells them."""
    if not WANTED.search(raw):  # parse_line gives no record
        if b'"parentUuid"' not in raw or len(raw) > LINK_PARSE_BYTES:
            return LightLine(None, thread_link(raw, None))  # no JSON parser run on it
        record = decode(raw)
        return LightLine(None, record.link()) if record is not None else None
    record = decode(raw)
    return LightLine(record, record.link()) if record is not None else None


def decode(raw: bytes | bytearray) -> LightRecord | None:
    """The line's light record when `json.loads` would give a dict with these same fields, None
    when the light decode cannot tell."""
    if not raw.isascii():
        try:
            raw.decode()  # json.loads refuses what is not UTF-8 (msgspec skips it unread)
        except UnicodeDecodeError:
            return None
    if _may_hold_long_int(raw):
        return None
    try:
        return _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError):  # ValidationError included
        return None


def _may_hold_long_int(raw: bytes | bytearray) -> bool:
    """Whether `raw` has a run of more digits than `int()` reads (`json.loads` then refuses
    the line): one in every `limit + 1` bytes is looked at, then the runs around the digits
    found there."""
    limit = sys.get_int_max_str_digits()
    if not limit or len(raw) <= limit:
        return False
    step = limit + 1
    sampled = raw[limit::step]
    if len(sampled.translate(None, _DIGITS)) == len(sampled):
        return False
    for i, byte in enumerate(sampled):
        if byte not in _IS_DIGIT:
            continue
        at = limit + i * step
        start = end = at
        while start > 0 and raw[start - 1] in _IS_DIGIT:
            start -= 1
        while end < len(raw) and raw[end] in _IS_DIGIT:
            end += 1
        if end - start > limit:
            return True
    return False
