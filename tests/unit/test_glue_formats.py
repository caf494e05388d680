"""Audio formats are recognised from their bytes, and nothing else passes for audio."""

from __future__ import annotations

import struct

import pytest

from solo_brain.glue.formats import Sniffed, sniff_audio
from tests.support.audio import render_speech

PHRASE = "Note rapide pour le projet vision."


@pytest.fixture(scope="module")
def real() -> dict[str, bytes]:
    """Real files of every format, encoded by ffmpeg from espeak-ng speech."""
    fmts = ("wav", "m4a", "ogg", "mp3", "aac", "flac", "webm")
    return {fmt: render_speech(PHRASE, fmt) for fmt in fmts}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("wav", Sniffed("wav", "pcm")),
        ("m4a", Sniffed("m4a")),
        ("ogg", Sniffed("ogg", "opus")),
        ("mp3", Sniffed("mp3", "mp3")),
        ("aac", Sniffed("aac", "aac")),
        ("flac", Sniffed("flac", "flac")),
        ("webm", Sniffed("webm")),
    ],
)
def test_real_files_are_recognised(real: dict[str, bytes], fmt: str, expected: Sniffed) -> None:
    """Each format ffmpeg writes is recognised by its magic numbers alone."""
    assert sniff_audio(real[fmt]) == expected


def test_mp3_without_id3_tag_is_recognised_by_frame_sync(real: dict[str, bytes]) -> None:
    """An MP3 stream that starts straight with frames (no ID3 tag) is still MP3."""
    data = real["mp3"]
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    frames = data[10 + size :]
    assert frames[0] == 0xFF
    assert sniff_audio(frames) == Sniffed("mp3", "mp3")


def test_vorbis_in_ogg_is_recognised() -> None:
    """An Ogg page whose first packet is a Vorbis identification header is Ogg/Vorbis."""
    page = b"OggS\x00\x02" + bytes(20) + b"\x01\x1e" + b"\x01vorbis" + bytes(22)
    assert sniff_audio(page) == Sniffed("ogg", "vorbis")


@pytest.mark.parametrize("fmt", ["wav", "m4a", "ogg", "mp3", "aac", "flac", "webm"])
def test_a_few_leading_bytes_are_not_enough(real: dict[str, bytes], fmt: str) -> None:
    """A file cut inside its header is refused rather than guessed."""
    assert sniff_audio(real[fmt][:4]) is None


def test_id3_tag_with_no_audio_after_it_is_refused(real: dict[str, bytes]) -> None:
    """An MP3 truncated right after its ID3 tag holds nothing to transcribe."""
    data = real["mp3"]
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    assert sniff_audio(data[: 10 + size]) is None


def test_wav_cut_before_its_fmt_chunk_is_refused() -> None:
    """A RIFF/WAVE header without a `fmt ` chunk is not usable audio."""
    assert sniff_audio(b"RIFF\x24\x00\x00\x00WAVEdata\x00\x00\x00\x00") is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param("Réunion à 14 h, café noté.\n".encode(), id="text"),
        pytest.param(b'{"text": "pas de l\'audio"}', id="json"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(40), id="png"),
        pytest.param(b"%PDF-1.7\n" + bytes(40), id="pdf"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", id="heic-photo"),
        pytest.param(b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(40), id="avi"),
        pytest.param(
            b"OggS\x00\x02" + bytes(20) + b"\x01\x2a" + b"\x80theora" + bytes(40), id="theora"
        ),
        pytest.param(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x84mkvx" + bytes(40), id="unknown-ebml"),
        pytest.param(b"\xff\xfb" + bytes(40), id="frame-sync-with-bad-header"),
        pytest.param(b"ID3", id="id3-magic-only"),
    ],
)
def test_things_that_are_not_audio_are_refused(data: bytes) -> None:
    """Empty files, text, images, video containers and noise are not audio."""
    assert sniff_audio(data) is None


def test_lone_sync_word_followed_by_noise_is_not_mp3() -> None:
    """A valid-looking MP3 header is refused when the next frame is not where it must be."""
    header = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
    frame_length = 144 * 128000 // 44100
    assert sniff_audio(header + bytes(frame_length + 10)) is None
    two_frames = (header + bytes(frame_length - 4)) * 2
    assert sniff_audio(two_frames) == Sniffed("mp3", "mp3")


def test_wav_with_a_list_chunk_before_fmt_is_recognised() -> None:
    """The `fmt ` chunk is found even when another chunk comes first."""
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    data = b"RIFF\x00\x00\x00\x00WAVE" + b"LIST\x04\x00\x00\x00INFO" + b"fmt \x10\x00\x00\x00" + fmt
    assert sniff_audio(data) == Sniffed("wav", "pcm")
