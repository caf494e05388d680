"""Backup and restore of what the project owns: the `assistant` schema and the kept audio.

One archive (an uncompressed tar: the dump is already compressed, audio does not compress):

    manifest.json          format, when, Postgres and pg_dump versions, migrations, extensions
    assistant.dump         `pg_dump --format=custom --schema=assistant` (no owners, no grants)
    media/<xx>/<ref>.<ext> every kept recording, with its modification time (retention counts
                           from it, so a restored recording is purged when the original would be)

`pg_dump`/`pg_restore` are the first recent enough for the server (`solo_brain.db.pgtools`:
SOLO_BRAIN_PG_BIN, the embedded pgserver's, the host's, PATH). A restore never overwrites
captures: a target schema holding data is refused unless forced, and then it is kept aside
under another name rather than dropped.

    BackupError                 the message says what is wrong and what to do
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

import psycopg
from psycopg import sql
from pydantic import BaseModel, ValidationError

from solo_brain.db import apply_migrations
from solo_brain.db.pgtools import PgTool, PgToolError, find_tool
from solo_brain.media import AUDIO_TYPES, is_valid_ref

FORMAT = 1
SCHEMA = "assistant"
DUMP_NAME = "assistant.dump"
MANIFEST_NAME = "manifest.json"
MEDIA_MEMBER = re.compile(r"media/(?P<shard>[0-9a-f]{2})/(?P<ref>[0-9a-f]{32})\.(?P<ext>[a-z0-9]+)")


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says why and what to do."""


class Manifest(BaseModel):
    """What the archive says about itself (`manifest.json`)."""

    format: int = FORMAT
    schema_name: str = SCHEMA
    created_at: datetime
    server_major: int
    pg_dump_major: int
    captures: int
    migrations: list[int]
    extensions: list[str]
    audio_files: int = 0
    audio_bytes: int = 0


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds or a restore did."""

    captures: int
    audio_files: int
    audio_bytes: int
    kept_aside: str | None = None


def _server_major(conn: psycopg.Connection) -> int:
    return int(conn.info.server_version) // 10000


def _find(name: str, at_least: int) -> PgTool:
    try:
        return find_tool(name, at_least)
    except PgToolError as exc:
        raise BackupError(str(exc)) from exc


def _run(tool: PgTool, url: str, *args: str) -> None:
    try:
        tool.run(url, *args)
    except PgToolError as exc:
        raise BackupError(str(exc)) from exc


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/*")):
        member = f"media/{path.parent.name}/{path.name}"
        if MEDIA_MEMBER.fullmatch(member) and path.is_file() and not path.is_symlink():
            yield member, path


def create_backup(database_url: str, media_dir: Path, target: Path) -> BackupReport:
    """Write one archive of the assistant schema and the kept audio to `target` (mode 0600)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        if _schema_state(conn) is None:
            raise BackupError(f"the database has no schema {SCHEMA}: nothing to back up")
        major, captures = _server_major(conn), _count_captures(conn)
        migrations = [int(r[0]) for r in conn.execute(
            "SELECT version FROM assistant.schema_migrations ORDER BY version")]  # fmt: skip
        extensions = [str(r[0]) for r in conn.execute(
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1")]  # fmt: skip
    pg_dump = _find("pg_dump", major)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    files = size = 0
    with tempfile.TemporaryDirectory(prefix="solo-brain-backup-") as tmp:
        dump = Path(tmp) / DUMP_NAME
        _run(pg_dump, database_url, f"--schema={SCHEMA}", "--format=custom",
             "--no-owner", "--no-privileges", f"--file={dump}")  # fmt: skip
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    # The dump first: the audio it names was written before its rows.
                    tar.add(dump, arcname=DUMP_NAME)
                    for member, path in _media_files(media_dir):
                        try:
                            stat = path.stat()
                            tar.add(path, arcname=member)
                        except FileNotFoundError:  # purged meanwhile
                            continue
                        files, size = files + 1, size + stat.st_size
                    manifest = Manifest(
                        created_at=datetime.now(UTC), server_major=major,
                        pg_dump_major=pg_dump.major, captures=captures, migrations=migrations,
                        extensions=extensions, audio_files=files, audio_bytes=size,
                    )  # fmt: skip
                    _add_bytes(tar, MANIFEST_NAME, manifest.model_dump_json(indent=1))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupReport(captures, files, size)


def restore_backup(
    database_url: str, media_dir: Path, archive: Path, *, force: bool = False
) -> BackupReport:
    """Restore an archive into the database and MEDIA_DIR, then apply newer migrations."""
    try:
        tar = tarfile.open(archive, mode="r:")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive: {exc}") from exc
    with tar, tempfile.TemporaryDirectory(prefix="solo-brain-restore-") as tmp:
        manifest, media = _check_members(tar)
        dump = Path(tmp) / DUMP_NAME
        with _extract(tar, DUMP_NAME) as src, dump.open("wb") as out:
            shutil.copyfileobj(src, out)
        pg_restore = _find("pg_restore", manifest.pg_dump_major)
        aside = _clear_schema(database_url, manifest, force)
        try:
            _run(pg_restore, database_url, "--no-owner", "--no-privileges",
                 "--exit-on-error", "--single-transaction", str(dump))  # fmt: skip
        except BackupError:
            _put_back(database_url, aside)
            raise
        apply_migrations(database_url)
        files = size = 0
        for info in media:
            if _restore_audio(tar, info, media_dir):
                files, size = files + 1, size + info.size
    with psycopg.connect(database_url, autocommit=True) as conn:
        captures = _count_captures(conn)
    return BackupReport(captures, files, size, aside)


def _check_members(tar: tarfile.TarFile) -> tuple[Manifest, list[tarfile.TarInfo]]:
    media: list[tarfile.TarInfo] = []
    names = set()
    for info in tar.getmembers():
        names.add(info.name)
        if info.name in (DUMP_NAME, MANIFEST_NAME) and info.isfile():
            continue
        found = MEDIA_MEMBER.fullmatch(info.name)
        if not (found and info.isfile() and found["ext"] in AUDIO_TYPES
                and is_valid_ref(found["ref"]) and found["ref"][:2] == found["shard"]):  # fmt: skip
            raise BackupError(f"the archive holds an unexpected member {info.name[:200]!r}; "
                              "it was not made by `solo-brain backup create`")  # fmt: skip
        media.append(info)
    if not {DUMP_NAME, MANIFEST_NAME} <= names:
        raise BackupError(f"the archive lacks {DUMP_NAME} or {MANIFEST_NAME}")
    with _extract(tar, MANIFEST_NAME) as fh:
        try:
            manifest = Manifest.model_validate_json(fh.read(1 << 20))
        except ValidationError as exc:
            raise BackupError(f"the archive's {MANIFEST_NAME} is not valid: {exc}") from exc
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} (this version reads {FORMAT})")
    return manifest, media


def _clear_schema(url: str, manifest: Manifest, force: bool) -> str | None:
    """Make room for the restored schema; the name an existing schema with data was kept as."""
    with psycopg.connect(url, autocommit=True) as conn:
        for name in manifest.extensions:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
        state = _schema_state(conn)
        if state is None:
            return None
        if state == "empty":  # migrated by a service start, no data: nothing to keep
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(SCHEMA)))
            return None
        if not force:
            raise BackupError(
                f"the database already holds data in schema {SCHEMA} "
                f"({_count_captures(conn)} captures); stop the services and restore with "
                f"--force to keep it aside as {SCHEMA}_replaced_<time> and restore over it"
            )
        aside = f"{SCHEMA}_replaced_{datetime.now(UTC):%Y%m%d%H%M%S}"
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
            sql.Identifier(SCHEMA), sql.Identifier(aside)))  # fmt: skip
        return aside


def _put_back(url: str, aside: str | None) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))
        if aside:
            conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(aside), sql.Identifier(SCHEMA)))  # fmt: skip


def _schema_state(conn: psycopg.Connection) -> str | None:
    """None when the schema is absent, "empty" when its tables hold no row, else "data"."""
    if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone():
        return None
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> "
        "'schema_migrations'", (SCHEMA,))]  # fmt: skip
    for table in tables:
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(SCHEMA, table))
        row = conn.execute(query).fetchone()
        if row and row[0]:
            return "data"
    return "empty"


def _count_captures(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM assistant.captures").fetchone()
    return int(row[0]) if row else 0


def _restore_audio(tar: tarfile.TarFile, info: tarfile.TarInfo, media_dir: Path) -> bool:
    """Write one recording (atomically, with its original time); False if it was there."""
    final = media_dir / PurePosixPath(info.name).relative_to("media")
    if final.exists():
        return False
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".tmp-{final.name}")
    with _extract(tar, info.name) as src, tmp.open("wb") as out:
        shutil.copyfileobj(src, out)
    os.utime(tmp, (info.mtime, info.mtime))
    os.replace(tmp, final)
    return True


def _extract(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    fh = tar.extractfile(name)
    if fh is None:
        raise BackupError(f"the archive's {name} is not a file")
    return fh


def _add_bytes(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))
