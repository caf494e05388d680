"""Audio format detection from the bytes themselves (magic numbers), never the declared type.

A phone may call an m4a "audio/mpeg" and a browser may send webm as "application/octet-stream":
only the first bytes of the file say what it is. `sniff_audio` answers the extension under which
the audio is stored (see `solo_brain.media.AUDIO_TYPES`) and, when the header tells, the codec.
Anything it cannot positively recognise (empty, text, truncated headers, images) is `None`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: the storage extension and, when known, the codec inside."""

    format: str
    codec: str | None = None


# Layer III bitrates (kbit/s) by MPEG version: MPEG-1, then MPEG-2 and 2.5 share a table.
_MP3_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}

# ISO base media "major brands" of audio/video files; HEIC/AVIF images also start with `ftyp`.
_MP4_BRANDS = {
    b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"mp41", b"mp42", b"isom", b"iso2", b"iso4", b"iso5",
    b"iso6", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"qt  ", b"MSNV", b"avc1",
}  # fmt: skip

_OGG_CODECS = {
    b"OpusHead": "opus",
    b"\x01vorbis": "vorbis",
    b"\x7fFLAC": "flac",
    b"Speex   ": "speex",
}


def sniff_audio(data: bytes) -> Sniffed | None:
    """The audio format of `data` from its magic numbers, or None when it is not audio we know."""
    if data.startswith(b"RIFF"):
        return _wav(data)
    if data.startswith(b"ID3"):
        return _after_id3(data)
    if data.startswith(b"OggS"):
        return _ogg(data)
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return _ebml(data)
    if data.startswith(b"fLaC") and len(data) >= 8:
        return Sniffed("flac", "flac")
    if data[4:8] == b"ftyp":
        return _mp4(data)
    return _frame(data)


def _wav(data: bytes) -> Sniffed | None:
    if len(data) < 20 or data[8:12] != b"WAVE":
        return None
    offset = 12
    while offset + 8 <= len(data):  # walk the chunks until `fmt ` (JUNK/LIST may come first)
        chunk_id, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if chunk_id == b"fmt ":
            if offset + 10 > len(data):
                return None
            tag = struct.unpack_from("<H", data, offset + 8)[0]
            return Sniffed("wav", {1: "pcm", 3: "float", 0xFFFE: "extensible"}.get(tag, "other"))
        offset += 8 + size + (size & 1)
    return None


def _after_id3(data: bytes) -> Sniffed | None:
    # ID3v2: "ID3", version, flags, then a 28-bit "syncsafe" size; the audio follows the tag.
    if len(data) < 10 or data[3] not in (2, 3, 4) or any(b & 0x80 for b in data[6:10]):
        return None
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    end = 10 + size + (10 if data[5] & 0x10 else 0)
    rest = data[end:]
    while rest.startswith(b"\x00"):  # some encoders pad after the tag
        rest = rest[1:]
    if rest.startswith(b"fLaC"):
        return Sniffed("flac", "flac")
    return _frame(rest)


def _frame(data: bytes) -> Sniffed | None:
    """A raw MPEG audio (Layer III) or ADTS AAC frame header at the start of `data`."""
    if len(data) < 7 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return None
    layer = (data[1] >> 1) & 3
    if layer == 0:
        return _adts(data)
    if layer != 1:  # Layer I/II (mp1/mp2) is not something a phone records
        return None
    length = _mp3_frame_length(data)
    if length is None:
        return None
    if len(data) >= length + 4 and _mp3_frame_length(data[length:]) is None:
        return None  # a lone sync pattern followed by noise, not a stream of frames
    return Sniffed("mp3", "mp3")


def _mp3_frame_length(data: bytes) -> int | None:
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0 or (data[1] >> 1) & 3 != 1:
        return None
    version, rate_index, bitrate_index = (data[1] >> 3) & 3, (data[2] >> 2) & 3, data[2] >> 4
    if version == 1 or rate_index == 3 or bitrate_index in (0, 15):
        return None
    bitrate = _MP3_BITRATES[3 if version == 3 else 2][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (data[2] >> 1) & 1
    return (144 if version == 3 else 72) * bitrate // rate + padding


def _adts(data: bytes) -> Sniffed | None:
    if data[1] & 0xF6 != 0xF0 or (data[2] >> 2) & 0xF > 12:  # 12-bit sync, layer 00, known rate
        return None
    length = ((data[3] & 3) << 11) | (data[4] << 3) | (data[5] >> 5)
    if length < 7:
        return None
    return Sniffed("aac", "aac")


def _mp4(data: bytes) -> Sniffed | None:
    size = struct.unpack_from(">I", data, 0)[0]
    if len(data) < 12 or size < 16 or data[8:12] not in _MP4_BRANDS:
        return None
    return Sniffed("m4a")


def _ogg(data: bytes) -> Sniffed | None:
    # First page: 27-byte header, segment table, then the codec's identification packet.
    if len(data) < 28 or data[4] != 0:
        return None
    first_packet = 27 + data[26]
    head = data[first_packet : first_packet + 8]
    for magic, codec in _OGG_CODECS.items():
        if head.startswith(magic):
            return Sniffed("ogg", codec)
    return None


def _ebml(data: bytes) -> Sniffed | None:
    # EBML header element; its DocType (id 0x4282) says "webm" or "matroska".
    at = data.find(b"\x42\x82", 4, 64)
    if at < 0 or at + 3 > len(data):
        return None
    size_byte = data[at + 2]
    if not size_byte & 0x80:  # only one-byte sizes are used for such a short string
        return None
    doctype = data[at + 3 : at + 3 + (size_byte & 0x7F)]
    return {b"webm": Sniffed("webm"), b"matroska": Sniffed("mka")}.get(doctype)
