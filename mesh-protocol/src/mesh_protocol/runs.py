"""History runs: a run of whole transcript lines as zstd-compressed bytes (`HistoryRun.data`).

The agent packs the run it read; the hub unpacks it, never to more bytes than the run says it
holds (a corrupt or inflated run is refused before it takes memory), and slices the lines its
pages show out of it, to fold them with mesh_protocol.fold as the agent would have.
"""

from __future__ import annotations

import base64
import binascii

import zstandard

from mesh_protocol.frames import MAX_RUN_BYTES, HistoryRun

LEVEL = 1  # 5× smaller on transcripts at ~300 MB/s per core (level 3: 4 % smaller, slower)


class BadRun(ValueError):
    """A history run whose data is not the zstd frame of the bytes it says it holds."""


def compress(raw: bytes | bytearray | memoryview) -> bytes:
    """The zstd frame of `raw` (its size written in the frame header)."""
    return zstandard.ZstdCompressor(level=LEVEL).compress(raw)


def pack(raw: bytes | bytearray | memoryview) -> str:
    """`HistoryRun.data` for the bytes `raw`: zstd then base64."""
    return base64.b64encode(compress(raw)).decode("ascii")


def compressed(run: HistoryRun) -> bytes:
    """The zstd frame a run carries (BadRun when `data` is not base64)."""
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
        reader = zstandard.ZstdDecompressor().stream_reader(blob, read_across_frames=False)
        with reader:
            raw = reader.read(size + 1)
            while len(raw) <= size and (more := reader.read(size + 1 - len(raw))):
                raw += more
    except zstandard.ZstdError as exc:
        raise BadRun(f"history_run data is no zstd frame ({exc})") from exc
    if len(raw) != size:
        raise BadRun(f"history_run data holds {len(raw)} bytes or more, not {size}")
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
