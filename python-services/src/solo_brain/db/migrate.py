"""The `assistant` schema: numbered migrations for tables and data, function files for the rest.

- `migrations/NNNN_name.sql` hold tables, indexes and data changes. They are applied in order,
  each in its own transaction, and recorded with their SHA-256 in `assistant.schema_migrations`.
  Applying twice does nothing; a file whose content changed after it was applied is refused
  (write a new migration instead).
- `functions/<concern>.sql` hold the SQL functions (and the trigger) the services and the n8n
  workflows call, written with `CREATE OR REPLACE`. After the migrations, every file whose
  SHA-256 differs from the one recorded in `assistant.schema_functions` is applied again, in name
  order, each in its own transaction. Changing a function is editing its file; a function whose
  arguments or result type change, or that goes away, is dropped by a migration first.
- A migration that needs functions before they would be applied (an index expression calling
  them) says so in a line `-- requires: functions/<concern>.sql`: that file is applied (when it
  changed) right before the migration.

Everything runs under one advisory lock, so services starting together migrate once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

LOCK_KEY = 0x50_10_B4_A1  # advisory lock: one migrator at a time

# Migrations 0001, 0003, 0004, 0005 and 0100 also defined SQL functions until those moved to
# functions/ (issue 7) and were rewritten to keep only their tables and indexes. A database that
# applied the former text has its record moved to the rewritten one; nothing runs again (0006
# drops the functions 0001-0005 made; functions/ makes the current ones, search.sql replacing
# those of 0100 in place, since the search indexes are built on them).
REWRITTEN = {
    1: "f4c9153aec06d101b8a544323f9632807e7410adf2704a1dac25c793c8ac9035",
    3: "c4098574e42e04939cb58a448042bc3b9a0a4affb6e0f3cebf6af3e816f3070d",
    4: "e89cdd65e6e25d362119fd46e357368e10bd8160429a6458f07fd6d1073df886",
    5: "7fe53cf1b37caede70fc8d6ea273f35c0f86dd14e29105c5737a2ef839cfc87b",
    100: "e2b138e4627d65ef49b5a73246b841d7f19d98bda6dc19dafb0576a81dc69973",
}
REQUIRES = re.compile(r"^-- requires: functions/(?P<name>[a-z0-9_]+)\.sql\s*$", re.MULTILINE)


class MigrationError(RuntimeError):
    """A migration cannot be applied safely."""


class SchemaNotReady(RuntimeError):
    """The schema is behind and this process could not update it; the message says what to do."""


@dataclass(frozen=True)
class SqlFile:
    """One SQL file: its version number (0 for function files), name and content."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file content."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def requires(self) -> list[str]:
        """The function files this migration needs applied before it (its `-- requires:` lines)."""
        return [m["name"] for m in REQUIRES.finditer(self.sql)]


def _folder(name: str) -> Path:
    return Path(str(resources.files("solo_brain.db") / name))


def load_migrations(folder: Path | None = None) -> list[SqlFile]:
    """Read the migration files in version order."""
    found: list[SqlFile] = []
    for path in sorted((folder or _folder("migrations")).glob("*.sql")):
        head, _, name = path.stem.partition("_")
        if not head.isdigit():
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(SqlFile(int(head), name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version number: {versions}")
    return found


def load_functions(folder: Path | None = None) -> list[SqlFile]:
    """Read the function files in name order."""
    root = folder or _folder("functions")
    return [SqlFile(0, p.stem, p.read_text(encoding="utf-8")) for p in sorted(root.glob("*.sql"))]


BOOKKEEPING = (
    "CREATE SCHEMA IF NOT EXISTS assistant",
    """CREATE TABLE IF NOT EXISTS assistant.schema_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE IF NOT EXISTS assistant.schema_functions (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())""",
)


def apply_migrations(
    url: str, folder: Path | None = None, functions_folder: Path | None = None
) -> list[str]:
    """Apply the pending migrations, then the changed function files; the names applied now."""
    migrations = load_migrations(folder)
    functions = load_functions(functions_folder)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            for statement in BOOKKEEPING:
                conn.execute(statement)
            applied = _apply_migrations(conn, migrations, functions)
            return applied + _apply_functions(conn, functions)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def _apply_migrations(
    conn: psycopg.Connection, migrations: list[SqlFile], functions: list[SqlFile]
) -> list[str]:
    by_name = {f.name: f for f in functions}
    rows = conn.execute("SELECT version, checksum FROM assistant.schema_migrations").fetchall()
    done: dict[int, str] = dict(rows)
    applied: list[str] = []
    for migration in migrations:
        label = f"{migration.version:04d}_{migration.name}"
        recorded = done.get(migration.version)
        if recorded is not None and recorded == REWRITTEN.get(migration.version):
            conn.execute(
                "UPDATE assistant.schema_migrations SET checksum = %s WHERE version = %s",
                (migration.checksum, migration.version),
            )
            continue
        if recorded is not None:
            if recorded != migration.checksum:
                raise MigrationError(
                    f"migration {label} was changed after it was applied; "
                    "add a new migration instead of editing it"
                )
            continue
        missing = [name for name in migration.requires if name not in by_name]
        if missing:
            raise MigrationError(f"migration {label} requires functions/{missing[0]}.sql, "
                                 "which does not exist")  # fmt: skip
        applied += _apply_functions(conn, [by_name[name] for name in migration.requires])
        _run(conn, migration, RECORD_MIGRATION, (migration.version, migration.name))
        applied.append(label)
    return applied


def _apply_functions(conn: psycopg.Connection, functions: list[SqlFile]) -> list[str]:
    rows = conn.execute("SELECT name, checksum FROM assistant.schema_functions").fetchall()
    done: dict[str, str] = dict(rows)
    applied: list[str] = []
    for function in functions:
        if done.get(function.name) == function.checksum:
            continue
        _run(conn, function, RECORD_FUNCTION, (function.name,))
        applied.append(f"functions/{function.name}")
    return applied


RECORD_MIGRATION = (
    "INSERT INTO assistant.schema_migrations (version, name, checksum) VALUES (%s, %s, %s)"
)
RECORD_FUNCTION = (
    "INSERT INTO assistant.schema_functions (name, checksum) VALUES (%s, %s) "
    "ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()"
)


def _run(conn: psycopg.Connection, file: SqlFile, record: str, key: tuple[object, ...]) -> None:
    """Run one file and record its checksum, in one transaction."""
    with conn.transaction():
        conn.execute(file.sql.encode())
        conn.execute(record, (*key, file.checksum))


def ensure_schema(url: str, folder: Path | None = None) -> list[str]:
    """Bring the schema up to date at a service's start, or raise SchemaNotReady saying why."""
    try:
        return apply_migrations(url, folder)
    except MigrationError as exc:
        raise SchemaNotReady(
            f"The database schema cannot be updated ({exc}); fix the migration files, "
            "then run `solo-brain db migrate`."
        ) from exc
    except psycopg.Error as exc:
        reason = exc.diag.message_primary or type(exc).__name__
        raise SchemaNotReady(
            f"The database schema could not be updated ({reason}): run `solo-brain db migrate` "
            "as the owner of schema assistant, then start the service again."
        ) from exc
