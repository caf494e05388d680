"""Stopping cleanly: real `solo-brain serve` processes on the embedded Postgres, signalled as
systemd and `docker stop` signal them (SIGTERM), or killed outright (SIGKILL)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes.server import free_port
from tests.support.processes import service_env
from tests.support.wait import wait_for

START_TIMEOUT_S = 90.0
# Postgres runs as the unprivileged `pgserver` user when the tests run as root: its folder must
# not be under pytest's temporary tree, which pytest keeps at mode 0700 (as tests/conftest.py).
PG_ROOT = Path(os.environ.get("SOLO_BRAIN_TEST_PGDATA", "/tmp/solo-brain-test-pg"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def _handles(pgdata: Path) -> list[int]:
    path = pgdata / ".handle_pids.json"
    return json.loads(path.read_text()) if path.exists() else []


@pytest.fixture
def var_dir() -> Iterator[Path]:
    """The services' var folder (SOLO_BRAIN_VAR_DIR), removed after the test; a Postgres a
    failing test left running there is stopped first."""
    PG_ROOT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="clean-stop-", dir=PG_ROOT))
    folder.chmod(0o755)
    yield folder
    pgdata = folder / "pgdata"
    if (pgdata / "postmaster.pid").exists() and _alive(pid := _postmaster_pid(pgdata)):
        os.kill(pid, signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pgdata(var_dir: Path) -> Path:
    """The embedded Postgres folder of the test."""
    return var_dir / "pgdata"


@contextmanager
def serving(var_dir: Path, tmp_path: Path, service: str) -> Iterator[subprocess.Popen[bytes]]:
    """`solo-brain serve SERVICE` on the embedded Postgres of `var_dir`, ready (its output in
    `tmp_path`); killed at the end if the test left it running."""
    port = free_port()
    env = service_env(SOLO_BRAIN_VAR_DIR=var_dir)
    log = (tmp_path / f"{service}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "solo_brain", "serve", service, "--port", str(port)],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def ready() -> bool:
        # The lifespan (which starts the embedded Postgres) has run once HTTP is served.
        assert proc.poll() is None, (tmp_path / f"{service}.log").read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, START_TIMEOUT_S, what=f"{service} to be ready", poll=0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.parametrize("service", ["mesh", "classify"])
def test_sigterm_stops_the_embedded_postgres_the_service_started(
    tmp_path: Path, var_dir: Path, pgdata: Path, service: str
) -> None:
    """SIGTERM stops the service with exit code 0 and the embedded Postgres it started with it."""
    with serving(var_dir, tmp_path, service) as proc:
        postmaster = _postmaster_pid(pgdata)
        assert _handles(pgdata) == [proc.pid]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    wait_for(lambda: not _alive(postmaster), 30, what="the embedded postgres to stop")
    assert _handles(pgdata) == []
    assert not (pgdata / "postmaster.pid").exists()


def test_a_sigkilled_service_does_not_keep_the_next_one_from_stopping_postgres(
    tmp_path: Path, var_dir: Path, pgdata: Path
) -> None:
    """After a SIGKILL left its pid behind, the next service starts, and its SIGTERM still stops
    the embedded Postgres (the dead pid is forgotten)."""
    with serving(var_dir, tmp_path, "mesh") as killed:
        postmaster = _postmaster_pid(pgdata)
        killed.kill()
        killed.wait()
    assert _alive(postmaster) and _handles(pgdata) == [killed.pid]

    with serving(var_dir, tmp_path, "mesh") as proc:
        assert _postmaster_pid(pgdata) == postmaster  # attached to the server left running
        assert _handles(pgdata) == [proc.pid]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    wait_for(lambda: not _alive(postmaster), 30, what="the embedded postgres to stop")


def test_a_service_killed_with_its_postgres_starts_again(
    tmp_path: Path, var_dir: Path, pgdata: Path
) -> None:
    """A service and its Postgres both SIGKILLed (a cgroup kill) leave stale pid files and
    sockets; the next start brings up a fresh server and stops it cleanly."""
    with serving(var_dir, tmp_path, "mesh") as killed:
        postmaster = _postmaster_pid(pgdata)
        killed.kill()
        os.kill(postmaster, signal.SIGKILL)
        killed.wait()
    wait_for(lambda: not _alive(postmaster), 10, what="the killed postgres to be gone")
    assert (pgdata / "postmaster.pid").exists()

    with serving(var_dir, tmp_path, "mesh") as proc:
        fresh = _postmaster_pid(pgdata)
        assert fresh != postmaster
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    wait_for(lambda: not _alive(fresh), 30, what="the embedded postgres to stop")
