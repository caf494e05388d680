"""The audio store under MEDIA_DIR: unguessable refs, atomic writes, time-based purge.

Layout: `{root}/{ref[:2]}/{ref}.{ext}` for recordings (kept for re-transcription), and
`{root}/speech/{ref[:2]}/{ref}.{ext}` for Kokoro's spoken answers, which have a retention of
their own (a sentence can be spoken again; a recording cannot be recorded again). A ref is 32
lowercase hex characters from `secrets` (128 random bits), so a URL such as `/audio/{ref}.mp3`
can be handed to a phone without exposing the other recordings. The extension is the format
sniffed from the bytes and gives the Content-Type back when the file is served; no sidecar is
needed. Files are written to a hidden temporary name and renamed, so a reader never sees half a
file and a crash leaves no ref behind.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from solo_brain.errors import NotFound

# Storage extension -> Content-Type answered when the file is served.
AUDIO_TYPES: dict[str, str] = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "webm": "audio/webm",
    "mka": "audio/x-matroska",
    "flac": "audio/flac",
}

REF_PATTERN = re.compile(r"[0-9a-f]{32}")
_TMP_PREFIX = ".tmp-"
# The folder (under the root) of spoken answers; never a shard name, so recordings' walks skip it.
SPEECH_DIR = "speech"


class AudioNotFound(NotFound):
    """No stored audio has this ref (or the ref is not even well formed)."""

    code = "audio_not_found"


@dataclass(frozen=True)
class AudioRef:
    """One stored recording: its ref, storage extension, size in bytes and file path."""

    ref: str
    ext: str
    size: int
    path: Path

    @property
    def content_type(self) -> str:
        """The media type to serve this audio with."""
        return AUDIO_TYPES[self.ext]


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or would remove, in a dry run)."""

    files: int
    bytes: int


def is_valid_ref(ref: str) -> bool:
    """True only for exactly 32 lowercase hex characters (nothing that could name a path)."""
    return REF_PATTERN.fullmatch(ref) is not None


class MediaStore:
    """Audio files under one root folder, addressed by unguessable refs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def speech_root(self) -> Path:
        """The folder of spoken answers (their own retention)."""
        return self.root / SPEECH_DIR

    def save(self, data: bytes, ext: str, *, speech: bool = False) -> AudioRef:
        """Write `data` atomically under a new random ref (a spoken answer when `speech`);
        `ext` must be a known audio type."""
        if ext not in AUDIO_TYPES:
            raise ValueError(f"unknown audio extension {ext!r}")
        ref = secrets.token_hex(16)
        final = self._path(self.speech_root if speech else self.root, ref, ext)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f"{_TMP_PREFIX}{ref}.{ext}")
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return AudioRef(ref=ref, ext=ext, size=len(data), path=final)

    def find(self, ref: str) -> AudioRef | None:
        """The stored audio of `ref`, or None when the ref is malformed or unknown."""
        if not is_valid_ref(ref):
            return None
        for base in (self.root, self.speech_root):
            for ext in AUDIO_TYPES:
                path = self._path(base, ref, ext)
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                return AudioRef(ref=ref, ext=ext, size=size, path=path)
        return None

    def get(self, ref: str) -> AudioRef:
        """The stored audio of `ref`; AudioNotFound (404) when malformed or unknown."""
        found = self.find(ref)
        if found is None:
            raise AudioNotFound(f"no stored audio has the ref {ref[:40]!r}")
        return found

    def path_for(self, ref: str) -> Path:
        """The file holding `ref`'s audio; AudioNotFound for a malformed or unknown ref."""
        return self.get(ref).path

    def read(self, ref: str) -> tuple[AudioRef, bytes]:
        """The stored audio of `ref` and its bytes; AudioNotFound when there is none."""
        audio = self.get(ref)
        try:
            return audio, audio.path.read_bytes()
        except FileNotFoundError as exc:  # purged between the lookup and the read
            raise AudioNotFound(f"the audio {ref} was purged") from exc

    def purge(
        self,
        older_than_days: float,
        *,
        speech: bool = False,
        dry_run: bool = False,
        now: float | None = None,
    ) -> PurgeReport:
        """Delete recordings (spoken answers when `speech`), and stale temporary files, last
        modified more than N days ago."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        files = size = 0
        for path in self._stored_files(self.speech_root if speech else self.root):
            try:
                stat = path.stat()
                if stat.st_mtime >= cutoff:
                    continue
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:  # removed concurrently: nothing left to free
                continue
            files += 1
            size += stat.st_size
        return PurgeReport(files=files, bytes=size)

    def check_writable(self) -> str | None:
        """None when a file can be created under the root, else the reason why not."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f"{_TMP_PREFIX}probe-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            return f"media dir {self.root} is not writable: {exc.strerror or exc}"
        return None

    @staticmethod
    def _path(base: Path, ref: str, ext: str) -> Path:
        return base / ref[:2] / f"{ref}.{ext}"

    @staticmethod
    def _stored_files(base: Path) -> list[Path]:
        if not base.is_dir():
            return []
        found: list[Path] = []
        for shard in base.iterdir():
            if len(shard.name) != 2 or not shard.is_dir() or shard.is_symlink():
                continue
            found.extend(p for p in shard.iterdir() if _is_store_file(p.name))
        return found


def _is_store_file(name: str) -> bool:
    if name.startswith(_TMP_PREFIX):
        name = name[len(_TMP_PREFIX) :]
    stem, _, ext = name.partition(".")
    return is_valid_ref(stem) and ext in AUDIO_TYPES


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def format_bytes(n: int) -> str:
    """A human size: '512 B', '3.4 KB', '12.0 MB' (powers of 1000, like `du --si`)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
