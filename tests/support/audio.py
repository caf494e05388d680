"""Real audio for tests: French speech from espeak-ng, converted by ffmpeg, measured by ffprobe.

Needs the Debian packages `espeak-ng` and `ffmpeg` (`apt-get install espeak-ng ffmpeg`).
Formats follow what the phone sends: `m4a` is AAC in MP4 (iPhone voice memo / Siri Shortcut),
`ogg` is Opus in Ogg (WhatsApp voice note), `mp3`, and `wav` 16 kHz mono PCM.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

SpeechFormat = Literal["wav", "m4a", "ogg", "mp3", "opus", "aac", "flac", "webm", "pcm"]

# ffmpeg output options per format (input is espeak-ng's 22 kHz mono WAV on stdin).
FFMPEG_OUTPUT: dict[str, list[str]] = {
    "wav": ["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav"],
    "m4a": ["-ac", "1", "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart", "-f", "ipod"],
    "ogg": ["-ar", "16000", "-ac", "1", "-c:a", "libopus", "-b:a", "24k", "-f", "ogg"],
    "opus": ["-ar", "24000", "-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg"],
    "mp3": ["-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3"],
    "aac": ["-ac", "1", "-c:a", "aac", "-b:a", "48k", "-f", "adts"],
    "flac": ["-ac", "1", "-c:a", "flac", "-f", "flac"],
    "webm": ["-ac", "1", "-c:a", "libopus", "-b:a", "24k", "-f", "webm"],
    "pcm": ["-ar", "24000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "s16le"],
}
TOOLS = ("espeak-ng", "ffmpeg", "ffprobe")


def require_tools() -> None:
    """Fail with the install command when espeak-ng or ffmpeg is missing."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not found: apt-get install espeak-ng ffmpeg (Debian packages)"
        )


def render_speech(text: str, fmt: str, *, voice: str = "fr") -> bytes:
    """`text` spoken by espeak-ng in `voice`, encoded by ffmpeg as `fmt` (real, playable audio)."""
    require_tools()
    if fmt not in FFMPEG_OUTPUT:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FFMPEG_OUTPUT)}")
    # Text goes through stdin so that nothing in it is read as an option.
    wav = _run(["espeak-ng", "-v", voice, "--stdout"], text.encode("utf-8"))
    return transcode(wav, fmt)


def transcode(data: bytes, fmt: str) -> bytes:
    """Any audio ffmpeg can read, re-encoded as `fmt`."""
    # Through a real file, as a phone writes it: WAV and MP4 headers get their final sizes.
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out.{fmt}"
        args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0"]
        args += ["-map_metadata", "-1", *FFMPEG_OUTPUT[fmt], str(out)]
        _run(args, data)
        return out.read_bytes()


def speech_file(text: str, fmt: SpeechFormat, tmp_dir: Path) -> Path:
    """A file of `text` spoken in French as `fmt`, cached in `tmp_dir` by (text, format)."""
    key = hashlib.sha256(f"{fmt}\0{text}".encode()).hexdigest()[:20]
    path = tmp_dir / f"speech-{key}.{fmt}"
    if not path.exists():
        tmp_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        partial.write_bytes(render_speech(text, fmt))
        partial.replace(path)  # atomic: concurrent test processes never read half a file
    return path


def tone_wav(seconds: float, *, rate: int = 16000) -> bytes:
    """A 440 Hz sine WAV of the given length (when the content does not matter, only the size)."""
    require_tools()
    source = f"sine=frequency=440:sample_rate={rate}:duration={seconds}"
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tone.wav"
        _run([*args, "-ac", "1", "-c:a", "pcm_s16le", str(out)], b"")
        return out.read_bytes()


def probe(data: bytes) -> dict:
    """ffprobe's view of the audio: `format_name`, `duration` (float), `codec_name`, `sample_rate`.

    Raises ValueError when ffprobe cannot read the bytes as media.
    """
    require_tools()
    args = ["ffprobe", "-hide_banner", "-loglevel", "error", "-of", "json"]
    args += ["-show_entries", "format=format_name,duration:stream=codec_name,sample_rate"]
    with tempfile.NamedTemporaryFile(suffix=".audio") as fh:  # a file: ffprobe can seek
        fh.write(data)
        fh.flush()
        try:
            out = _run([*args, "-i", fh.name], b"")
        except subprocess.CalledProcessError as exc:
            err = exc.stderr.decode(errors="replace").strip()
            raise ValueError(f"ffprobe cannot read it: {err}") from exc
    info = json.loads(out)
    streams = info.get("streams") or [{}]
    fmt = info.get("format", {})
    if not fmt.get("format_name"):
        raise ValueError("ffprobe found no media format")
    duration = fmt.get("duration")
    return {
        "format_name": fmt["format_name"],
        "duration": float(duration) if duration not in (None, "N/A") else None,
        "codec_name": streams[0].get("codec_name"),
        "sample_rate": int(streams[0]["sample_rate"]) if streams[0].get("sample_rate") else None,
    }


def decoded_duration(data: bytes) -> float:
    """The length in seconds found by decoding every frame (works for streams without a header
    duration, such as piped Ogg or ADTS)."""
    require_tools()
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0"]
    pcm = _run([*args, "-ac", "1", "-ar", "16000", "-f", "s16le", "pipe:1"], data)
    return len(pcm) / 2 / 16000


def _run(args: list[str], stdin: bytes) -> bytes:
    done = subprocess.run(args, input=stdin, capture_output=True, check=True, timeout=60)
    return done.stdout
