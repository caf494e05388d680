"""`solo-brain serve NAME`: run one service in the foreground with uvicorn.

Services with tables bring the schema up to date before they start, or refuse to start with
one sentence saying what to run.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import uvicorn

from solo_brain.db import SchemaNotReady, database_url, ensure_schema
from solo_brain.limits import MAX_HEADER_BYTES
from solo_brain.settings import CommonSettings


def _migrated(settings: CommonSettings) -> None:
    ensure_schema(database_url(settings))


def _glue(port: int | None) -> tuple[Any, int]:
    from solo_brain.glue.app import create_app
    from solo_brain.settings import GlueSettings

    settings = GlueSettings()
    return create_app(settings), port or settings.port


def _classify(port: int | None) -> tuple[Any, int]:
    from solo_brain.classify.app import create_app
    from solo_brain.settings import ClassifySettings

    settings = ClassifySettings()
    _migrated(settings)
    return create_app(settings), port or settings.port


def _mesh(port: int | None) -> tuple[Any, int]:
    from solo_brain.mesh.app import create_app
    from solo_brain.settings import MeshSettings

    settings = MeshSettings()
    _migrated(settings)
    return create_app(settings), port or settings.port


# Services by name; each factory returns (ASGI app, port). Feature modules add theirs here.
SERVICES: dict[str, Callable[[int | None], tuple[Any, int]]] = {
    "glue": _glue,
    "classify": _classify,
    "mesh": _mesh,
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` command."""
    serve = sub.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=sorted(SERVICES), help="which service")
    serve.add_argument("--port", type=int, default=None, help="port (default from settings)")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    # uvicorn stops on SIGTERM, then raises the signal again once it has shut down; with the
    # default handler the process would die there without running its exit hooks, leaving the
    # embedded Postgres it started running. Exiting normally runs them.
    signal.signal(signal.SIGTERM, _exit_normally)
    try:
        app, port = SERVICES[args.service](args.port)
    except SchemaNotReady as exc:
        print(f"solo-brain serve {args.service}: {exc}", file=sys.stderr)
        return 1
    logging.getLogger("uvicorn.access").addFilter(QuietProbes())
    uvicorn.run(
        app,
        host=args.host,
        port=port,
        log_level="info",
        proxy_headers=True,
        # h11 bounds what it buffers before the headers are complete (httptools does not): a
        # request with huge headers is refused before it fills memory. The apps' HeaderLimit
        # answers 431 below this bound.
        http="h11",
        h11_max_incomplete_event_size=2 * MAX_HEADER_BYTES,
    )
    return 0


class QuietProbes(logging.Filter):
    """Drops uvicorn's access lines of GET /healthz: a supervisor's probes (`solo-brain up`,
    systemd, Docker), one every few seconds, not traffic; /readyz and the rest stay logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for an access record of GET /healthz (uvicorn's args: client, method, path…)."""
        args = record.args
        if not isinstance(args, tuple) or len(args) < 3:
            return True
        return not (args[1] == "GET" and str(args[2]).partition("?")[0] == "/healthz")


def _exit_normally(_signum: int, _frame: object) -> None:
    sys.exit(0)  # a requested stop is a success (systemd reads any other code as a failure)
