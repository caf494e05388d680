"""The audio store writes atomically under unguessable refs and purges only old audio."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from solo_brain.media import AudioNotFound, MediaStore, PurgeReport, format_bytes, is_valid_ref

DAY = 86400


def test_saved_audio_is_found_again_with_its_type(tmp_path: Path) -> None:
    """save() returns a 32-hex ref whose file holds the bytes and has the right media type."""
    store = MediaStore(tmp_path / "media")
    audio = store.save(b"OggS-data", "ogg")
    assert is_valid_ref(audio.ref) and len(audio.ref) == 32
    assert audio.path == tmp_path / "media" / audio.ref[:2] / f"{audio.ref}.ogg"
    assert audio.path.read_bytes() == b"OggS-data"
    assert store.get(audio.ref) == audio
    assert store.get(audio.ref).content_type == "audio/ogg"
    assert store.read(audio.ref) == (audio, b"OggS-data")


def test_refs_are_random_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    """Two saves of the same bytes get different refs; only final files remain on disk."""
    store = MediaStore(tmp_path)
    first, second = store.save(b"x", "wav"), store.save(b"x", "wav")
    assert first.ref != second.ref
    names = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(names) == sorted([f"{first.ref}.wav", f"{second.ref}.wav"])


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    """Only known audio extensions can be stored (the extension picks the Content-Type)."""
    with pytest.raises(ValueError, match="unknown audio extension"):
        MediaStore(tmp_path).save(b"x", "html")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "ref",
    [
        "../../etc/passwd",
        "..",
        "",
        "0" * 31,
        "0" * 33,
        "A" * 32,
        "0123456789abcdef0123456789abcdeg",
        "0123456789abcdef0123456789abcde/",
        "0123456789abcdef0123456789abcdef.wav",
        "/0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef\n",
    ],
)
def test_malformed_refs_never_reach_the_filesystem(tmp_path: Path, ref: str) -> None:
    """Anything but 32 lowercase hex characters is unknown audio (404), never a path."""
    store = MediaStore(tmp_path / "media")
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    assert store.find(ref) is None
    with pytest.raises(AudioNotFound):
        store.path_for(ref)


def test_unknown_but_well_formed_ref_is_not_found(tmp_path: Path) -> None:
    """A well-formed ref nobody saved is a 404 `audio_not_found`."""
    with pytest.raises(AudioNotFound) as info:
        MediaStore(tmp_path).get("0123456789abcdef0123456789abcdef")
    assert info.value.status_code == 404 and info.value.code == "audio_not_found"


def _age(path: Path, days: float, now: float) -> None:
    stamp = now - days * DAY
    os.utime(path, (stamp, stamp))


def test_purge_removes_only_audio_older_than_the_retention(tmp_path: Path) -> None:
    """Files older than N days go, younger ones stay, and the report adds up their sizes."""
    store = MediaStore(tmp_path)
    now = time.time()
    old = [store.save(b"a" * 100, "wav"), store.save(b"b" * 50, "mp3")]
    young = store.save(b"c" * 10, "ogg")
    for audio in old:
        _age(audio.path, 31, now)
    _age(young.path, 29, now)
    stranger = tmp_path / "notes.txt"  # not ours: never touched
    stranger.write_text("garder")
    _age(stranger, 400, now)

    assert store.purge(30, dry_run=True, now=now) == PurgeReport(files=2, bytes=150)
    assert all(a.path.exists() for a in old)
    assert store.purge(30, now=now) == PurgeReport(files=2, bytes=150)
    assert not any(a.path.exists() for a in old)
    assert store.find(young.ref) == young
    assert stranger.exists()
    assert store.purge(30, now=now) == PurgeReport(files=0, bytes=0)


def test_purge_also_clears_stale_temporary_files(tmp_path: Path) -> None:
    """A temporary file left by a crash is purged once it is old."""
    store = MediaStore(tmp_path)
    now = time.time()
    leftover = tmp_path / "ab" / ".tmp-ab23456789abcdef0123456789abcdef.wav"
    leftover.parent.mkdir()
    leftover.write_bytes(b"half")
    _age(leftover, 2, now)
    assert store.purge(1, now=now) == PurgeReport(files=1, bytes=4)
    assert not leftover.exists()


def test_purge_of_a_missing_store_is_empty(tmp_path: Path) -> None:
    """Purging before anything was ever stored reports nothing and creates nothing."""
    assert MediaStore(tmp_path / "none").purge(30) == PurgeReport(files=0, bytes=0)
    assert not (tmp_path / "none").exists()


def test_writability_check_names_the_folder(tmp_path: Path) -> None:
    """check_writable() is None for a usable folder and names the folder when it is not."""
    assert MediaStore(tmp_path / "media").check_writable() is None
    blocker = tmp_path / "file"
    blocker.write_text("x")
    reason = MediaStore(blocker / "media").check_writable()
    assert reason is not None and str(blocker / "media") in reason


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (999, "999 B"), (3_400, "3.4 KB"), (3_400_000, "3.4 MB"), (12 * 10**9, "12.0 GB")],
)
def test_sizes_are_printed_for_humans(n: int, text: str) -> None:
    """format_bytes() prints decimal units like `du --si`."""
    assert format_bytes(n) == text
