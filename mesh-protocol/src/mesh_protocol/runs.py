"""History runs: a run of whole transcript lines as zstd-compressed bytes.

The agent packs the run it read; the hub unpacks it, never to more bytes than the run says it
holds (a corrupt or inflated run is refused before it takes memory), and slices the lines its
pages show out of it, to fold them with mesh_protocol.fold as the agent would have.

A run goes as a JSON text frame (`HistoryRun.data`: the zstd frame in base64) or, towards a hub
whose welcome has `binary_runs`, as one binary WebSocket message (`dump_binary`): MAGIC, the
length of the header (4 bytes, big-endian), the header (the frame's JSON without `data`), then
the zstd frame itself: no base64 to encode, decode or parse as a JSON string.
"""

from __future__ import annotations

import base64
import binascii
import struct

import zstandard

from mesh_protocol.batches import MAX_RUN_BYTES, HistoryRun
from mesh_protocol.fields import ProtocolError
from mesh_protocol.frames import parse_agent_frame

LEVEL = 1  # 5× smaller on transcripts at ~300 MB/s per core (level 3: 4 % smaller, slower)
MAGIC = b"MHR1"  # a binary message that is a history run starts with these bytes
_HEADER = struct.Struct(">4sI")  # MAGIC, the header's length in bytes


class BadRun(ValueError):
    """A history run whose data is not the zstd frame of the bytes it says it holds."""


class NotARun(ValueError):
    """A binary message that is not a history run (the only binary message there is)."""


def compress(raw: bytes | bytearray | memoryview) -> bytes:
    """The zstd frame of `raw` (its size written in the frame header)."""
    return zstandard.ZstdCompressor(level=LEVEL).compress(raw)


def pack(raw: bytes | bytearray | memoryview) -> str:
    """`HistoryRun.data` for the bytes `raw`: zstd then base64."""
    return base64.b64encode(compress(raw)).decode("ascii")


def packed_size(blob_size: int) -> int:
    """The length of `data` (base64) for a zstd frame of `blob_size` bytes."""
    return (blob_size + 2) // 3 * 4


def dump_binary(run: HistoryRun) -> bytes:
    """The binary message of a run: MAGIC, its header's length, its header, its zstd frame."""
    header = run.dump_json(data=False).encode()
    return b"".join((_HEADER.pack(MAGIC, len(header)), header, compressed(run)))


def load_binary(message: bytes) -> HistoryRun:
    """The run a binary message carries (its zstd frame in `blob`, not yet checked): NotARun
    when it does not start with MAGIC, BadRun when its header is not a sound history_run
    header or no zstd frame follows it."""
    if not message.startswith(MAGIC):
        raise NotARun(f"a binary message is a history run only (it starts with {MAGIC!r})")
    if len(message) < _HEADER.size:
        raise BadRun("a binary history run is cut in its header's length")
    size = _HEADER.unpack_from(message)[1]
    end = _HEADER.size + size
    if end >= len(message):
        raise BadRun(f"a binary run of {len(message)} bytes has no zstd frame after {end}")
    try:
        run = parse_agent_frame(message[_HEADER.size : end])
    except ProtocolError as exc:
        raise BadRun(f"bad header of a binary history run: {exc}") from exc
    if not isinstance(run, HistoryRun) or run.data:
        raise BadRun("the header of a binary history run must be a history_run without data")
    return run.with_blob(message[end:])


def compressed(run: HistoryRun) -> bytes:
    """The zstd frame a run carries (BadRun when `data` is not base64)."""
    if run.blob is not None:
        return run.blob
    if not run.data:
        raise BadRun("history_run carries no data")
    try:
        return binascii.a2b_base64(run.data.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRun("history_run data is not base64") from exc


def decompress(blob: bytes, size: int) -> bytes:
    """The `size` bytes a zstd frame holds; BadRun when it holds other bytes, more or fewer, or
    is no zstd frame (never more than `size` + 1 bytes are produced)."""
    if not 0 < size <= MAX_RUN_BYTES:
        raise BadRun(f"a run holds 1 to {MAX_RUN_BYTES} bytes")
    try:
        declared = zstandard.frame_content_size(blob)  # -1: the frame header does not say
        if declared == size:  # one call into a buffer of that size: zstd stops past it
            raw = zstandard.ZstdDecompressor().decompress(blob, allow_extra_data=False)
        elif declared >= 0:
            raise BadRun(f"history_run data holds {declared} bytes, not {size}")
        else:  # no size in the frame header: read at most one byte more than the run's
            raw = _read(blob, size)
    except zstandard.ZstdError as exc:
        raise BadRun(f"history_run data is no zstd frame ({exc})") from exc
    if len(raw) != size:
        raise BadRun(f"history_run data holds {len(raw)} bytes or more, not {size}")
    return raw


def _read(blob: bytes, size: int) -> bytes:
    reader = zstandard.ZstdDecompressor().stream_reader(blob, read_across_frames=False)
    with reader:
        raw: bytes = reader.read(size + 1)
        while len(raw) <= size and (more := reader.read(size + 1 - len(raw))):
            raw += more
    return raw


def unpack(run: HistoryRun, blob: bytes) -> bytes:
    """The run's lines as bytes from `blob`, its zstd frame, checked: the size it says, whole
    lines (BadRun otherwise)."""
    raw = decompress(blob, run.end_offset - run.start_offset)
    if not raw.endswith(b"\n"):
        raise BadRun("a history run ends with a whole line")
    for line in run.lines:
        if raw[line.at + line.size] != 0x0A or (line.at and raw[line.at - 1] != 0x0A):
            raise BadRun(f"the line of {line.uuid} is not a whole line of the run")
    return raw
