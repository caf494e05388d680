"""`solo-brain purge-audio` deletes audio older than the retention and says what it freed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from solo_brain.glue.app import create_app
from solo_brain.media import AudioRef, MediaStore
from tests.fakes.server import serve
from tests.support.processes import service_env
from tests.support.settings import glue_settings
from tests.support.wait import wait_for

SOLO_BRAIN = str(Path(sys.executable).parent / "solo-brain")
DAY = 86400


def run(media: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real console script with MEDIA_DIR pointing at `media`."""
    return subprocess.run(
        [SOLO_BRAIN, "purge-audio", *args],
        env=service_env(MEDIA_DIR=media, **env),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=media.parent,
    )


def aged(store: MediaStore, size: int, days: float, *, speech: bool = False) -> AudioRef:
    """Audio of `size` bytes (a spoken answer when `speech`) last modified `days` ago."""
    audio = store.save(b"\0" * size, "ogg", speech=speech)
    stamp = time.time() - days * DAY
    os.utime(audio.path, (stamp, stamp))
    return audio


def test_purge_deletes_old_audio_only_and_reports_it(tmp_path: Path) -> None:
    """Audio past 30 days is deleted, recent audio stays, and the freed size is printed."""
    store = MediaStore(tmp_path / "media")
    old = [aged(store, 1_500_000, 45), aged(store, 1_900_000, 31)]
    recent = aged(store, 1_000, 2)

    dry = run(store.root, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would purge 2 files, 3.4 MB older than 30 days")
    assert all(a.path.exists() for a in old)

    done = run(store.root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("purged 2 files, 3.4 MB older than 30 days")
    assert not any(a.path.exists() for a in old) and recent.path.exists()
    assert run(store.root).stdout.startswith("purged 0 files, 0 B older than 30 days")


def test_days_come_from_the_option_or_the_setting(tmp_path: Path) -> None:
    """--days overrides AUDIO_RETENTION_DAYS, which overrides the default of 30."""
    store = MediaStore(tmp_path / "media")
    week_old = aged(store, 10, 8)
    assert run(store.root, AUDIO_RETENTION_DAYS="10").stdout.startswith("purged 0 files")
    assert run(store.root, "--days", "7").stdout.startswith("purged 1 file, 10 B older than 7 days")
    assert not week_old.path.exists()


def test_invalid_days_are_refused(tmp_path: Path) -> None:
    """A zero, negative or non-numeric --days is a usage error and deletes nothing."""
    store = MediaStore(tmp_path / "media")
    audio = aged(store, 10, 400)
    for value in ("0", "-3", "trente"):
        result = run(store.root, "--days", value)
        assert result.returncode == 2 and "--days" in result.stderr
    assert audio.path.exists()


def test_spoken_answers_have_a_retention_of_their_own(tmp_path: Path) -> None:
    """Spoken answers go after SPEECH_RETENTION_DAYS (7), recordings of the same age stay;
    --speech-days overrides the setting."""
    store = MediaStore(tmp_path / "media")
    recording = aged(store, 10, 8)
    spoken, fresh = aged(store, 20, 8, speech=True), aged(store, 30, 2, speech=True)
    kept = run(store.root, SPEECH_RETENTION_DAYS="10")
    assert "purged 0 spoken answers, 0 B older than 10 days" in kept.stdout, kept.stderr
    done = run(store.root)
    assert done.stdout.splitlines() == [
        f"purged 0 files, 0 B older than 30 days in {store.root}",
        f"purged 1 spoken answer, 20 B older than 7 days in {store.root / 'speech'}",
    ]
    assert not spoken.path.exists() and fresh.path.exists() and recording.path.exists()
    assert (
        "purged 1 spoken answer, 30 B older than 1 days"
        in run(store.root, "--speech-days", "1").stdout
    )
    assert not fresh.path.exists() and recording.path.exists()


def test_the_glue_service_applies_the_retention_itself(tmp_path: Path) -> None:
    """Where no timer runs the command (`solo-brain up`), the running glue service purges old
    recordings and spoken answers on its own, every MEDIA_PURGE_EVERY_S, and keeps the rest."""
    store = MediaStore(tmp_path / "media")
    settings = glue_settings(MEDIA_DIR=store.root, MEDIA_PURGE_EVERY_S="0.05")
    with serve(create_app(settings)):
        old = [aged(store, 10, 31), aged(store, 10, 8, speech=True)]  # after the first round
        kept = [aged(store, 10, 29), aged(store, 10, 6, speech=True)]
        wait_for(lambda: not any(a.path.exists() for a in old), 10, "the old audio purged")
        assert all(a.path.exists() for a in kept)


def test_the_service_leaves_the_retention_to_the_timer_when_told(tmp_path: Path) -> None:
    """MEDIA_PURGE_EVERY_S=0: the service deletes nothing (the purge-audio timer does)."""
    store = MediaStore(tmp_path / "media")
    old = aged(store, 10, 400)
    with serve(create_app(glue_settings(MEDIA_DIR=store.root, MEDIA_PURGE_EVERY_S="0"))) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200  # started: its lifespan ran
    assert old.path.exists()
