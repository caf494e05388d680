"""A scripted fake of the Anthropic Messages API that drives the real Claude Code CLI.

It answers `POST /v1/messages` (streaming SSE or plain JSON) and `POST /v1/messages/count_tokens`
like the real API. What it answers is scripted by the test and decided from the conversation the
CLI sends, so that it is stateless across retries and side requests:

    fake.script("crée le fichier", ToolCall("Bash", {"command": "touch x"}), Answer("Fait."))

When the latest user prompt contains "crée le fichier", the fake answers step k, where k is the
number of tool results the conversation holds after that prompt: first the Bash tool call, then,
once the CLI sends the tool's result back, the final text. A conversation that is answered (its
last step given) gets no further tool call, so the CLI never loops. Unscripted prompts get
`default_text`. A tool call is only made when the request offers that tool (side requests, such
as title generation, offer none and get text).

`claude_env(root, base_url)` gives the environment that runs the CLI offline against the fake
with its own config folder: one call per "machine".
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.fakes.server import serve


@dataclass(frozen=True)
class ToolCall:
    """A step that asks the CLI to run a tool (optionally said after a short text)."""

    name: str
    input: dict[str, Any]
    text: str = ""


@dataclass(frozen=True)
class Answer:
    """A final step: answer this text and end the turn."""

    text: str


Step = ToolCall | Answer


@dataclass
class FakeAnthropic:
    """State and knobs of the fake; tests change them while the server runs."""

    default_text: str = "D'accord."
    scripts: list[tuple[str, tuple[Step, ...]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delta_delay_s: float = 0.0  # pause between streamed deltas (slow model)
    fail_next: int = 0  # answer the next N requests with 529 overloaded
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, trigger: str, *steps: Step) -> None:
        """Answer prompts containing `trigger` with `steps` (the last one must be an Answer)."""
        if not steps or not isinstance(steps[-1], Answer):
            raise ValueError("a script must end with an Answer, or the CLI would loop")
        with self.lock:
            self.scripts.append((trigger, steps))

    def message_requests(self) -> list[dict[str, Any]]:
        """Bodies of the /v1/messages requests received so far."""
        with self.lock:
            return list(self.requests)

    def decide(self, body: dict[str, Any]) -> Step:
        """The step that answers this request (pure: depends on the conversation only)."""
        prompt, results = _current_prompt(body.get("messages", []))
        offered = {t.get("name") for t in body.get("tools", []) if isinstance(t, dict)}
        with self.lock:
            scripts = list(self.scripts)
        for trigger, steps in reversed(scripts):
            if trigger in prompt:
                step = steps[min(results, len(steps) - 1)]
                if isinstance(step, ToolCall) and step.name not in offered:
                    return Answer(steps[-1].text if isinstance(steps[-1], Answer) else "")
                return step
        return Answer(self.default_text)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _typed_after_results(blocks: list[Any]) -> str:
    """Text the user typed after the tool results of one message (the interactive CLI merges a
    refused tool's result, its "[Request interrupted …]" note and the next prompt into one)."""
    last = max(
        (i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("type") == "tool_result"),
        default=-1,
    )
    texts = [_text_of([b]) for b in blocks[last + 1 :]]
    return "\n".join(t for t in texts if t.strip() and not t.startswith(_NOT_TYPED))


_NOT_TYPED = ("[Request interrupted", "<system-reminder>")


def _current_prompt(messages: list[dict[str, Any]]) -> tuple[str, int]:
    """The latest user prompt's text and how many tool results follow it."""
    results = 0
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        has_result = any(isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks)
        if has_result and (typed := _typed_after_results(blocks)):
            return typed, results
        results += sum(1 for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result")
        text = _text_of(content)
        if text.strip() and not has_result:
            return text, results
    return "", results


def _blocks(step: Step) -> tuple[list[dict[str, Any]], str]:
    if isinstance(step, Answer):
        return [{"type": "text", "text": step.text}], "end_turn"
    blocks: list[dict[str, Any]] = []
    if step.text:
        blocks.append({"type": "text", "text": step.text})
    tool_id = f"toolu_01{uuid.uuid4().hex[:22]}"
    blocks.append({"type": "tool_use", "id": tool_id, "name": step.name, "input": step.input})
    return blocks, "tool_use"


def _usage(body: dict[str, Any], output_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": max(1, len(json.dumps(body.get("messages", []))) // 4),
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


async def _stream(
    state: FakeAnthropic, body: dict[str, Any], blocks: list[dict[str, Any]], stop: str
) -> AsyncIterator[bytes]:
    message = {
        "id": f"msg_01{uuid.uuid4().hex[:22]}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-fake"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _usage(body, 1),
    }
    yield _sse("message_start", {"type": "message_start", "message": message})
    yield _sse("ping", {"type": "ping"})
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": c} for c in _chunks(block["text"])]
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            raw = json.dumps(block["input"])
            deltas = [{"type": "input_json_delta", "partial_json": c} for c in _chunks(raw)]
        yield _sse(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": start},
        )
        for delta in deltas:
            if state.delta_delay_s:
                await asyncio.sleep(state.delta_delay_s)
            yield _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
    yield _sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 10},
        },
    )
    yield _sse("message_stop", {"type": "message_stop"})


def create_app(state: FakeAnthropic) -> FastAPI:
    """The fake Messages API as an ASGI app."""
    app = FastAPI()

    @app.post("/v1/messages/count_tokens")
    async def count_tokens(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse({"input_tokens": _usage(body, 0)["input_tokens"]})

    @app.post("/v1/messages")
    async def messages(request: Request) -> Response:
        body = await request.json()
        with state.lock:
            state.requests.append(body)
            failing = state.fail_next > 0
            state.fail_next -= 1 if failing else 0
        if failing:
            error = {"type": "overloaded_error", "message": "Overloaded"}
            return JSONResponse({"type": "error", "error": error}, status_code=529)
        blocks, stop = _blocks(state.decide(body))
        if body.get("stream"):
            return StreamingResponse(
                _stream(state, body, blocks, stop),
                media_type="text/event-stream",
                headers={"request-id": f"req_{uuid.uuid4().hex[:20]}"},
            )
        return JSONResponse(
            {
                "id": f"msg_01{uuid.uuid4().hex[:22]}",
                "type": "message",
                "role": "assistant",
                "model": body.get("model", "claude-fake"),
                "content": blocks,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": _usage(body, 10),
            }
        )

    return app


@contextmanager
def running_fake_anthropic(
    state: FakeAnthropic | None = None,
) -> Iterator[tuple[str, FakeAnthropic]]:
    """Run the fake on a loopback port; yield (base URL, state)."""
    state = state or FakeAnthropic()
    with serve(create_app(state)) as url:
        yield url, state


def claude_env(root: Path, base_url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment running the Claude CLI offline against `base_url`, config under `root`."""
    home = root / "home"
    config = home / ".claude"
    config.mkdir(parents=True, exist_ok=True)
    env = dict(base or {})
    env.update(
        HOME=str(home),
        CLAUDE_CONFIG_DIR=str(config),
        ANTHROPIC_BASE_URL=base_url,
        ANTHROPIC_API_KEY="sk-ant-fake-key",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        DISABLE_AUTOUPDATER="1",
        DISABLE_TELEMETRY="1",
        DISABLE_ERROR_REPORTING="1",
    )
    return env


def bundled_cli() -> Path:
    """Path of the Claude Code CLI bundled in the claude-agent-sdk wheel."""
    import claude_agent_sdk

    path = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    if not path.exists():
        raise FileNotFoundError(f"the bundled Claude CLI is missing at {path}")
    return path
