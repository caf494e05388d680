"""Versioned SQL migrations for the `assistant` schema.

Files `migrations/NNNN_name.sql` are applied in order, each in its own transaction, and
recorded with their SHA-256 in `assistant.schema_migrations`. Applying twice does nothing; a file
whose content changed after it was applied is refused (write a new migration instead).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

LOCK_KEY = 0x50_10_B4_A1  # advisory lock: one migrator at a time


class MigrationError(RuntimeError):
    """A migration cannot be applied safely."""


@dataclass(frozen=True)
class Migration:
    """One SQL file: its version number, name and content."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file content."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(folder: Path | None = None) -> list[Migration]:
    """Read the migration files in version order."""
    root = folder or Path(str(resources.files("solo_brain.db") / "migrations"))
    found: list[Migration] = []
    for path in sorted(root.glob("*.sql")):
        head, _, name = path.stem.partition("_")
        if not head.isdigit():
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(head), name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version number: {versions}")
    return found


def apply_migrations(url: str, folder: Path | None = None) -> list[str]:
    """Apply the pending migrations and return the names of those applied now."""
    migrations = load_migrations(folder)
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute("CREATE SCHEMA IF NOT EXISTS assistant")
            conn.execute(
                """CREATE TABLE IF NOT EXISTS assistant.schema_migrations (
                       version integer PRIMARY KEY,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            rows = conn.execute(
                "SELECT version, name, checksum FROM assistant.schema_migrations"
            ).fetchall()
            done = {version: (name, checksum) for version, name, checksum in rows}
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version][1] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} was changed "
                            "after it was applied; add a new migration instead of editing it"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO assistant.schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied_now.append(f"{migration.version:04d}_{migration.name}")
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now
