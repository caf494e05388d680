"""Finding pg_dump/pg_restore by version, and running them without a password on the command
line (fake programs are real executables in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from solo_brain.db.pgtools import PgToolError, find_tool


def fake_tool(folder: Path, name: str, version: str) -> Path:
    """An executable that reports `version` and records its arguments and PGPASSWORD."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "{name} (PostgreSQL) {version}"; exit 0; fi\n'
        f'printf "%s\\n" "$@" > "{folder}/args"; printf "%s" "$PGPASSWORD" > "{folder}/password"\n'
    )
    path.chmod(0o755)
    return path


def test_the_password_goes_in_the_environment_not_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL's password reaches the program as PGPASSWORD; its arguments never hold it."""
    fake_tool(tmp_path, "pg_dump", "99.1")
    monkeypatch.setenv("SOLO_BRAIN_PG_BIN", str(tmp_path))
    tool = find_tool("pg_dump", 17)
    tool.run("postgresql://brain:s3cret@db.lan:6543/solo", "--schema=assistant")
    args = (tmp_path / "args").read_text()
    assert "s3cret" not in args and "--schema=assistant" in args and "db.lan" in args
    assert (tmp_path / "password").read_text() == "s3cret"


def test_a_program_too_old_for_the_server_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pg_dump older than the server is skipped; when none is recent enough, the error names
    what was seen and what to install."""
    old = fake_tool(tmp_path, "pg_dump", "12.3")
    monkeypatch.setenv("SOLO_BRAIN_PG_BIN", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    assert find_tool("pg_dump", 16).major >= 16  # the embedded pgserver's own
    with pytest.raises(PgToolError, match=r"postgresql-client-100") as refused:
        find_tool("pg_dump", 100)
    assert f"{old} (12)" in str(refused.value)


def test_a_failing_program_reports_the_end_of_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A non-zero exit is a PgToolError carrying the program's last stderr lines."""
    tool_path = fake_tool(tmp_path, "pg_restore", "99")
    tool_path.write_text(tool_path.read_text().replace(
        'printf "%s\\n"', 'echo "pg_restore: error: could not connect" >&2; exit 1; printf "%s\\n"'
    ))  # fmt: skip
    monkeypatch.setenv("SOLO_BRAIN_PG_BIN", str(tmp_path))
    with pytest.raises(PgToolError, match=r"(?s)exit 1\).*could not connect"):
        find_tool("pg_restore", 16).run("postgresql:///solo")
