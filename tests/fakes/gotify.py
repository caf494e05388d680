"""A fake Gotify server: `POST /message` as Gotify's REST API speaks it.

The application token may come as `?token=`, `X-Gotify-Key` or `Authorization: Bearer`; the body
is JSON or a form with `message` (required), `title`, `priority`, `extras`. The answer is the
stored message `{id, appid, message, title, priority, date, extras}`; a wrong token is a 401 and a
missing message a 400, with Gotify's error body `{error, errorCode, errorDescription}`.

Knobs on `GotifyState`: `latency_s`, `fail_with` (HTTP status). Every accepted message is kept in
`state.messages`; `wait_for(predicate)` polls them with a deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class GotifyState:
    """Accepted tokens, failure knobs and every message received."""

    tokens: set[str] = field(default_factory=lambda: {"gotify-app-token"})
    latency_s: float = 0.0
    fail_with: int | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The messages matching `predicate`, as soon as there is one; [] after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in list(self.messages) if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        return []


def _error(status: int, name: str, description: str) -> JSONResponse:
    body = {"error": name, "errorCode": status, "errorDescription": description}
    return JSONResponse(body, status_code=status)


def create_gotify_app(state: GotifyState) -> FastAPI:
    """The fake Gotify server answering from `state`."""
    app = FastAPI(title="fake gotify")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"health": "green", "database": "green"}

    @app.post("/message")
    async def message(request: Request) -> JSONResponse:
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.fail_with:
            return _error(state.fail_with, "Internal Server Error", "the fake was told to fail")
        auth = request.headers.get("authorization", "")
        token = (
            request.query_params.get("token")
            or request.headers.get("x-gotify-key")
            or (auth[7:] if auth.lower().startswith("bearer ") else "")
        )
        if token not in state.tokens:
            return _error(401, "Unauthorized", "you need to provide a valid access token or "
                          "user credentials to access this api")  # fmt: skip
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                return _error(400, "Bad Request", "invalid JSON body")
        else:
            body = dict(await request.form())
        if not isinstance(body, dict) or not str(body.get("message") or "").strip():
            return _error(400, "Bad Request", "Field 'message' is required")
        try:
            priority = int(body.get("priority") or 0)
        except (TypeError, ValueError):
            return _error(400, "Bad Request", "Field 'priority' must be a number")
        stored = {
            "id": len(state.messages) + 1,
            "appid": 1,
            "message": str(body["message"]),
            "title": str(body.get("title") or "fake-app"),
            "priority": priority,
            "date": datetime.now(UTC).isoformat(),
            "extras": body.get("extras") if isinstance(body.get("extras"), dict) else None,
        }
        state.messages.append(stored)
        return JSONResponse({k: v for k, v in stored.items() if v is not None})

    return app
