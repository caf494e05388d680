"""Bringing the schema up to date: migrations, function files, older databases, several starts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from solo_brain.db import MigrationError, SchemaNotReady, apply_migrations, ensure_schema
from solo_brain.db.migrate import REWRITTEN, load_functions, load_migrations
from tests.support.databases import fresh_database
from tests.support.sql import schema_shape


@pytest.fixture
def empty_dsn(pg_server_url: str) -> Iterator[str]:
    """A database with nothing in it, dropped after the test."""
    with fresh_database(pg_server_url, "sb_migrate", migrate=False) as dsn:
        yield dsn


def _source(folder: str) -> Path:
    import solo_brain.db

    return Path(solo_brain.db.__file__).parent / folder


def _connect(dsn: str) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(dsn, autocommit=True, row_factory=dict_row)


def test_several_services_starting_together_migrate_once(empty_dsn: str) -> None:
    """Four concurrent starts on a new database: one applies everything, the others nothing."""
    with ThreadPoolExecutor(4) as pool:
        applied = list(pool.map(lambda _: apply_migrations(empty_dsn), range(4)))
    everything = [a for a in applied if a]
    assert len(everything) == 1
    assert len(everything[0]) == len(load_migrations()) + len(load_functions())


def test_a_changed_function_file_is_applied_again(empty_dsn: str, tmp_path: Path) -> None:
    """Editing a function file re-applies it (CREATE OR REPLACE), and only it."""
    functions = tmp_path / "functions"
    shutil.copytree(_source("functions"), functions)
    apply_migrations(empty_dsn, functions_folder=functions)
    audit = functions / "audit.sql"
    audit.write_text(audit.read_text() + "\nCOMMENT ON FUNCTION "
                     "assistant.record_workflow_failure(jsonb) IS 'edited';\n")  # fmt: skip
    assert apply_migrations(empty_dsn, functions_folder=functions) == ["functions/audit"]
    with _connect(empty_dsn) as conn:
        comment = conn.execute("SELECT obj_description('assistant.record_workflow_failure(jsonb)'"
                               "::regprocedure) AS c").fetchone()  # fmt: skip
    assert comment is not None and comment["c"] == "edited"


def test_an_older_database_is_brought_up_without_delivering_anything_twice(
    empty_dsn: str, tmp_path: Path
) -> None:
    """A database of the first five migrations keeps what it routed, as done deliveries."""
    first_five = tmp_path / "migrations"
    first_five.mkdir()
    for path in sorted(_source("migrations").glob("000[1-5]_*.sql")):
        shutil.copy(path, first_five)
    apply_migrations(empty_dsn, first_five, tmp_path / "no-functions")
    with _connect(empty_dsn) as conn:
        for version, checksum in REWRITTEN.items():  # recorded with their former text
            conn.execute("UPDATE assistant.schema_migrations SET checksum = %s "
                         "WHERE version = %s", (checksum, version))  # fmt: skip
        conn.execute("""
            INSERT INTO assistant.captures (id, channel, text, status, category, cc_prompt,
                                            stored_in, routed_at, confirmation) VALUES
            ('cap_01AAAAAAAAAAAAAAAAAAAAAAAA', 'pwa', 'long', 'filed', 'note_tech', NULL,
             '{onyx://solo-brain-cap_01AAAAAAAAAAAAAAAAAAAAAAAA}', now(), NULL),
            ('cap_01BBBBBBBBBBBBBBBBBBBBBBBB', 'siri', 'pour la session x', 'classified',
             'todo', '{"session_hint": "x", "prompt": "fais-le"}', '{}', now(), 'answered'),
            ('cap_01CCCCCCCCCCCCCCCCCCCCCCCC', 'api', 'reçu', 'received', NULL, NULL, '{}',
             NULL, NULL)""")
        conn.execute("""
            INSERT INTO assistant.actions (capture_id, text, due, calendar_event_id)
            VALUES ('cap_01AAAAAAAAAAAAAAAAAAAAAAAA', 'Appeler Paul', '2026-05-15', 'evt42')""")

    applied = apply_migrations(empty_dsn)
    assert applied[0] == "0006_deliveries" and applied[1].startswith("functions/")
    with _connect(empty_dsn) as conn:
        checksums = {r["version"]: r["checksum"] for r in conn.execute(
            "SELECT version, checksum FROM assistant.schema_migrations")}  # fmt: skip
        delivered = conn.execute("SELECT capture_id, kind, state, external_ref "
                                 "FROM assistant.deliveries ORDER BY kind").fetchall()  # fmt: skip
        statuses = {r["id"]: (r["status"], r["confirmation"]) for r in conn.execute(
            "SELECT id, status, confirmation FROM assistant.captures")}  # fmt: skip
        file_again = conn.execute("SELECT assistant.file_capture(%s) AS f",
                                  ('{"capture_id": "cap_01AAAAAAAAAAAAAAAAAAAAAAAA", '
                                   '"long_note_chars": 1}',)).fetchone()  # fmt: skip
        after = conn.execute("SELECT count(*) AS n FROM assistant.deliveries").fetchone()
    assert checksums == {m.version: m.checksum for m in load_migrations()}
    assert [(d["kind"], d["state"], d["external_ref"]) for d in delivered] == [
        ("calendar_event", "done", "evt42"),
        ("cc_prompt", "pending", None),
        ("onyx_document", "done", "solo-brain-cap_01AAAAAAAAAAAAAAAAAAAAAAAA"),
    ]
    assert statuses == {
        "cap_01AAAAAAAAAAAAAAAAAAAAAAAA": ("filed", "answered"),
        "cap_01BBBBBBBBBBBBBBBBBBBBBBBB": ("filed", "answered"),
        "cap_01CCCCCCCCCCCCCCCCCCCCCCCC": ("pending_classification", None),
    }
    assert file_again is not None and file_again["f"]["status"] == "filed"
    assert after is not None and after["n"] == 3  # filing it again planned nothing new


def test_a_schema_that_cannot_be_updated_stops_the_service_with_one_sentence(
    pg_dsn: str, tmp_path: Path
) -> None:
    """A migration edited after it ran: the start is refused with what to do, in one sentence."""
    for migration in load_migrations():
        (tmp_path / f"{migration.version:04d}_{migration.name}.sql").write_text(
            migration.sql + "--"
        )
    with pytest.raises(SchemaNotReady) as refused:
        ensure_schema(pg_dsn, tmp_path)
    message = str(refused.value)
    assert message.endswith("then run `solo-brain db migrate`.") and "\n" not in message


def test_a_database_of_the_phone_backend_gets_deliveries_and_keeps_its_search(
    empty_dsn: str, pg_server_url: str, tmp_path: Path
) -> None:
    """A database made before deliveries (0001-0005, then 0100 with its search functions in it)
    is brought up to the same schema as a new one, its search index still finding accents."""
    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(_source("migrations").glob("0*.sql")):
        if path.name[:4] in ("0001", "0002", "0003", "0004", "0005", "0100"):
            shutil.copy(path, before)
    search_only = tmp_path / "functions"
    search_only.mkdir()
    shutil.copy(_source("functions") / "search.sql", search_only)
    assert apply_migrations(empty_dsn, before, search_only)[-2:] == [
        "functions/search", "0100_phone"]  # fmt: skip
    with _connect(empty_dsn) as conn:
        for version, checksum in REWRITTEN.items():  # recorded with their former text
            conn.execute("UPDATE assistant.schema_migrations SET checksum = %s "
                         "WHERE version = %s", (checksum, version))  # fmt: skip
        conn.execute("DELETE FROM assistant.schema_functions")  # 0100 held them then
        conn.execute("INSERT INTO assistant.captures (id, channel, text, status) VALUES "
                     "('cap_01DDDDDDDDDDDDDDDDDDDDDDDD', 'pwa', 'Réunion à Montréal', "
                     "'received')")  # fmt: skip

    applied = apply_migrations(empty_dsn)
    assert "0006_deliveries" in applied and "functions/search" in applied
    assert "0100_phone" not in applied
    with _connect(empty_dsn) as conn:
        conn.execute("SET enable_seqscan = off")  # the GIN index answers, or nothing does
        found = conn.execute(
            "SELECT id FROM assistant.captures WHERE assistant.french_search_vector("
            "assistant.capture_search_text(transcript, text, summary)) @@ "
            "assistant.french_search_query('reunion montreal')").fetchall()  # fmt: skip
    assert [r["id"] for r in found] == ["cap_01DDDDDDDDDDDDDDDDDDDDDDDD"]
    with fresh_database(pg_server_url, "sb_new", migrate=False) as new:
        apply_migrations(new)
        assert schema_shape(empty_dsn) == schema_shape(new)


def test_a_migration_requiring_a_missing_function_file_is_refused(
    empty_dsn: str, tmp_path: Path
) -> None:
    """`-- requires: functions/x.sql` naming no file stops before the migration runs."""
    (tmp_path / "0001_needs.sql").write_text("-- requires: functions/nope.sql\nCREATE TABLE t ();")
    with pytest.raises(MigrationError, match=r"requires functions/nope\.sql"):
        apply_migrations(empty_dsn, tmp_path, tmp_path / "no-functions")
