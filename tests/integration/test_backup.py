"""`solo-brain backup create|restore` as real processes against real Postgres databases and real
audio files; the restored captures are read back, their audio served by the real glue service."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from solo_brain.db import apply_migrations
from solo_brain.glue.app import create_app as create_glue_app
from solo_brain.media import MediaStore
from tests.fakes.server import serve
from tests.support.audio import tone_wav
from tests.support.databases import fresh_database
from tests.support.processes import service_env
from tests.support.settings import glue_settings

TEN_DAYS_S = 10 * 86400
READ_CAPTURES = (
    "SELECT id, channel, mode, text, transcript, audio_ref, status, category, created_at "
    "FROM assistant.captures ORDER BY id"
)


@pytest.fixture
def new_database(pg_server_url: str) -> Iterator[Callable[[], str]]:
    """A factory of empty databases on the test server, all dropped at the end."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(fresh_database(pg_server_url, "sb_backup", migrate=False))


def solo_brain(dsn: str, media: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `solo-brain` command on `dsn` and `media` (the repository's .env not read)."""
    env = service_env(DATABASE_URL=dsn, MEDIA_DIR=media)
    media.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "solo_brain", *args], env=env, cwd=media.parent,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def seed(dsn: str, media: Path) -> tuple[list[dict[str, object]], dict[str, bytes]]:
    """Two captures (one spoken, its audio kept 10 days ago) and a project; rows and audio."""
    apply_migrations(dsn)
    store = MediaStore(media)
    wav = tone_wav(0.5)
    kept = store.save(wav, "wav")
    old = time.time() - TEN_DAYS_S
    os.utime(kept.path, (old, old))
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("INSERT INTO assistant.clients (id, name) VALUES ('acme', 'ACME')")
        conn.execute("INSERT INTO assistant.projects (slug, name, client_id) "
                     "VALUES ('imx8mp-vision', 'IMX8MP vision', 'acme')")  # fmt: skip
        conn.execute(
            "INSERT INTO assistant.captures (id, channel, mode, transcript, audio_ref, status, "
            "category, project) VALUES ('cap_' || assistant.new_ulid(), 'siri', 'voice', "
            "'Mesurer la latence du NPU.', %s, 'filed', 'idee_rd', 'imx8mp-vision')",
            (kept.ref,),
        )
        conn.execute(
            "INSERT INTO assistant.captures (id, text, status) VALUES "
            "('cap_' || assistant.new_ulid(), 'Appeler le garage', 'received')"
        )
        return conn.execute(READ_CAPTURES).fetchall(), {kept.ref: wav}


def captures(dsn: str) -> list[dict[str, object]]:
    """The stored captures, in id order."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        return conn.execute(READ_CAPTURES).fetchall()


def test_restore_into_an_empty_database_brings_back_captures_and_audio(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    """An archive restored into an empty database and media folder gives the same captures, and
    the glue service serves their audio again, with its age kept for the retention."""
    source, target = new_database(), new_database()
    rows, audio = seed(source, tmp_path / "src" / "media")
    archive = tmp_path / "backups" / "solo-brain.tar"

    made = solo_brain(source, tmp_path / "src" / "media", "backup", "create", str(archive))
    assert made.returncode == 0, made.stderr
    assert "2 captures, 1 audio files" in made.stdout
    assert archive.stat().st_mode & 0o777 == 0o600

    restored_media = tmp_path / "dst" / "media"
    done = solo_brain(target, restored_media, "backup", "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert captures(target) == rows
    (ref, wav), = audio.items()  # fmt: skip
    kept = MediaStore(restored_media).get(ref)
    assert time.time() - kept.path.stat().st_mtime > TEN_DAYS_S - 60
    glue = create_glue_app(glue_settings(MEDIA_DIR=restored_media, DATABASE_URL=target))
    with serve(glue) as url:
        served = httpx.get(f"{url}/audio/{ref}.wav")
    assert served.status_code == 200 and served.content == wav
    with psycopg.connect(target) as conn:  # the restored schema is complete and up to date
        assert apply_migrations(target) == []
        projects = conn.execute("SELECT slug FROM assistant.projects").fetchall()
    assert projects == [("imx8mp-vision",)]


def test_restore_refuses_a_database_holding_captures_unless_forced(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    """Restoring over data is refused and changes nothing; forced, the old data is kept aside
    under another schema name, not dropped."""
    source, target = new_database(), new_database()
    rows, _ = seed(source, tmp_path / "src" / "media")
    archive = tmp_path / "b.tar"
    assert solo_brain(source, tmp_path / "src" / "media", "backup", "create", str(archive)
                      ).returncode == 0  # fmt: skip
    theirs, _ = seed(target, tmp_path / "dst" / "media")

    refused = solo_brain(target, tmp_path / "dst" / "media", "backup", "restore", str(archive))
    assert refused.returncode == 2
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert captures(target) == theirs

    forced = solo_brain(target, tmp_path / "dst" / "media", "backup", "restore", "--force",
                        str(archive))  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert captures(target) == rows
    aside = forced.stdout.split("kept in schema ")[1].split()[0]
    with psycopg.connect(target) as conn:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(aside, "captures"))
        assert conn.execute(query).fetchone() == (len(theirs),)


def test_an_archive_with_a_path_outside_the_media_folder_is_refused(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    """A tampered archive naming a path outside media/ is refused before anything is written."""
    target = new_database()
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        for name in ("manifest.json", "assistant.dump", "media/../../escaped.wav"):
            info = tarfile.TarInfo(name)
            info.size = 4
            tar.addfile(info, io.BytesIO(b"RIFF"))

    result = solo_brain(target, tmp_path / "media", "backup", "restore", str(archive))

    assert result.returncode == 2
    assert "unexpected member 'media/../../escaped.wav'" in result.stderr
    assert not (tmp_path / "escaped.wav").exists() and not (tmp_path / "media").exists()
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'assistant'"
                            ).fetchone() is None  # fmt: skip
