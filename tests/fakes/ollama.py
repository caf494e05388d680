"""A protocol-faithful fake of the Ollama HTTP API, for `tests.fakes.server.serve`.

Speaks what the classify service uses, as Ollama does:

    POST /api/chat     {model, messages, format (JSON schema | "json"), stream, options, think}
                       stream false -> one JSON object {model, created_at, message{role, content},
                       done: true, done_reason: "stop", total_duration, load_duration,
                       prompt_eval_count, prompt_eval_duration, eval_count, eval_duration}
                       stream true (Ollama's default) -> NDJSON chunks, the last with done: true
    GET  /api/tags     {models: [{name, model, modified_at, size, digest, details}]}
    GET  /api/version  {version}
    GET  /             "Ollama is running"

Errors are `{"error": "..."}` with Ollama's statuses (400 bad request, 404 unknown model).

A test scripts the model with `state.reply(answer, ...)` (a dict is sent as JSON text, a str as
is) or a `responder(messages, format) -> answer`. Scripted dicts are checked against the JSON
schema the client sent in `format`: a script that does not fit is the test's bug, answered 500
and listed in `state.script_errors`. Knobs: `latency_s`, `fail_with` (HTTP status), `garbage`
(the next N answers are invalid JSON or, with `garbage_kind="schema"`, valid JSON that violates
the schema), `down` (connections are dropped mid-answer), `reject_think` (Ollama < 0.12.5
refused `think` for models that cannot think), `wrap` (qwen style: a <think> block and a
```json fence around the JSON). Every request is kept in `state.requests`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import jsonschema
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.types import ASGIApp

from tests.fakes.server import HangUpWhenDown

Answer = dict[str, Any] | str
Responder = Callable[[list[dict[str, Any]], Any], Answer]


class ScriptError(Exception):
    """The test's script cannot answer this request (none left, or it breaks the schema)."""


@dataclass
class Script:
    """Scripted model answers shared by the Ollama and OpenAI-compatible fakes."""

    answers: deque[Answer] = field(default_factory=deque)
    responder: Responder | None = None
    garbage: int = 0
    garbage_kind: Literal["invalid_json", "schema"] = "invalid_json"
    errors: list[str] = field(default_factory=list)
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    def next_content(self, messages: list[dict[str, Any]], schema: Any) -> str:
        """The text the model answers: scripted, checked against `schema`, or garbage."""
        if self.garbage > 0:
            self.garbage -= 1
            if self.garbage_kind == "schema":
                return json.dumps({"category": 42, "verdict": "hors schéma"})
            return '{"category": "todo", "summary": "coupé au milieu'
        if self.responder is not None:
            answer = self.responder(messages, schema)
        elif self.answers:
            answer = self.answers.popleft()
        else:
            raise self._fail("no scripted answer left")
        if isinstance(answer, str):
            return answer
        if isinstance(schema, dict):
            try:
                self._validator(schema).validate(answer)
            except jsonschema.ValidationError as exc:
                raise self._fail(
                    f"scripted answer breaks the requested schema: {exc.message}"
                ) from exc
        return json.dumps(answer, ensure_ascii=False)

    def _validator(self, schema: dict[str, Any]) -> Any:
        # Building a validator checks the schema itself, which costs milliseconds: do it once.
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            self._validators[key] = cls(schema)
        return self._validators[key]

    def _fail(self, message: str) -> ScriptError:
        self.errors.append(message)
        return ScriptError(f"fake: {message}")


@dataclass
class OllamaState:
    """What the fake Ollama knows, answers and has received; tests change it while it runs."""

    models: list[str] = field(default_factory=lambda: ["qwen3.6:35b"])
    version: str = "0.12.6"
    script: Script = field(default_factory=Script)
    latency_s: float = 0.0
    fail_with: int | None = None
    down: bool = False
    reject_think: bool = False
    wrap: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reply(self, *answers: Answer) -> None:
        """Queue answers, one per chat request."""
        self.script.answers.extend(answers)

    @property
    def chats(self) -> list[dict[str, Any]]:
        """The bodies of the /api/chat requests received, in order."""
        return [r["body"] for r in self.requests if r["path"] == "/api/chat"]

    @property
    def script_errors(self) -> list[str]:
        """Requests the test's script could not answer."""
        return self.script.errors


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _stats(content: str, messages: list[dict[str, Any]], started: float) -> dict[str, Any]:
    total = int((time.perf_counter() - started) * 1e9) + 1
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
    return {
        "total_duration": total,
        "load_duration": total // 10,
        "prompt_eval_count": prompt_tokens,
        "prompt_eval_duration": total // 5,
        "eval_count": max(1, len(content.split())),
        "eval_duration": total // 2,
    }


def _wrapped(content: str) -> str:
    return f"<think>\nLa note parle de quoi ?\n</think>\n\n```json\n{content}\n```"


def create_app(state: OllamaState | None = None) -> ASGIApp:
    """The fake Ollama as an ASGI app; its state is `app.state.ollama` of the inner app."""
    state = state or OllamaState()
    app = FastAPI(title="fake ollama")
    app.state.ollama = state

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        state.requests.append({"method": request.method, "path": request.url.path, "body": body})
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.fail_with:
            return _error(state.fail_with, f"fake failure {state.fail_with}")
        response: Response = await call_next(request)
        return response

    @app.get("/")
    async def root() -> PlainTextResponse:
        return PlainTextResponse("Ollama is running")

    @app.get("/api/version")
    async def version() -> dict[str, str]:
        return {"version": state.version}

    @app.get("/api/tags")
    async def tags() -> dict[str, Any]:
        return {"models": [_model_entry(name) for name in state.models]}

    @app.post("/api/chat")
    async def chat(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalid character looking for beginning of value")
        if not isinstance(body, dict) or not body.get("model"):
            return _error(400, "model is required")
        model = body["model"]
        if model not in state.models:
            return _error(404, f'model "{model}" not found, try pulling it first')
        if state.reject_think and "think" in body:
            return _error(400, f'"{model}" does not support thinking')
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            return _error(400, "messages must be an array")
        try:
            content = state.script.next_content(messages, body.get("format"))
        except ScriptError as exc:
            return _error(500, str(exc))
        if state.wrap:
            content = _wrapped(content)
        if body.get("stream", True):
            return StreamingResponse(
                _stream(model, content, messages, started), media_type="application/x-ndjson"
            )
        return JSONResponse(
            {
                "model": model,
                "created_at": _now(),
                "message": {"role": "assistant", "content": content},
                "done": True,
                "done_reason": "stop",
                **_stats(content, messages, started),
            }
        )

    return HangUpWhenDown(app, state)


async def _stream(model: str, content: str, messages: list[dict[str, Any]], started: float) -> Any:
    pieces = [content[i : i + 16] for i in range(0, len(content), 16)] or [""]
    for piece in pieces:
        chunk = {
            "model": model,
            "created_at": _now(),
            "message": {"role": "assistant", "content": piece},
            "done": False,
        }
        yield json.dumps(chunk, ensure_ascii=False) + "\n"
    final = {
        "model": model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
        **_stats(content, messages, started),
    }
    yield json.dumps(final) + "\n"


def _model_entry(name: str) -> dict[str, Any]:
    family = name.split(":", 1)[0]
    return {
        "name": name,
        "model": name,
        "modified_at": "2026-05-01T10:00:00.000000000+02:00",
        "size": 23_000_000_000,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": family,
            "families": [family],
            "parameter_size": name.rsplit(":", 1)[-1].upper() if ":" in name else "unknown",
            "quantization_level": "Q4_K_M",
        },
    }
