"""On a systemd host a command typed by hand uses the services' database through `--env-file`,
and says so when it falls back to the embedded one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

from solo_brain.env_file import embedded_note
from solo_brain.settings import CommonSettings
from tests.support.processes import bare_dir, service_env


def _solo_brain(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real `solo-brain ARGS` with no DATABASE_URL but what `env` gives."""
    return subprocess.run(
        [sys.executable, "-m", "solo_brain", *args],
        env=service_env(**env), cwd=bare_dir(), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def test_env_file_gives_a_command_the_services_database(
    db: psycopg.Connection[Any], pg_dsn: str, tmp_path: Path
) -> None:
    """`solo-brain --env-file F token create` creates the token in F's DATABASE_URL, with
    no note about an embedded database."""
    env_file = tmp_path / "env"
    env_file.write_text(f"# as /etc/solo-brain/env\nDATABASE_URL={pg_dsn}\nWHISPER_URL=\n")
    name = f"env-file-{tmp_path.name}"[:60]
    done = _solo_brain("--env-file", str(env_file), "token", "create", "--scope", "capture",
                       "--name", name, SOLO_BRAIN_VAR_DIR=str(tmp_path / "var"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "embedded" not in done.stderr
    found = db.execute("SELECT scope FROM assistant.tokens WHERE name = %s", (name,)).fetchall()
    assert [r["scope"] for r in found] == ["capture"]
    assert not (tmp_path / "var" / "pgdata").exists()


def test_an_unreadable_env_file_is_a_clear_error(tmp_path: Path) -> None:
    """A missing --env-file stops the command with its path, before anything runs."""
    done = _solo_brain("--env-file", str(tmp_path / "nope"), "db", "url")
    assert done.returncode == 2
    assert f"--env-file {tmp_path / 'nope'}: No such file" in done.stderr
    assert done.stdout == ""


def test_the_embedded_database_is_named_on_a_host_with_the_services_env_file(
    tmp_path: Path,
) -> None:
    """Without DATABASE_URL nor --env-file, on a host that has the services' env file, the
    command names the embedded database it uses; never inside a unit, with --env-file or a
    DATABASE_URL, nor on a host without that file."""
    system_env = tmp_path / "etc-env"
    system_env.write_text("DATABASE_URL=postgresql://solo@localhost/solo\n")
    embedded = CommonSettings(SOLO_BRAIN_VAR_DIR=tmp_path / "var")
    note = embedded_note(embedded, {}, env_file_given=False, system_env=system_env)
    assert note is not None
    assert str(tmp_path / "var" / "pgdata") in note and f"--env-file {system_env}" in note
    assert embedded_note(embedded, {"INVOCATION_ID": "1"}, env_file_given=False,
                         system_env=system_env) is None  # fmt: skip
    assert embedded_note(embedded, {}, env_file_given=True, system_env=system_env) is None
    configured = CommonSettings(DATABASE_URL="postgresql://solo@localhost/solo")
    assert embedded_note(configured, {}, env_file_given=False, system_env=system_env) is None
    assert embedded_note(embedded, {}, env_file_given=False,
                         system_env=tmp_path / "none") is None  # fmt: skip
