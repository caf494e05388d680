"""Terminal sessions on the phone: when the phone learns what an interactive Claude Code shows.

    uv run python bench/bench_terminal.py [--rounds 3]

The real CLI 2.1.330 runs interactively in tmux against the fake Messages API, with the real
hub (throwaway embedded Postgres), a real `mesh-agent run` and its installed hooks. A thread
polls the terminal's screen and another stamps each SSE event as it arrives (both every few
ms), so each line compares what the terminal shows with what the phone's stream says, in ms
from the action that starts it:

    dialog          prompt typed → dialog on screen | → permission pending on the phone
    phone approves  approve POST → tool ran (file) | → the answer on screen
    terminal Enter  dialog gone from the screen → phone told answered_in_terminal
    no-hook dialog  (plan mode, a command) dialog on screen → phone told terminal_waiting
    /exit           /exit typed → CLI gone | → the queued phone prompt on the phone
Printed, never asserted.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.terminal import (  # noqa: E402
    DIALOG,
    Terminal,
    hooked_machine,
    session_id_of,
    start_connected,
)
from tests.fakes.anthropic import Answer, ToolCall, running_fake_anthropic  # noqa: E402
from tests.support.mesh_stack import Api, Hub, SseReader, create_token  # noqa: E402
from tests.support.wait import wait_for  # noqa: E402


class Stamps:
    """First time (perf_counter) each condition became true, polled in a thread."""

    def __init__(self, every_s: float = 0.005) -> None:
        self.checks: dict[str, Callable[[], bool]] = {}
        self.seen: dict[str, float] = {}
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def watch(self, name: str, check: Callable[[], bool]) -> None:
        """Stamp `name` when `check()` first returns True."""
        self.checks[name] = check

    def at(self, name: str, timeout: float = 60) -> float:
        """When `name` became true (waits for it)."""
        return float(wait_for(lambda: self.seen.get(name), timeout, name, poll=0.002))

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, check in list(self.checks.items()):
                if name not in self.seen and check():
                    self.seen[name] = time.perf_counter()
                    del self.checks[name]
            self._stop.wait(self._every)

    def __enter__(self) -> Stamps:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _events(sse: SseReader, kind: str, test: Callable[[dict[str, Any]], bool]) -> bool:
    return any(k == kind and test(d) for _, k, d in list(sse.events))


def _round(
    n: int, machine: Any, api: Api, token: str, hub: Hub, fake: Any, root: Path
) -> dict[str, float]:
    """One round in a new project folder; return the measured delays in ms."""
    out: dict[str, float] = {}
    cwd = root / f"projet-{n}"
    cwd.mkdir()
    for name in ("a", "b"):
        args = {"command": f"touch {name}{n}.txt", "description": "Créer"}
        fake.script(f"crée {name}{n}", ToolCall("Bash", args), Answer(f"fini {name}{n}"))
    fake.script(f"bonjour {n}", Answer(f"salut {n}"))
    fake.script(f"téléphone {n}", Answer(f"réponse téléphone {n}"))
    with Terminal(machine.env, cwd) as term:
        term.start("--permission-mode", "manual")
        term.type(f"bonjour {n}")
        term.wait_for_screen(f"salut {n}")
        sid = session_id_of(api, cwd)
        with SseReader(hub.url, token, sid, after=0) as sse, Stamps() as stamps:
            stamps.watch("dialog", lambda: DIALOG in term.screen())
            stamps.watch(
                "pending", lambda: _events(sse, "permission", lambda d: d["state"] == "pending")
            )
            start = time.perf_counter()
            term.type(f"crée a{n}")
            out["dialog on screen"] = (stamps.at("dialog") - start) * 1000
            out["pending on phone"] = (stamps.at("pending") - start) * 1000
            [pending] = api.pending(sid)
            stamps.watch("ran", lambda: (cwd / f"a{n}.txt").exists())
            stamps.watch("answer", lambda: f"fini a{n}" in term.screen())
            start = time.perf_counter()
            api.decide(sid, pending["id"], "approve")
            out["approve → tool ran"] = (stamps.at("ran") - start) * 1000
            out["approve → answer on screen"] = (stamps.at("answer") - start) * 1000

            term.type(f"crée b{n}")
            [pending] = wait_for(lambda: api.pending(sid), 30, "the second permission")
            term.wait_for_screen(DIALOG)
            stamps.watch("gone", lambda: DIALOG not in term.screen())
            stamps.watch(
                "answered",
                lambda: _events(
                    sse,
                    "permission",
                    lambda d: d["id"] == pending["id"] and d["state"] == "answered_in_terminal",
                ),
            )
            term.answer("Enter")  # a key landing while the dialog arms is pressed again
            gone = stamps.at("gone")
            out["dialog gone → phone: answered"] = (stamps.at("answered") - gone) * 1000

            term.wait_for_screen(f"fini b{n}")
            wait_for(lambda: api.session(sid)["live"], 30, "the session live")
            api.prompt(sid, f"téléphone {n}")
            stamps.watch("exited", lambda: term.exited() is not None)
            stamps.watch(
                "queued ran",
                lambda: _events(sse, "message", lambda d: d["text"] == f"téléphone {n}"),
            )
            start = time.perf_counter()
            term.type("/exit")
            out["/exit → CLI gone"] = (stamps.at("exited") - start) * 1000
            out["/exit → queued prompt runs"] = (stamps.at("queued ran", 120) - start) * 1000
    return out


def _waiting_round(n: int, machine: Any, api: Api, token: str, hub: Hub, fake: Any, root: Path):
    """plan mode, a command: the dialog no hook sees → terminal_waiting on the phone."""
    cwd = root / f"plan-{n}"
    cwd.mkdir()
    args = {"command": "curl -s -o p.html http://127.0.0.1:9/", "description": "Télécharger"}
    fake.script(f"télécharge {n}", ToolCall("Bash", args), Answer(f"fini {n}"))
    fake.script(f"bonjour plan {n}", Answer(f"salut plan {n}"))
    with Terminal(machine.env, cwd) as term:
        term.start("--permission-mode", "plan")
        term.type(f"bonjour plan {n}")
        term.wait_for_screen(f"salut plan {n}")
        sid = session_id_of(api, cwd)
        with SseReader(hub.url, token, sid, after=0) as sse, Stamps() as stamps:
            stamps.watch("dialog", lambda: DIALOG in term.screen())
            stamps.watch(
                "waiting", lambda: _events(sse, "status", lambda d: d["terminal_waiting"] is True)
            )
            term.type(f"télécharge {n}")
            dialog = stamps.at("dialog")
            waiting = stamps.at("waiting")
            term.answer("Escape")
    return {"no-hook dialog → phone: terminal waits": (waiting - dialog) * 1000}


def main() -> int:
    """Run the rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from solo_brain.db import apply_migrations
    from solo_brain.db.embedded import start_embedded

    scratch = Path(tempfile.mkdtemp(prefix="bench-terminal-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    url = start_embedded(scratch / "pg", cleanup_mode="delete")
    apply_migrations(url)
    hub = Hub(url, scratch)
    hub.start()
    results: dict[str, list[float]] = {}
    with running_fake_anthropic() as (model_url, fake):
        machine = hooked_machine(scratch / "machine", "bench-terminal", model_url)
        start_connected(machine, hub.url, create_token(url, "agent"))
        try:
            token = create_token(url, "full")
            api = Api(hub.url, token)
            for n in range(args.rounds):
                for rnd in (_round, _waiting_round):
                    for key, value in rnd(n, machine, api, token, hub, fake, scratch).items():
                        results.setdefault(key, []).append(value)
        finally:
            machine.kill_agent()
            hub.stop()
    print(f"{'what':42} {'median ms':>10} {'min':>8} {'max':>8}  ({args.rounds} rounds)")
    for key, values in results.items():
        print(f"{key:42} {statistics.median(values):10.0f} {min(values):8.0f} {max(values):8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
