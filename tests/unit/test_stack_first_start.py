"""What a user's first `solo-brain up` prints: the node package's build notes as they come, a
child still starting said every interval (never a silent terminal), the migration counted, where
the app and the editor are once up, and no line per health probe."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solo_brain import stack
from solo_brain.n8n.nodes_package import NodesPackageError, build_package
from solo_brain.serve_cli import QuietProbes
from solo_brain.stack_plan import Child
from tests.fakes.server import free_port


def script(tmp_path: Path, body: str) -> Path:
    """A bash script standing for scripts/build-nodes.sh."""
    path = tmp_path / "build.sh"
    path.write_text("set -eu\n" + body)
    return path


def test_the_build_notes_are_passed_on_while_the_build_runs(tmp_path: Path) -> None:
    """Each line is echoed when printed, not when the build ends."""
    flag = tmp_path / "go"
    wait = f"while [ ! -e {flag} ]; do sleep 0.05; done\n"
    body = f'echo "build-nodes: npm ci" >&2\n{wait}echo done\n'
    seen: list[tuple[str, bool]] = []

    def echo(line: str) -> None:
        seen.append((line, flag.exists()))
        flag.touch()  # the build goes on only once its first note was passed on

    build_package({"PATH": "/usr/bin:/bin"}, script=script(tmp_path, body), echo=echo)
    assert seen == [("build-nodes: npm ci", False), ("done", True)]


def test_a_failed_build_raises_with_the_end_of_its_output(tmp_path: Path) -> None:
    """The error carries the last lines, as without echo."""
    body = 'for i in $(seq 1 30); do echo "line $i"; done\necho "npm ERR! lock" >&2\nexit 3\n'
    echoed: list[str] = []
    with pytest.raises(NodesPackageError) as failed:
        build_package({"PATH": "/usr/bin:/bin"}, script=script(tmp_path, body), echo=echoed.append)
    assert "npm ERR! lock" in str(failed.value) and "line 1\n" not in str(failed.value)
    assert len(echoed) == 31


def test_up_says_a_child_is_still_starting(capsys: pytest.CaptureFixture[str]) -> None:
    """While a child's health URL does not answer, a line says so at each interval."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    child = Child("n8n", [], f"http://127.0.0.1:{free_port()}/healthz", process=sleeper)
    try:
        ready = stack.wait_ready(child, time.monotonic() + 1.5, still_starting_every_s=0.5)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not ready
    notes = [line for line in capsys.readouterr().out.splitlines() if "still starting" in line]
    assert notes and notes[0].startswith("n8n        still starting (")


def test_still_starting_counts_from_the_spawn_of_a_child_started_early(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """n8n spawned before the services says how long it has been starting, not waited for."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    child = Child("n8n", [], f"http://127.0.0.1:{free_port()}/healthz", process=sleeper,
                  started_at=time.monotonic() - 100)  # fmt: skip
    try:
        stack.wait_ready(child, time.monotonic() + 2.0, still_starting_every_s=0.0)
    finally:
        sleeper.kill()
        sleeper.wait()
    said = re.search(r"n8n        still starting \((\d+) s\)", capsys.readouterr().out)
    assert said and 100 <= int(said[1]) < 110


def test_once_up_the_stack_says_where_the_app_and_the_editor_are() -> None:
    """The app's URL comes with the command that pairs it; n8n's editor with its base URL."""
    children = [
        Child("glue", [], "http://127.0.0.1:8101/healthz"),
        Child("mesh", [], "http://127.0.0.1:18100/healthz"),
        Child("mesh-agent", [], None),
        Child("n8n", [], "http://127.0.0.1:15678/webhook/capture"),
    ]
    app, editor = stack.next_steps(children)
    assert "http://127.0.0.1:18100/ " in app and "solo-brain pair --name iPhone" in app
    assert "http://127.0.0.1:15678/ " in editor
    assert stack.next_steps(children[:1]) == []


def test_a_fresh_database_migration_is_counted_not_listed() -> None:
    """Two dozen names on the postgres line become two counts; a few are still named."""
    applied = ["0001_core", "0002_mesh", "functions/search", "functions/ids"]
    assert stack.schema_note(applied) == "migrated: 2 migrations, 2 SQL function files"
    assert stack.schema_note(["0160_x"]) == "migrated 0160_x"
    assert stack.schema_note([]) == "schema up to date"


def test_the_services_do_not_log_the_supervisors_health_probes() -> None:
    """uvicorn's access line of GET /healthz is dropped; /readyz and other requests stay."""
    probe = QuietProbes()

    def access(method: str, path: str) -> logging.LogRecord:
        args = ("127.0.0.1:5000", method, path, "1.1", 200)
        return logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                                 args, None)  # fmt: skip

    assert not probe.filter(access("GET", "/healthz"))
    assert not probe.filter(access("GET", "/healthz?probe=1"))
    assert probe.filter(access("GET", "/readyz")) and probe.filter(access("POST", "/healthz"))
    assert probe.filter(access("GET", "/api/healthz"))
