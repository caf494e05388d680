"""Run a fake upstream as a real HTTP server on a loopback port.

Fakes are ordinary ASGI apps (FastAPI/Starlette). `serve(app)` starts uvicorn on 127.0.0.1 with
port 0 in a background thread and yields the base URL; the server stops when the context exits.
Knobs (latency, errors, garbage output) live on each fake's own state object so a test can change
them while the server runs.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread cannot own signals
        pass


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: Any, *, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` on a loopback port in a background thread; yield its base URL."""
    # IPPROTO_TCP explicitly: with protocol 0 asyncio does not set TCP_NODELAY on accepted
    # connections, and every reply then waits ~40 ms for Nagle's algorithm.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", loop="asyncio")
    server = _Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True, name="fake-server"
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class FakeServer:
    """A fake app served on one fixed loopback port that a test can take down and bring back."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._running: ExitStack | None = None

    def up(self) -> None:
        """Start serving (again) on the same port."""
        if self._running is None:
            stack = ExitStack()
            stack.enter_context(serve(self.app, port=self.port))
            self._running = stack

    def down(self) -> None:
        """Stop serving: connections to the port are refused until `up()`."""
        if self._running is not None:
            self._running.close()
            self._running = None

    @contextmanager
    def running(self) -> Iterator[FakeServer]:
        """Serve for the duration of the block."""
        self.up()
        try:
            yield self
        finally:
            self.down()


class _HasDown(Protocol):
    down: bool


class HangUpWhenDown:
    """With `state.down`, start an answer and hang up: what a crashing or vanished server does.

    (A refused connection is `FakeServer.down()`; this is the other way a backend fails.)
    """

    def __init__(self, app: ASGIApp, state: _HasDown) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.state.down:
            headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            return  # uvicorn closes the connection: the client sees an incomplete answer
        await self.app(scope, receive, send)
