"""A fake OpenAI-compatible gateway (as LiteLLM speaks it), for `tests.fakes.server.serve`.

    POST /v1/chat/completions (also /chat/completions)
         {model, messages, temperature?, response_format?: {type: "json_schema",
          json_schema: {name, schema, strict?}} | {type: "json_object"}, stream?}
         -> {id, object: "chat.completion", created, model, choices: [{index, message: {role,
             content}, finish_reason: "stop"}], usage: {prompt_tokens, completion_tokens,
             total_tokens}}; with stream: true, server-sent `data:` chunks then `data: [DONE]`
    GET  /v1/models (also /models) -> {object: "list", data: [{id, object: "model", created,
         owned_by}]}

Errors are `{"error": {"message", "type", "param", "code"}}`. With `api_key` set, a request
without `Authorization: Bearer <api_key>` is answered 401. Answers are scripted as for the Ollama
fake (`Script`: queue or responder, checked against the request's json_schema, `garbage`), and
the knobs are the same: `latency_s`, `fail_with`, `down`. Every request lands in `requests`:
a privacy test asserts that it stays empty.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp

from tests.fakes.ollama import Answer, Script, ScriptError
from tests.fakes.server import HangUpWhenDown


@dataclass
class OpenAIState:
    """What the fake gateway knows, answers and has received."""

    models: list[str] = field(default_factory=lambda: ["deepseek-chat"])
    api_key: str | None = None
    script: Script = field(default_factory=Script)
    latency_s: float = 0.0
    fail_with: int | None = None
    down: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reply(self, *answers: Answer) -> None:
        """Queue answers, one per chat completion."""
        self.script.answers.extend(answers)

    @property
    def completions(self) -> list[dict[str, Any]]:
        """The bodies of the chat completion requests received, in order."""
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    @property
    def script_errors(self) -> list[str]:
        """Requests the test's script could not answer."""
        return self.script.errors


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
    return JSONResponse(body, status_code=status)


def create_app(state: OpenAIState | None = None) -> ASGIApp:
    """The fake gateway as an ASGI app."""
    state = state or OpenAIState()
    app = FastAPI(title="fake openai-compatible gateway")

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        state.requests.append(
            {
                "method": request.method,
                "path": request.url.path,
                "body": body,
                "authorization": request.headers.get("authorization"),
            }
        )
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if state.fail_with:
            return _error(state.fail_with, f"fake failure {state.fail_with}", "api_error")
        if state.api_key and request.headers.get("authorization") != f"Bearer {state.api_key}":
            return _error(401, "Authentication Error, invalid or missing key", "auth_error")
        response: Response = await call_next(request)
        return response

    @app.get("/v1/models")
    @app.get("/models")
    async def models() -> dict[str, Any]:
        data = [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
            for m in state.models
        ]
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions")
    @app.post("/chat/completions")
    async def completions(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the body is not valid JSON")
        if not isinstance(body, dict) or not body.get("model"):
            return _error(400, "model is required")
        if body["model"] not in state.models:
            return _error(400, f"Invalid model name passed in model={body['model']}")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "messages must be a non-empty array")
        try:
            content = state.script.next_content(messages, _schema(body.get("response_format")))
        except ScriptError as exc:
            return _error(500, str(exc), "api_error")
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            return StreamingResponse(
                _stream(completion_id, body["model"], content), media_type="text/event-stream"
            )
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
        completion_tokens = max(1, len(content.split()))
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "system_fingerprint": None,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "tool_calls": None},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    return HangUpWhenDown(app, state)


def _schema(response_format: Any) -> Any:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    return None


async def _stream(completion_id: str, model: str, content: str) -> Any:
    created = int(time.time())
    pieces = [content[i : i + 16] for i in range(0, len(content), 16)]
    for index, piece in enumerate(pieces):
        delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        }
        yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
    final = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    yield f"data: {json.dumps(final)}\n\n"
    yield "data: [DONE]\n\n"
