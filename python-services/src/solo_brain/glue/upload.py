"""Read a multipart upload as it streams in, refusing it as soon as it is over the size limit.

Starlette's `request.form()` would spool the whole body (to disk past 1 MB) before anyone could
look at its size, and Content-Length can be absent (chunked) or lie. Here the body is fed chunk by
chunk to python-multipart's push parser and the byte count is checked on the way, so an oversized
upload costs at most the limit in memory and nothing on disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from solo_brain.errors import InvalidRequest, PayloadTooLarge

# Room for the boundaries, part headers and small text fields around the audio itself.
FORM_OVERHEAD = 64 * 1024
MAX_FIELD_BYTES = 4096
# After refusing an upload, read (and drop) this much more of it so that the client, which is
# usually still sending, gets to read the 413 instead of a reset connection.
DRAIN_LIMIT = 64 * 1024 * 1024


@dataclass
class AudioUpload:
    """The uploaded file field and the small text fields that came with it."""

    data: bytes
    filename: str
    content_type: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str = "application/octet-stream"
    data: bytearray = field(default_factory=bytearray)


class _Collector:
    """python-multipart callbacks that keep the file field and small text fields."""

    def __init__(self, file_field: str, max_bytes: int) -> None:
        self.file_field, self.max_bytes = file_field, max_bytes
        self.file: _Part | None = None
        self.fields: dict[str, str] = {}
        self.too_large = self.finished = False
        self.problem: str | None = None
        self._part = _Part()
        self._header_name = bytearray()
        self._header_value = bytearray()

    def callbacks(self) -> dict[str, Any]:
        """The callbacks to give MultipartParser."""
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._part = _Part()

    def _header_end(self) -> None:
        name = bytes(self._header_name).lower()
        value = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()
        if name == b"content-disposition":
            _, options = parse_options_header(value)
            self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
            if b"filename" in options:
                self._part.filename = options[b"filename"].decode("utf-8", "replace")
        elif name == b"content-type":
            self._part.content_type = value.decode("latin-1").strip() or "application/octet-stream"

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.name == self.file_field:
            if len(part.data) + (end - start) > self.max_bytes:
                self.too_large = True
                return
        elif part.filename is not None:
            return  # another file field: not ours, not kept
        elif len(part.data) + (end - start) > MAX_FIELD_BYTES:
            self.problem = f"the form field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes"
            return
        part.data.extend(data[start:end])

    def _part_end(self) -> None:
        part = self._part
        if part.name == self.file_field:
            if self.file is not None:
                self.problem = f"send one {self.file_field!r} file, not several"
            self.file = part
        elif part.filename is None and part.name:
            self.fields[part.name] = part.data.decode("utf-8", "replace")

    def _end(self) -> None:
        self.finished = True


def audio_form_schema(file_field: str, description: str, **fields: str) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a multipart upload: the file, and text fields by example."""
    properties: dict[str, Any] = {
        file_field: {"type": "string", "format": "binary", "description": description}
    }
    properties |= {name: {"type": "string", "example": example} for name, example in fields.items()}
    schema = {"type": "object", "required": [file_field], "properties": properties}
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


async def read_audio_form(request: Request, *, file_field: str, max_bytes: int) -> AudioUpload:
    """The `file_field` upload of a multipart request; 413 past `max_bytes`, 400 if malformed."""
    media_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise InvalidRequest(
            f"send the audio as multipart/form-data with a file field {file_field!r}"
        )
    too_large = PayloadTooLarge(
        f"the audio is larger than the limit of {max_bytes} bytes (MAX_AUDIO_BYTES)",
        max_bytes=max_bytes,
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
        await _drain(request.stream())
        raise too_large

    collector = _Collector(file_field, max_bytes)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    received = 0
    stream = request.stream()
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > max_bytes + FORM_OVERHEAD:
                collector.too_large = True
            else:
                parser.write(chunk)
            if collector.too_large:
                await _drain(stream)
                raise too_large
            if collector.problem:
                raise InvalidRequest(collector.problem)
        parser.finalize()
    except MultipartParseError as exc:
        raise InvalidRequest(f"the multipart body is malformed: {exc}") from exc
    if collector.problem:
        raise InvalidRequest(collector.problem)
    if not collector.finished:
        raise InvalidRequest("the multipart body ended before its closing boundary")
    if collector.file is None:
        raise InvalidRequest(f"the form has no {file_field!r} file field")
    file = collector.file
    return AudioUpload(
        data=bytes(file.data),
        filename=file.filename or file_field,
        content_type=file.content_type,
        fields=collector.fields,
    )


async def _drain(stream: AsyncIterator[bytes]) -> None:
    drained = 0
    async for chunk in stream:
        drained += len(chunk)
        if drained > DRAIN_LIMIT:
            break
